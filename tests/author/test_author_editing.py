"""Editing in the browser: preview, inline errors, drafts, languages and translation status."""

import re

import sqlalchemy as sa

from lms.content import revision_of
from lms.extensions import db
from lms.models import CourseDraft
from lms.models import CourseVersion
from lms.queries import workspaces
from lms.services import authoring
from tests.helpers import COURSE
from tests.helpers import COURSE_YML
from tests.helpers import EN_MODULE
from tests.helpers import EN_QUIZ
from tests.helpers import HE_MODULE
from tests.helpers import draft_text
from tests.helpers import edit_url
from tests.helpers import save
from tests.helpers import sign_in
from tests.helpers import text_of

NEW_EN = """---
title: Say who you work for
---

When you post about our products, **always** say that you work for us.
"""


def test_course_list_and_course_page(author):
    index = text_of(author.get("/author"))
    assert "Policy basics" in index and "1.0" in index
    page = author.get(f"/author/{COURSE}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert f'href="/author/{COURSE}/files/{EN_MODULE}"' in body
    assert f'href="/author/{COURSE}/files/{EN_QUIZ}"' in body
    assert "No draft" in text_of(page)


def test_preview_renders_the_learner_html_beside_the_editor(author):
    response = author.post(edit_url(EN_MODULE), data={"text": NEW_EN, "preview": "Preview"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<strong>always</strong>" in html  # rendered by the content pipeline
    assert "**always**" in html  # and the Markdown stays in the editor
    assert db.session.get(CourseDraft, COURSE) is None  # a preview saves nothing


def test_quiz_preview_disables_answers_and_marks_the_correct_ones(author):
    html = author.get(edit_url(EN_QUIZ)).get_data(as_text=True)
    assert '<fieldset class="card mb-3 question" disabled>' in html
    assert "Correct answer" in html
    assert 'name="q-' not in html  # nothing that could be submitted or graded


def test_errors_are_shown_inline_with_line_numbers(author):
    broken = "---\ntitle: Say who you work for\ncolour: blue\n---\n\nText.\n"
    response = author.post(edit_url(EN_MODULE), data={"text": broken, "preview": "Preview"})
    page = text_of(response)
    assert "1 problem in this file" in page
    assert "Error Line 3 : unknown key &#39;colour&#39; colour: blue" in page  # with the line
    html = response.get_data(as_text=True)
    assert 'aria-describedby="text-help file-problems"' in html
    assert 'id="file-problems"' in html


def test_quiz_preview_shows_the_draw_and_each_question_module(author):
    quiz = draft_text(EN_QUIZ).replace("pool: 3\n", "draw:\n  questions: 2\n  per_module: 1\n")
    for question_id, module in [
        ("disclose", "say-who-you-are"),
        ("confidential", "keep-secrets"),
        ("disclaimer", "keep-secrets"),
        ("press", "say-who-you-are"),
    ]:
        quiz = re.sub(
            rf"(\{{#{question_id} \.[a-z-]+\}})\n", rf"\1\n<!-- module: {module} -->\n", quiz
        )
    page = text_of(author.post(edit_url(EN_QUIZ), data={"text": quiz, "preview": "Preview"}))
    assert "No problem in this file." in page
    assert "2 questions drawn per attempt (at least 1 question from every module)" in page
    assert "Question 1 of 4 · #disclose · module say-who-you-are" in page


def test_a_guessable_key_is_a_warning_in_the_editor_with_its_line(author):
    long_key = "- [x] The press team, who answer journalists for the whole company."
    quiz = draft_text(EN_QUIZ).replace("- [x] The press team.", long_key)
    page = text_of(author.post(edit_url(EN_QUIZ), data={"text": quiz, "preview": "Preview"}))
    line = (
        quiz.split("\n").index(
            "## A journalist asks you for a comment. Who answers? {#press .single}"
        )
        + 1
    )
    assert (
        f"Warning Line {line} : question &#39;press&#39;: the right answer is much longer" in page
    )


def test_problems_of_other_files_are_counted(author):
    response = author.post(
        edit_url(COURSE_YML),
        data={
            "text": draft_text(COURSE_YML).replace("pass_mark: 80", "pass_mark: 800"),
            "preview": "Preview",
        },
    )
    assert "pass_mark must be between 1 and 100" in text_of(response)
    other = author.post(edit_url(EN_MODULE), data={"text": NEW_EN, "preview": "Preview"})
    assert "Other files of the course: 0 error(s)" in text_of(other)


def test_save_starts_a_draft_invisible_to_learners_until_published(author, app, employee):
    response = save(author, EN_MODULE, NEW_EN)
    assert response.status_code == 302
    assert draft_text(EN_MODULE) == NEW_EN
    learner = app.test_client()
    sign_in(learner, employee)
    page = learner.get(f"/training/{COURSE}/modules/say-who-you-are").get_data(as_text=True)
    assert "<strong>always</strong>" not in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CourseVersion)) == 1
    assert "You are working on the draft" in text_of(author.get(edit_url(EN_MODULE)))
    assert author.post(f"/author/{COURSE}/publish", data={"kind": "minor"}).status_code == 302
    page = learner.get(f"/training/{COURSE}/modules/say-who-you-are").get_data(as_text=True)
    assert "<strong>always</strong>" in page


def test_discard_draft(author):
    save(author, EN_MODULE, NEW_EN)
    response = author.post(f"/author/{COURSE}/draft/discard")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(CourseDraft, COURSE) is None
    assert "**always**" not in draft_text(EN_MODULE)


def test_saving_keeps_crlf_line_endings_and_the_byte_order_mark(author, marketer):
    ws = workspaces.workspace(COURSE)
    original = "\ufeff" + NEW_EN.replace("\n", "\r\n")
    authoring.save_quiz(ws, "he", "placeholder", marketer)  # any draft will do
    draft = db.session.get(CourseDraft, COURSE)
    next(f for f in draft.files if f.path == HE_MODULE).data = original.encode()
    db.session.commit()
    # Browsers send textarea text with CRLF whatever the file had.
    save(author, HE_MODULE, NEW_EN.replace("\n", "\r\n").replace("always", "ALWAYS"))
    data = workspaces.workspace(COURSE).files[HE_MODULE]
    assert data.startswith("\ufeff".encode()) and data.count(b"\r\n") == NEW_EN.count("\n")
    assert b"ALWAYS" in data
    save(author, EN_MODULE, NEW_EN.replace("\n", "\r\n"))
    assert b"\r" not in workspaces.workspace(COURSE).files[EN_MODULE]


def test_a_save_over_someone_elses_newer_save_is_refused_once(author):
    save(author, EN_MODULE, NEW_EN)
    stale = {"text": "---\ntitle: Mine\n---\n\nMine.\n", "base": "0" * 16, "save": "Save"}
    response = author.post(edit_url(EN_MODULE), data=stale)
    assert response.status_code == 409
    assert "Someone else saved this file" in text_of(response)
    assert draft_text(EN_MODULE) == NEW_EN


def test_unknown_files_and_courses_are_404(author):
    assert author.get(edit_url("courses/policy-basics/../../etc/passwd")).status_code == 404
    assert author.get(edit_url(f"courses/{COURSE}/en/99-nothing.md")).status_code == 404
    assert author.get("/author/no-such-course").status_code == 404


def test_add_language_creates_untranslated_copies(author, app, employee):
    response = author.post(f"/author/{COURSE}/languages", data={"lang": "de"})
    assert response.status_code == 302
    files = workspaces.workspace(COURSE).files
    de_module = f"courses/{COURSE}/de/01-say-who-you-are.md"
    assert files[de_module] == files[EN_MODULE]
    assert f"quizzes/{COURSE}/de.md" in files
    page = text_of(author.get(f"/author/{COURSE}/status?lang=de"))
    assert "Untranslated" in page and "Based on the draft" in page
    problems = authoring.check(COURSE, files)[1]
    assert any(
        p.path == de_module and "translation without translation_of" in p.message for p in problems
    )
    learner = app.test_client()
    employee.preferred_language = "de"
    db.session.commit()
    sign_in(learner, employee)
    html = learner.get(f"/training/{COURSE}/modules/say-who-you-are").get_data(as_text=True)
    # Until it is published, a German learner reads the English module with a notice.
    assert '<article class="module-content" lang="en"' in html
    assert "Dieses Modul gibt es noch nicht in Ihrer Sprache" in html


def test_add_language_refuses_bad_codes_inline(author):
    response = author.post(f"/author/{COURSE}/languages", data={"lang": "klingon!"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="lang-error"' in html and "lang-help lang-error" in html
    assert author.post(f"/author/{COURSE}/languages", data={"lang": "en"}).status_code == 400


def test_mark_as_current_translation_records_the_source_revision(author):
    he_text = draft_text(HE_MODULE)
    response = save(author, HE_MODULE, he_text, save_current="Save and mark")
    assert response.status_code == 302
    source_revision = revision_of(workspaces.workspace(COURSE).files[EN_MODULE])
    assert f"translation_of: {source_revision}" in draft_text(HE_MODULE)
    assert "Current" in text_of(author.get(f"/author/{COURSE}/status?lang=he"))


def test_a_source_edit_makes_translations_out_of_date_in_the_matrix(author):
    save(author, HE_MODULE, draft_text(HE_MODULE), save_current="Save and mark")
    before = text_of(author.get(f"/author/{COURSE}/status?lang=he&status=out_of_date"))
    assert "No file matches these filters" in before
    save(author, EN_MODULE, NEW_EN)
    after = author.get(f"/author/{COURSE}/status?lang=he&status=out_of_date")
    page = text_of(after)
    assert "Out of date" in page and "say-who-you-are" in page
    assert f"files/{HE_MODULE}" in after.get_data(as_text=True)


def test_status_counts_and_filters(author):
    page = text_of(author.get(f"/author/{COURSE}/status"))
    assert "Based on the published version 1.0" in page
    # zh_Hans: both modules untranslated, the quiz missing; es: a shipped UI language.
    assert "Español (es)" in page
    filtered = author.get(f"/author/{COURSE}/status?lang=zh_Hans&status=missing")
    html = filtered.get_data(as_text=True)
    assert "Missing" in text_of(filtered) and "keep-secrets" not in html


def test_course_preview_reuses_the_learner_pages_with_the_draft(author, employee):
    save(author, EN_MODULE, NEW_EN)
    course = author.get(f"/author/{COURSE}/preview?lang=en")
    assert course.status_code == 200
    page = text_of(course)
    assert "Preview of the draft" in page and "Policy basics" in page
    html = course.get_data(as_text=True)
    assert f"/author/{COURSE}/preview/modules/say-who-you-are?lang=en" in html
    assert "/training/" not in html  # every learner link stays inside the preview
    module = author.get(f"/author/{COURSE}/preview/modules/say-who-you-are?lang=en")
    assert "<strong>always</strong>" in module.get_data(as_text=True)
    assert '<form method="post">' not in module.get_data(as_text=True)
    quiz = author.get(f"/author/{COURSE}/preview/quiz?lang=en")
    assert "disabled" in quiz.get_data(as_text=True)
    from lms.models import ModuleProgress

    assert db.session.scalar(sa.select(sa.func.count()).select_from(ModuleProgress)) == 0


def test_preview_right_to_left(author):
    response = author.get(f"/author/{COURSE}/preview/modules/say-who-you-are?lang=he")
    html = response.get_data(as_text=True)
    assert 'lang="he" dir="rtl"' in html and "ציינו" in html


def test_preview_of_a_broken_draft_explains_why(author):
    save(author, COURSE_YML, draft_text(COURSE_YML).replace("pass_mark: 80", "pass_mark: 0"))
    response = author.get(f"/author/{COURSE}/preview")
    assert response.status_code == 409
    assert "pass_mark" in text_of(response)


def test_authoring_pages_work_in_a_right_to_left_interface(app, make_user):
    from lms.models import Role

    client = app.test_client()
    sign_in(client, make_user(roles=[Role.MARKETING], preferred_language="he"))
    for url in (
        f"/author/{COURSE}",
        edit_url(EN_MODULE),
        f"/author/{COURSE}/status",
        f"/author/{COURSE}/versions/1.0",
        f"/author/{COURSE}/preview?lang=he",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="he" dir="rtl">' in response.get_data(as_text=True)
