"""The learner's path end to end, through HTTP, on every database."""

import sqlalchemy as sa

from lms.extensions import db
from lms.models import AuditEvent
from lms.models import Certification
from tests.helpers import answer_form
from tests.helpers import latest_attempt
from tests.helpers import read_all_modules
from tests.helpers import text_of

COURSE = "policy-basics"
MODULES = ["say-who-you-are", "keep-secrets"]


def test_new_employee_sees_required_course_and_is_not_cleared(client, auth, employee):
    auth.login(employee)
    page = text_of(client.get("/training"))
    assert "Policy basics" in page
    assert "Not yet" in page
    assert "0% done" in page
    assert "Due " in page


def test_employee_reads_passes_and_is_cleared(client, auth, employee, runner):
    auth.login(employee)
    client.get("/training")
    read_all_modules(client, COURSE, MODULES)
    assert "Start the quiz" in text_of(client.get(f"/training/{COURSE}/quiz"))
    response = client.post(f"/training/{COURSE}/quiz")
    attempt = latest_attempt(employee)
    assert response.headers["Location"].endswith(f"/training/attempts/{attempt.id}")
    assert len(attempt.questions) == 3

    response = client.post(f"/training/attempts/{attempt.id}", data=answer_form(attempt))
    assert response.status_code == 302
    result = text_of(client.get(f"/training/attempts/{attempt.id}/result"))
    assert "Your result: 100%" in result
    assert "You may represent the brand until" in result

    home = text_of(client.get("/training"))
    assert "You may represent the brand until" in home
    assert "Certified" in home
    cert = db.session.scalar(sa.select(Certification).where(Certification.user_id == employee.id))
    assert (cert.expires_at - cert.issued_at).days == 365
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {
        "enrollment.created",
        "module.completed",
        "quiz.started",
        "quiz.submitted",
        "certification.issued",
        "clearance.changed",
    } <= actions


def test_failing_shows_feedback_and_does_not_certify(client, auth, employee):
    auth.login(employee)
    read_all_modules(client, COURSE, MODULES)
    client.post(f"/training/{COURSE}/quiz")
    attempt = latest_attempt(employee)
    client.post(f"/training/attempts/{attempt.id}", data=answer_form(attempt, right=False))
    result = text_of(client.get(f"/training/attempts/{attempt.id}/result"))
    assert "Your result: 0%" in result
    assert "Not passed" in result
    assert "Not right" in result
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certification)) == 0
    assert "Not yet" in text_of(client.get("/training"))


def test_quiz_waits_until_every_module_is_read(client, auth, employee):
    auth.login(employee)
    read_all_modules(client, COURSE, MODULES[:1])
    response = client.post(f"/training/{COURSE}/quiz")
    assert "Read every module before you take the quiz." in text_of(response)
    assert latest_attempt(employee) is None


def test_module_page_shows_progress_navigation_and_minutes(client, auth, employee):
    auth.login(employee)
    page = client.get(f"/training/{COURSE}/modules/{MODULES[0]}")
    text = text_of(page)
    assert "Module 1 of 2" in text
    assert "min" in text
    assert 'rel="prev"' not in page.get_data(as_text=True)
    second = client.get(f"/training/{COURSE}/modules/{MODULES[1]}").get_data(as_text=True)
    assert 'rel="prev"' in second
    assert "<table>" in second  # Markdown tables render


def test_reading_time_is_recorded_from_the_signed_view_token(client, auth, employee, app):
    from datetime import timedelta

    from lms.models import Enrollment
    from lms.models import ModuleProgress
    from lms.models import utcnow

    auth.login(employee)
    client.get(f"/training/{COURSE}/modules/{MODULES[0]}")
    enrollment_id = db.session.scalar(
        sa.select(Enrollment.id).where(
            Enrollment.user_id == employee.id, Enrollment.course_id == COURSE
        )
    )
    with app.test_request_context():
        from itsdangerous import URLSafeTimedSerializer

        token = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="module-view").dumps(
            [enrollment_id, MODULES[0], (utcnow() - timedelta(seconds=90)).timestamp()]
        )
    client.post(f"/training/{COURSE}/modules/{MODULES[0]}", data={"view": token})
    # The same token replayed adds nothing: that time has been counted.
    client.post(f"/training/{COURSE}/modules/{MODULES[0]}", data={"view": token})
    row = db.session.scalar(sa.select(ModuleProgress))
    assert 89 <= row.seconds_spent <= 95
    assert row.completed_at is not None


def test_missing_translation_falls_back_with_notice(client, auth, make_user):
    user = make_user(preferred_language="he")
    auth.login(user)
    own = client.get(f"/training/{COURSE}/modules/say-who-you-are").get_data(as_text=True)
    assert 'dir="rtl"' in own and "ציינו איפה אתם עובדים" in own
    assert "is not available in your language" not in own
    fallback = client.get(f"/training/{COURSE}/modules/keep-secrets")
    html = fallback.get_data(as_text=True)
    assert "Keep secrets secret" in html
    assert 'lang="en" dir="ltr"' in html  # the English text is marked up as English
