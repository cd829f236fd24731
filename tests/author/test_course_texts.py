"""The course's own title and description are translated like its modules: shown in the
reader's language, and listed per language in the translation status (missing flagged)."""

from lms.config import LANGUAGES
from lms.models import Role
from tests.helpers import COURSE
from tests.helpers import COURSE_YML
from tests.helpers import draft_text
from tests.helpers import save
from tests.helpers import sign_in


def row(html: str, label: str) -> str:
    return html.split(label, 1)[1].split("</tr>")[0]


def test_the_status_matrix_flags_missing_titles_and_descriptions(author):
    html = author.get(f"/author/{COURSE}/status").get_data(as_text=True)
    title = row(html, "Course title (course.yml)")
    # A column per interface language but English: he and zh_Hans have a title.
    others = len(LANGUAGES) - 1
    assert title.count("Missing") == others - 2
    assert title.count("Current") == 2
    assert "Course description (course.yml)" not in html  # the course has none yet

    yml = draft_text(COURSE_YML).replace(
        "required:", "description:\n  en: Say who you are.\nrequired:"
    )
    save(author, COURSE_YML, yml)
    html = author.get(f"/author/{COURSE}/status?status=missing").get_data(as_text=True)
    assert row(html, "Course description (course.yml)").count("Missing") == others


def test_authoring_pages_show_the_title_in_the_readers_language(app, make_user):
    hebrew_author = app.test_client()
    sign_in(hebrew_author, make_user(roles=[Role.MARKETING], preferred_language="he"))
    html = hebrew_author.get(f"/author/{COURSE}").get_data(as_text=True)
    assert '<h1 class="h3">יסודות המדיניות <small' in html
    assert "<title>יסודות המדיניות ·" in html
