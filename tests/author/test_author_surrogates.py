"""A YAML escape of a UTF-16 surrogate ("\\ud83d") is an error with its line in the
browser editor, is never published, and breaks no page (issue 11, fault 1)."""

from html import unescape

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.models import CourseVersion
from tests.helpers import COURSE
from tests.helpers import EN_MODULE
from tests.helpers import EN_QUIZ
from tests.helpers import edit_url
from tests.helpers import publish
from tests.helpers import save
from tests.helpers import text_of

LONE = '"Say who \\ud83d you are"'
PAIR = '"Say who \\ud83d\\ude00 you are"'
AUTHOR_PAGES = [
    "/author",
    f"/author/{COURSE}",
    edit_url(EN_MODULE),
    edit_url(EN_QUIZ),
    f"/author/{COURSE}/publish",
    f"/author/{COURSE}/status",
    f"/author/{COURSE}/versions",
    f"/author/{COURSE}/versions/1.0",
]
LEARNER_PAGES = [f"/training/{COURSE}", f"/training/{COURSE}/modules/say-who-you-are"]


def shown(response) -> str:
    return unescape(text_of(response)).replace(" : ", ": ")


def module(title: str) -> str:
    return f"---\ntitle: {title}\n---\n\nWhen you post, say that you work for us.\n"


@pytest.mark.parametrize(
    "title, fragment",
    [
        (LONE, '"\\ud83d" is half of a UTF-16 surrogate pair'),
        (PAIR, 'write 😀 itself or "\\U0001F600"'),
    ],
)
def test_the_editor_shows_the_error_and_nothing_is_published(author, title, fragment):
    preview = author.post(edit_url(EN_MODULE), data={"text": module(title), "preview": "1"})
    assert preview.status_code == 200
    assert 'Line 2: "\\ud83d' in shown(preview) and fragment in shown(preview)
    assert save(author, EN_MODULE, module(title)).status_code == 302  # a draft may be wrong
    for url in AUTHOR_PAGES:
        response = author.get(url)
        assert response.status_code == 200, url
    assert fragment in shown(author.get(f"/author/{COURSE}"))
    for url in (f"/author/{COURSE}/preview", f"/author/{COURSE}/preview/modules/say-who-you-are"):
        response = author.get(url)
        assert response.status_code == 409 and fragment in shown(response), url
    refused = publish(author, "minor")
    assert refused.status_code == 400 and fragment in shown(refused)
    db.session.expire_all()
    assert [v.version for v in db.session.scalars(sa.select(CourseVersion))] == ["1.0"]
    for url in LEARNER_PAGES:
        assert author.get(url).status_code == 200, url


def test_an_escape_of_a_real_character_is_fine(author):
    save(author, EN_MODULE, module('"Say who \\U0001F600 you are"'))
    assert publish(author, "minor").status_code == 302
    assert "Say who 😀 you are" in shown(author.get(LEARNER_PAGES[1]))
