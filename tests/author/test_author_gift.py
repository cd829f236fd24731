"""Bring your question bank: a Moodle GIFT file uploaded in the browser."""

import io
from pathlib import Path

from lms.queries import workspaces
from lms.services import authoring
from tests.helpers import COURSE
from tests.helpers import text_of

GIFT = Path(__file__).parents[1] / "data" / "gift" / "giftFormatPhpExamples.gift"


def upload(client, data: bytes, lang: str = "de", name: str = "bank.gift", **extra):
    form = {"file": (io.BytesIO(data), name), "lang": lang, "title": "Fragen", **extra}
    return client.post(f"/author/{COURSE}/gift", data=form, content_type="multipart/form-data")


def test_upload_reports_every_skipped_question_with_its_line(author):
    response = upload(author, GIFT.read_bytes())
    assert response.status_code == 200
    page = text_of(response)
    assert "3 question(s) converted, 7 skipped." in page
    for line, reason in [
        (7, "fill in the blank"),
        (11, "short-answer question"),
        (13, "numerical question"),
        (15, "matching question"),
        (28, "partial credit dropped"),
    ]:
        assert f"{line} " in page and reason in page
    assert 'value="Save into the draft"' in response.get_data(as_text=True)
    assert workspaces.workspace(COURSE).draft is None  # nothing saved before the author says so


def test_the_converted_quiz_is_saved_into_the_draft(author):
    markdown = authoring.convert_gift(GIFT.read_bytes(), "Fragen", None).markdown
    response = author.post(
        f"/author/{COURSE}/gift/save", data={"lang": "de", "markdown": markdown, "save": "Save"}
    )
    path = f"quizzes/{COURSE}/de.md"
    assert response.headers["Location"].endswith(f"/author/{COURSE}/files/{path}")
    assert workspaces.workspace(COURSE).files[path].decode() == markdown
    editor = text_of(author.get(response.headers["Location"]))
    assert "question ids differ from quizzes/policy-basics/en.md" in editor


def test_the_converted_quiz_can_be_downloaded(author):
    response = author.post(
        f"/author/{COURSE}/gift/save",
        data={"lang": "de", "markdown": "---\ntitle: x\n---\n", "download": "Download"},
    )
    assert response.headers["Content-Disposition"] == 'attachment; filename="de.md"'
    assert response.get_data(as_text=True) == "---\ntitle: x\n---\n"
    assert workspaces.workspace(COURSE).draft is None


def test_bad_files_are_explained_on_the_form(author):
    response = upload(author, "// comment\n::Q:: caf\xe9 {T}\n".encode("latin-1"))
    assert response.status_code == 400
    assert "not UTF-8 (line 2)" in text_of(response)
    html = upload(author, b"x", name="bank.pdf").get_data(as_text=True)
    assert 'id="file-error"' in html and "Upload a GIFT file" in html
