"""An Aiken question bank uploaded in the browser: converted, reviewed, saved into the draft."""

import io
from html import unescape

import pytest

from lms.queries import workspaces
from lms.services import authoring
from tests.helpers import COURSE
from tests.helpers import text_of as html_text_of

BANK = """\
What do you do before you post about the company?
A. Post at once
B) Say that you work here
ANSWER: B

Which of these is confidential?
A. Next quarter's results
B. The published annual report
C. Next quarter's results
A. The press release
ANSWER: A

Who may speak for the company?
A. Anyone
B. Trained, cleared employees
"""


def text_of(response) -> str:
    return unescape(html_text_of(response))


def upload(client, data: bytes, name: str = "bank.txt", **extra):
    form = {"file": (io.BytesIO(data), name), "lang": "de", "title": "Fragen", **extra}
    return client.post(f"/author/{COURSE}/aiken", data=form, content_type="multipart/form-data")


def test_the_course_page_links_to_the_aiken_import(author):
    assert f'href="/author/{COURSE}/aiken"' in author.get(f"/author/{COURSE}").get_data(True)
    page = author.get(f"/author/{COURSE}/aiken")
    assert page.status_code == 200 and "ANSWER: B" in text_of(page)


def test_upload_converts_and_reports_every_skipped_question_with_its_line(author):
    response = upload(author, BANK.encode())
    assert response.status_code == 200
    page = text_of(response)
    assert "Aiken file bank.txt" in page
    assert "1 question(s) converted, 2 skipped." in page
    assert "10 Which of these is confidential?" in page
    assert "option A appears twice (first on line 7)" in page
    assert "15 Who may speak for the company?" in page and "no 'ANSWER:' line" in page
    assert 'value="Save into the draft"' in response.get_data(as_text=True)
    assert workspaces.workspace(COURSE).draft is None  # nothing saved before the author says so


def test_the_converted_quiz_is_saved_into_the_draft(author):
    markdown = authoring.convert_aiken(BANK.encode(), "Fragen", None).markdown
    response = author.post(
        f"/author/{COURSE}/gift/save", data={"lang": "de", "markdown": markdown, "save": "Save"}
    )
    path = f"quizzes/{COURSE}/de.md"
    assert response.headers["Location"].endswith(f"/author/{COURSE}/files/{path}")
    saved = workspaces.workspace(COURSE).files[path].decode()
    assert saved == markdown and "- [x] Say that you work here" in saved


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "The file holds no questions."),
        (b"\r\n\r\n", "The file holds no questions."),
        (BANK.encode("utf-16"), "The file is UTF-16: save it as UTF-8 and upload it again."),
        (BANK.encode("utf-16-be"), "The file is UTF-16: save it as UTF-8 and upload it again."),
        ("Qu'est-ce que ça?\nA. a\nB. b\nANSWER: A\n".encode("latin-1"), "not UTF-8 (line 1)"),
    ],
)
def test_files_it_cannot_read_are_explained_on_the_form(author, data, message):
    response = upload(author, data)
    assert response.status_code == 400
    assert message in text_of(response)
    assert workspaces.workspace(COURSE).draft is None


def test_crlf_and_a_byte_order_mark_are_read(author):
    response = upload(author, b"\xef\xbb\xbf" + BANK.replace("\n", "\r\n").encode())
    assert "1 question(s) converted, 2 skipped." in text_of(response)


def test_the_form_is_checked(author):
    html = upload(author, BANK.encode(), name="bank.docx").get_data(as_text=True)
    assert 'id="file-error"' in html and "Upload an Aiken file (.txt or .aiken)." in html
    response = upload(author, BANK.encode(), title="", pool="0")
    assert response.status_code == 400
    assert "Enter the quiz title." in text_of(response) and "Enter 1 or more." in text_of(response)
    too_many = upload(author, BANK.encode(), pool="2")
    assert too_many.status_code == 400 and "pool must be from 1" in text_of(too_many)


def test_gift_upload_explains_utf16_too(author):
    form = {
        "file": (io.BytesIO("Q?{T}".encode("utf-16")), "bank.gift"),
        "lang": "de",
        "title": "Fragen",
    }
    response = author.post(f"/author/{COURSE}/gift", data=form, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "The file is UTF-16: save it as UTF-8" in text_of(response)
