"""A major version never certifies people on text that lacks its change: out-of-date
translations are listed and must be confirmed before publishing, and their learners read
the source language (with a notice) until the translation catches up."""

import re
import shutil

import pytest

from lms.extensions import db
from lms.queries import catalog
from tests.helpers import COURSE
from tests.helpers import EN_MODULE
from tests.helpers import EN_QUIZ
from tests.helpers import HE_MODULE
from tests.helpers import IN_LANGUAGE
from tests.helpers import OTHER_LANGUAGES
from tests.helpers import answer_form
from tests.helpers import draft_text
from tests.helpers import events
from tests.helpers import latest_attempt
from tests.helpers import publish
from tests.helpers import read_all_modules
from tests.helpers import save
from tests.helpers import sign_in
from tests.helpers import text_of
from tests.helpers import translated_content

CHANGED = "---\ntitle: Say who you work for\n---\n\nAlways disclose that you work for us.\n"
NOTICE_HE = "יחידה זו עודכנה והתרגום שלה עדיין לא מוכן; אתם קוראים את המקור ב"


@pytest.fixture(scope="module")
def translated_root(tmp_path_factory):
    return translated_content(tmp_path_factory.mktemp("translated"))


@pytest.fixture
def content_root(translated_root):
    return translated_root


def latest_version():
    db.session.expire_all()
    return catalog.latest_version(COURSE)


def publish_confirmed(client, kind: str = "major"):
    data = {"kind": kind, "grace_days": "30", "accept_behind": "y", "submit": "Publish"}
    return client.post(f"/author/{COURSE}/publish", data=data)


def learner(app, make_user, lang: str = "he"):
    client = app.test_client()
    sign_in(client, make_user(preferred_language=lang))
    return client


def test_publish_page_lists_the_seven_stale_translations_and_refuses_without_confirmation(
    author,
):
    save(author, EN_MODULE, CHANGED)  # English only
    page = author.get(f"/author/{COURSE}/publish")
    html = page.get_data(as_text=True)
    listed = html.split('id="behind-list"')[1].split("</table>")[0]
    assert listed.count("<tr>") == 1 + 7  # the header, then one row per language
    for lang in OTHER_LANGUAGES:
        assert f"courses/{COURSE}/{lang}/01-say-who-you-are.md" in listed
    assert "02-keep-secrets" not in listed and "quizzes/" not in listed
    assert "7 out-of-date translations" in text_of(page)

    refused = publish(author, "major", grace_days=30)
    assert refused.status_code == 400
    assert "7 translation(s) are out of date" in text_of(refused)
    assert 'id="accept-behind-error"' in refused.get_data(as_text=True)
    assert latest_version().version == "1.0"  # nothing was published
    assert "Always disclose" in draft_text(EN_MODULE)  # and the draft is kept


def test_confirmed_major_serves_the_english_text_of_that_module_with_a_notice(
    app, author, marketer, make_user
):
    save(author, EN_MODULE, CHANGED)
    assert publish_confirmed(author).status_code == 302
    assert latest_version().version == "2.0"
    recorded = events("content.published")[-1].after["behind_translations"]
    assert sorted(b["lang"] for b in recorded) == sorted(OTHER_LANGUAGES)
    assert {b["item"] for b in recorded} == {"say-who-you-are"}

    hebrew = learner(app, make_user)
    page = hebrew.get(f"/training/{COURSE}/modules/say-who-you-are")
    html, text = page.get_data(as_text=True), text_of(page)
    assert "Always disclose that you work for us." in text
    assert IN_LANGUAGE["he"] not in text
    assert NOTICE_HE in text and "אנגלית" in text  # "English", in Hebrew
    assert '<article class="module-content" lang="en" dir="ltr">' in html
    assert '<html lang="he" dir="rtl">' in html  # English inside a Hebrew page
    # The module the major version did not change is still read in Hebrew.
    other = hebrew.get(f"/training/{COURSE}/modules/keep-secrets")
    assert IN_LANGUAGE["he"] in text_of(other) and NOTICE_HE not in text_of(other)


def test_certification_records_that_the_changed_module_was_studied_in_english(
    app, author, make_user
):
    save(author, EN_MODULE, CHANGED)
    publish_confirmed(author)
    person = make_user(preferred_language="he")
    client = app.test_client()
    sign_in(client, person)
    read_all_modules(client, COURSE, ["say-who-you-are", "keep-secrets"])
    client.post(f"/training/{COURSE}/quiz")
    attempt = latest_attempt(person)
    assert attempt.lang == "he"  # the quiz did not change: its translation is current
    client.post(f"/training/attempts/{attempt.id}", data=answer_form(attempt))
    issued = events("certification.issued")[-1].after
    assert issued["version"] == "2.0" and issued["lang"] == "he"
    assert issued["module_langs"] == {"say-who-you-are": "en", "keep-secrets": "he"}


def test_a_stale_quiz_translation_is_asked_in_english(app, author, make_user):
    english = draft_text(EN_QUIZ)
    save(author, EN_QUIZ, english.replace("Post it and say you work for us.", "Disclose it."))
    page = author.get(f"/author/{COURSE}/publish")
    listed = page.get_data(as_text=True).split('id="behind-list"')[1].split("</table>")[0]
    assert listed.count(f"quizzes/{COURSE}/") == 7
    publish_confirmed(author)

    person = make_user(preferred_language="he")
    client = app.test_client()
    sign_in(client, person)
    quiz_page = client.get(f"/training/{COURSE}/quiz")
    assert "הבוחן הזה עודכן" in text_of(quiz_page)  # the notice, in Hebrew
    read_all_modules(client, COURSE, ["say-who-you-are", "keep-secrets"])
    client.post(f"/training/{COURSE}/quiz")
    attempt = latest_attempt(person)
    assert attempt.lang == "en"  # never the Hebrew questions without the change
    asked = text_of(client.get(f"/training/attempts/{attempt.id}"))
    # The draw picks 3 of the quiz's questions: each drawn one is asked in English, and the
    # changed answer with it when its question was drawn.
    stems = dict((i, stem) for stem, i in re.findall(r"^## (.*?) \{#([\w-]+)", english, re.M))
    drawn = [q["id"] for q in attempt.questions]
    assert all(stems[i] in asked for i in drawn) and "(he)" not in asked
    assert ("Disclose it." in asked) == ("disclose" in drawn)
    assert "הבוחן הזה עודכן" in asked
    client.post(f"/training/attempts/{attempt.id}", data=answer_form(attempt))
    assert events("certification.issued")[-1].after["lang"] == "en"


def test_the_translation_catches_up_in_a_later_minor_version(app, author, make_user):
    save(author, EN_MODULE, CHANGED)
    publish_confirmed(author)
    hebrew_text = "ציינו תמיד שאתם עובדים אצלנו."
    translated = draft_text(HE_MODULE).replace(IN_LANGUAGE["he"], hebrew_text)
    save(author, HE_MODULE, translated, save_current="Save and mark as current translation")
    page = author.get(f"/author/{COURSE}/publish")
    listed = page.get_data(as_text=True).split('id="behind-list"')[1]
    assert f"courses/{COURSE}/he/" not in listed.split("</table>")[0]  # 6 left
    assert publish(author, "minor").status_code == 302  # no confirmation for a minor
    assert latest_version().version == "2.1"

    text = text_of(learner(app, make_user).get(f"/training/{COURSE}/modules/say-who-you-are"))
    assert hebrew_text in text and NOTICE_HE not in text
    german = learner(app, make_user, "de").get(f"/training/{COURSE}/modules/say-who-you-are")
    assert "Always disclose that you work for us." in text_of(german)  # still behind


def test_a_minor_version_keeps_serving_translations_of_its_major(app, author, make_user):
    """A wording fix does not hide translations: they translate this major's policy."""
    save(author, EN_MODULE, CHANGED)
    assert publish(author, "minor").status_code == 302
    text = text_of(learner(app, make_user).get(f"/training/{COURSE}/modules/say-who-you-are"))
    assert IN_LANGUAGE["he"] in text and NOTICE_HE not in text


def test_the_preview_shows_what_learners_of_a_minor_version_would_read(author):
    save(author, EN_MODULE, CHANGED)
    page = author.get(f"/author/{COURSE}/preview/modules/say-who-you-are?lang=he")
    assert IN_LANGUAGE["he"] in text_of(page)


def test_sync_holds_back_a_major_version_with_stale_translations_until_forced(
    app, runner, tmp_path, translated_root
):
    root = shutil.copytree(translated_root, tmp_path / "content")
    yml = root / "courses" / COURSE / "course.yml"
    yml.write_text(yml.read_text().replace('version: "1.0"', 'version: "2.0"'))
    (root / EN_MODULE).write_text(CHANGED)
    app.config["CONTENT_ROOT"] = str(root)

    held = runner.invoke(args=["lms", "content", "sync"])
    assert held.exit_code == 1
    assert "held back policy-basics" in held.output and "--force" in held.output
    for lang in OTHER_LANGUAGES:
        assert f"{lang}: say-who-you-are (courses/{COURSE}/{lang}/" in held.output
    assert latest_version().version == "1.0"

    forced = runner.invoke(args=["lms", "content", "sync", "--force"])
    assert forced.exit_code == 0, forced.output
    assert latest_version().version == "2.0"
    assert len(events("content.published")[-1].after["behind_translations"]) == 7


def test_the_course_description_is_in_the_readers_language(app, make_user):
    html = learner(app, make_user).get(f"/training/{COURSE}").get_data(as_text=True)
    assert f'<p class="lead" lang="he" dir="rtl">{IN_LANGUAGE["he"]}</p>' in html
    assert '<h1 class="h3" lang="he" dir="rtl">Policy basics (he)</h1>' in html
