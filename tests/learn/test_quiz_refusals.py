"""Forged, replayed and malformed quiz submissions are refused and change nothing."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.models import AuditEvent
from lms.models import Certification
from lms.models import QuizAttempt
from lms.models import utcnow
from tests.helpers import answer_form
from tests.helpers import latest_attempt
from tests.helpers import read_all_modules
from tests.helpers import text_of

COURSE = "policy-basics"


@pytest.fixture
def open_attempt(client, auth, employee):
    auth.login(employee)
    read_all_modules(client, COURSE, ["say-who-you-are", "keep-secrets"])
    client.post(f"/training/{COURSE}/quiz")
    return latest_attempt(employee)


def _snapshot():
    db.session.expire_all()
    attempts = [(a.id, a.status, a.score) for a in db.session.scalars(sa.select(QuizAttempt))]
    events = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    certs = db.session.scalar(sa.select(sa.func.count()).select_from(Certification))
    return attempts, events, certs


def _not_drawn(attempt):
    drawn = {q["id"] for q in attempt.questions}
    return next(q for q in ["disclose", "confidential", "disclaimer", "press"] if q not in drawn)


#: Digits that str.isdigit() or int() accept but no page sends: refused like any forgery.
ODD_DIGITS = {
    "superscript_two": "²",
    "full_width_one": "１",
    "arabic_indic_one": "١",
    "five_thousand_digits": "9" * 5000,
    "signed": "+1",
    "spaced": " 1",
}


@pytest.mark.parametrize(
    "forge",
    [
        "unknown_question",
        "question_not_drawn",
        "answer_out_of_range",
        "answer_not_a_number",
        "two_answers_to_single",
        "unanswered",
        *ODD_DIGITS,
    ],
)
def test_forged_submission_is_refused_and_changes_nothing(client, open_attempt, forge):
    form = answer_form(open_attempt)
    first = next(k for k in form if open_attempt.questions[0]["id"] in k)
    if forge == "unknown_question":
        form["q-no-such-question"] = ["0"]
    elif forge == "question_not_drawn":
        form[f"q-{_not_drawn(open_attempt)}"] = ["0"]
    elif forge == "answer_out_of_range":
        form[first] = ["17"]
    elif forge == "answer_not_a_number":
        form[first] = ["<script>"]
    elif forge == "two_answers_to_single":
        single = next(q["id"] for q in open_attempt.questions if q["id"] in ("disclose", "press"))
        form[f"q-{single}"] = ["0", "1"]
    elif forge == "unanswered":
        del form[first]
    elif forge in ODD_DIGITS:
        form[first] = [ODD_DIGITS[forge]]
    before = _snapshot()
    response = client.post(f"/training/attempts/{open_attempt.id}", data=form)
    assert response.status_code == 400
    assert "alert-danger" in response.get_data(as_text=True)
    assert _snapshot() == before


def test_replayed_submission_counts_once(client, open_attempt, employee):
    form = answer_form(open_attempt, right=False)
    client.post(f"/training/attempts/{open_attempt.id}", data=form)
    before = _snapshot()
    replay = client.post(
        f"/training/attempts/{open_attempt.id}",
        data=answer_form(open_attempt),
        follow_redirects=True,
    )
    assert "already submitted" in text_of(replay)
    assert _snapshot() == before
    assert latest_attempt(employee).score == 0


def test_answer_key_never_reaches_the_browser(client, open_attempt):
    html = client.get(f"/training/attempts/{open_attempt.id}").get_data(as_text=True)
    assert "Right: disclose your employer." not in html  # feedback only after submitting
    assert "correct" not in html.lower()
    # Answers are numbered by display position, not by their ids in the file.
    assert 'value="a"' not in html and 'value="b"' not in html


def test_another_employee_cannot_see_or_submit_my_attempt(client, auth, open_attempt, make_user):
    auth.logout()
    other = make_user()
    auth.login(other)
    assert client.get(f"/training/attempts/{open_attempt.id}").status_code == 404
    before = _snapshot()
    response = client.post(f"/training/attempts/{open_attempt.id}", data=answer_form(open_attempt))
    assert response.status_code == 404
    assert client.get(f"/training/attempts/{open_attempt.id}/result").status_code == 404
    assert _snapshot() == before


def test_attempt_limit_and_cooldown(client, open_attempt, employee):
    client.post(f"/training/attempts/{open_attempt.id}", data=answer_form(open_attempt, False))
    client.post(f"/training/{COURSE}/quiz")
    second = latest_attempt(employee)
    assert second.id != open_attempt.id
    client.post(f"/training/attempts/{second.id}", data=answer_form(second, False))
    refused = client.post(f"/training/{COURSE}/quiz")
    assert "You have used all your attempts for now." in text_of(refused)
    assert latest_attempt(employee).id == second.id
    # After the cool-down the learner may try again.
    for attempt in db.session.scalars(sa.select(QuizAttempt)):
        db.session.execute(
            sa.update(QuizAttempt)
            .where(QuizAttempt.id == attempt.id)
            .values(started_at=utcnow() - timedelta(hours=25))
        )
    db.session.commit()
    client.post(f"/training/{COURSE}/quiz")
    assert latest_attempt(employee).id not in (open_attempt.id, second.id)


def test_starting_twice_resumes_the_open_attempt(client, open_attempt, employee):
    client.post(f"/training/{COURSE}/quiz")
    assert latest_attempt(employee).id == open_attempt.id
    count = db.session.scalar(sa.select(sa.func.count()).select_from(QuizAttempt))
    assert count == 1


def test_passed_course_cannot_be_taken_again_until_renewal(client, open_attempt, employee):
    client.post(f"/training/attempts/{open_attempt.id}", data=answer_form(open_attempt))
    page = client.post(f"/training/{COURSE}/quiz", follow_redirects=True)
    assert "You passed this course" in text_of(page) or "already completed" in text_of(page)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuizAttempt)) == 1


@pytest.mark.fresh_database  # two threads, each with its own connection
def test_two_tabs_submitting_at_once_count_once(app, open_attempt, employee):
    """Two submissions racing on separate connections: exactly one is graded."""
    import threading

    from lms.services import quiz as quiz_service

    form = answer_form(open_attempt)
    barrier = threading.Barrier(2)
    outcomes = []

    def submit():
        with app.app_context():
            attempt = db.session.get(QuizAttempt, open_attempt.id)
            user = db.session.get(type(employee), employee.id)
            barrier.wait()
            try:
                quiz_service.submit(user, attempt, form)
                outcomes.append("graded")
            except quiz_service.Refused:
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["graded", "refused"]
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certification)) == 1
    submitted = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "quiz.submitted")
    ).all()
    assert len(submitted) == 1
