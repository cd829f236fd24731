"""Quiz item analysis for HR and marketing: per question and language, from submitted
attempts, with no person in it. Through HTTP, on every database."""

import dataclasses

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.models import AttemptResponse
from lms.models import Enrollment
from lms.models import QuizAttempt
from lms.models import Role
from lms.models import utcnow
from lms.queries import catalog
from lms.services import content_store
from lms.services import quiz as quiz_service
from tests.helpers import COURSE
from tests.helpers import csv_rows
from tests.helpers import sign_in
from tests.helpers import text_of

PAGE = f"/hr/courses/{COURSE}/items"
CSV = f"/hr/courses/{COURSE}/items.csv"
#: The test quiz's answers, by id in file order: the right ones and a wrong one.
ANSWERS = {
    "disclose": ["a", "b", "c"],
    "confidential": ["a", "b", "c"],
    "disclaimer": ["a", "b"],
    "press": ["a", "b"],
}
RIGHT = {"disclose": ["b"], "confidential": ["a", "b"], "disclaimer": ["b"], "press": ["b"]}
WRONG = {"disclose": ["a"], "confidential": ["c"], "disclaimer": ["a"], "press": ["a"]}
ALL_WRONG_BUT_DISCLOSE = {"confidential", "disclaimer", "press"}


def submit(person, lang: str, wrong_on: set[str]) -> None:
    """``person`` submits an attempt drawing all four questions in ``lang``, answering
    wrong the questions in ``wrong_on``: through the quiz service, as the page does."""
    enrollment = Enrollment(
        user_id=person.id, course_id=COURSE, reason="required", assigned_at=utcnow()
    )
    db.session.add(enrollment)
    db.session.flush()
    attempt = QuizAttempt(
        enrollment_id=enrollment.id,
        user_id=person.id,
        course_id=COURSE,
        course_version_id=catalog.latest_version(COURSE).id,
        lang=lang,
        status="open",
        questions=[{"id": q, "answers": ids} for q, ids in ANSWERS.items()],
    )
    db.session.add(attempt)
    db.session.commit()
    form = {
        f"q-{q}": [str(ids.index(a)) for a in (WRONG if q in wrong_on else RIGHT)[q]]
        for q, ids in ANSWERS.items()
    }
    quiz_service.submit(person, attempt, form)


@pytest.fixture
def seeded(make_user):
    """English and German mostly right; Hebrew answers "disclose" wrongly 16 times in 20;
    three Chinese attempts (too few to show). Returns the learners."""
    plan = {
        "en": [set()] * 14 + [ALL_WRONG_BUT_DISCLOSE] * 6,
        "de": [set()] * 14 + [ALL_WRONG_BUT_DISCLOSE] * 4 + [{"disclose"}] * 2,
        "he": [{"disclose"}] * 12 + [set(ANSWERS)] * 4 + [set()] * 4,
        "zh_Hans": [set()] * 3,
    }
    learners = []
    for lang, attempts in plan.items():
        for wrong_on in attempts:
            person = make_user(preferred_language=lang)
            submit(person, lang, wrong_on)
            learners.append(person)
    return learners


@pytest.fixture
def hr(client, make_user):
    sign_in(client, make_user(roles=[Role.HR]))
    return client


def by_cell(response) -> dict[tuple[str, str], dict]:
    return {(row["question_id"], row["language"]): row for row in csv_rows(response)}


def test_submitting_writes_one_response_per_question(app, make_user):
    person = make_user()
    submit(person, "en", {"press"})
    rows = db.session.scalars(sa.select(AttemptResponse).order_by(AttemptResponse.question_id))
    got = {(r.question_id, r.correct, r.chosen, r.rest_score) for r in rows}
    assert got == {
        ("confidential", True, "a,b", 2 / 3),
        ("disclaimer", True, "b", 2 / 3),
        ("disclose", True, "b", 2 / 3),
        ("press", False, "a", 1.0),
    }


def test_a_translation_answered_wrongly_far_more_often_is_flagged(hr, seeded):
    cells = by_cell(hr.get(CSV))
    assert cells["disclose", "he"]["translation_flag"] == "true"
    assert cells["disclose", "he"]["share_right"] == "0.2"
    assert cells["disclose", "de"]["translation_flag"] == "false"  # 0.9: close to English
    assert cells["disclose", "en"]["translation_flag"] == "false"  # the source: the reference
    flagged = {key for key, row in cells.items() if row["translation_flag"] == "true"}
    assert flagged == {("disclose", "he")}
    page = hr.get(PAGE)
    assert page.status_code == 200
    he_row = next(row for row in page.get_data(as_text=True).split("<tr") if "עברית" in row)
    assert "Check the translation" in he_row


def test_the_wrong_answer_chosen_most_often_is_named(hr, seeded):
    cells = by_cell(hr.get(CSV))
    he = cells["disclose", "he"]
    assert (he["most_chosen_wrong_answer"], he["most_chosen_wrong_count"]) == ("a", "16")
    assert "Post it without saying anything." in text_of(hr.get(PAGE))


def test_discrimination_is_positive_when_the_stronger_learners_get_it_right(hr, seeded):
    # "press" is answered right by the English learners who got everything else right,
    # and wrong by those who got the rest wrong too.
    cells = by_cell(hr.get(CSV))
    assert float(cells["press", "en"]["discrimination"]) > 0.9
    # "disclose" in English: everyone right, no spread to correlate with.
    assert cells["disclose", "en"]["discrimination"] == ""


def test_languages_with_too_few_attempts_show_nothing_and_count_nowhere(hr, seeded):
    cells = by_cell(hr.get(CSV))
    chinese = cells["disclose", "zh_Hans"]
    assert chinese["suppressed"] == "true"
    assert chinese["attempts"] == chinese["share_right"] == chinese["discrimination"] == ""
    assert cells["disclose", "all"]["attempts"] == "60"  # 20 + 20 + 20, not 63
    assert "Fewer than 5 attempts: not shown" in text_of(hr.get(PAGE))


def test_the_export_names_no_person(hr, seeded):
    response = hr.get(CSV)
    body = response.get_data(as_text=True)
    header = body.lstrip("\ufeff").splitlines()[0].split(",")
    assert not {"employee_id", "name", "email", "user_id", "attempt_id"} & set(header)
    for person in seeded:
        assert person.email not in body and person.name not in body
        assert person.employee_id not in body
    assert "attachment" in response.headers["Content-Disposition"]


def test_the_version_filter(hr, seeded):
    version = catalog.latest_version(COURSE)
    course = catalog.course_of(version)
    content_store.publish(dataclasses.replace(course, content_hash="f" * 64), origin="editor")
    assert "Nobody has submitted this version's quiz yet." in text_of(hr.get(PAGE))  # 1.1
    assert csv_rows(hr.get(f"{CSV}?version=1.1"))[0]["attempts"] == ""
    assert by_cell(hr.get(f"{CSV}?version=1.0"))["disclose", "all"]["attempts"] == "60"
    bad = hr.get(f"{PAGE}?version=9.9")
    assert bad.status_code == 400 and "This course has no version “9.9”." in text_of(bad)
    refused = hr.get(f"{CSV}?version=9.9")
    assert refused.status_code == 400 and "9.9" in refused.get_data(as_text=True)
    assert hr.get("/hr/courses/no-such-course/items").status_code == 404


@pytest.mark.parametrize(
    ("roles", "status"),
    [((), 403), ((Role.LEAD,), 403), ((Role.HR,), 200), ((Role.MARKETING,), 200)],
)
def test_hr_and_marketing_may_open_it_employees_may_not(client, make_user, roles, status):
    sign_in(client, make_user(roles=list(roles)))
    for path in ("/hr/items", PAGE, CSV):
        assert client.get(path).status_code == status, path


def test_it_is_linked_from_the_hr_dashboard_and_the_course_authoring_page(client, make_user):
    sign_in(client, make_user(roles=[Role.HR]))
    assert 'href="/hr/items"' in client.get("/hr/").get_data(as_text=True)
    assert f'href="{PAGE}"' in client.get("/hr/items").get_data(as_text=True)
    client.post("/logout")
    sign_in(client, make_user(roles=[Role.MARKETING]))
    assert f'href="{PAGE}"' in client.get(f"/author/{COURSE}").get_data(as_text=True)
