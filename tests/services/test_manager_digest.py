"""The managers' weekly digest and the escalations to the manager's manager, received by
a real SMTP server, on every database.

BOSS (fr) manages MID (en), who manages ANA (overdue) and BEN (expiring soon);
OTHER manages nobody who needs attention.
"""

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms import jobs
from lms.extensions import db
from lms.models import Enrollment
from lms.models import Job
from lms.models import ManagerDigest
from lms.models import ReminderSent
from lms.models import utcnow
from lms.services import manager_digest
from lms.services import person_status
from lms.services import reminders
from tests.helpers import at_once
from tests.helpers import certify
from tests.helpers import mail_settings

COURSE = "policy-basics"


@pytest.fixture
def app_config(smtp):
    return mail_settings(smtp) | {"ESCALATE_AFTER_DAYS": 14}


@pytest.fixture
def org(make_user):
    boss = make_user(email="boss@example.com", name="Bo Boss", preferred_language="fr")
    mid = make_user(email="mid@example.com", name="Mia Mid", manager_id=boss.id)
    ana = make_user(email="ana@example.com", name="Ana", manager_id=mid.id)
    ben = make_user(email="ben@example.com", name="Ben", manager_id=mid.id)
    fine = make_user(email="fine@example.com", name="Fine")
    make_user(email="ok@example.com", name="Ok", manager_id=fine.id)
    certify(ben, expires_in=timedelta(days=10))
    enrol(ana, utcnow() - timedelta(days=3))
    return {"boss": boss, "mid": mid, "ana": ana, "ben": ben, "fine": fine}


def enrol(person, due_at) -> Enrollment:
    enrollment = Enrollment(
        user_id=person.id,
        course_id=COURSE,
        reason="required",
        assigned_at=due_at - timedelta(days=30),
        due_at=due_at,
    )
    db.session.add(enrollment)
    db.session.flush()
    person_status.refresh([person.id])  # as the services do with every enrolment
    db.session.commit()
    return enrollment


def test_each_manager_above_hears_of_their_people_in_their_language(org, smtp):
    report = manager_digest.send()
    assert report.sent == 2
    assert sorted(r[0] for r, _m in smtp.messages) == ["boss@example.com", "mid@example.com"]
    [to_mid] = smtp.to("mid@example.com")
    assert to_mid["Subject"] == "Your team's training: 1 overdue, 1 expiring soon"
    body = to_mid.get_content()
    assert "Hello Mia Mid," in body
    assert "- Ana — Policy basics: overdue since" in body
    assert "- Ben — Policy basics: certification expires on" in body
    assert body.index("Ana") < body.index("Ben")  # the overdue first
    assert "https://lms.example.com/team" in body
    [to_boss] = smtp.to("boss@example.com")
    assert to_boss["Content-Language"] == "fr"
    assert "Bonjour Bo Boss," in to_boss.get_content()
    assert "Ana" in to_boss.get_content()  # an indirect report
    assert smtp.to("fine@example.com") == []  # nobody of theirs needs attention


def test_once_a_week_however_often_it_runs(org, smtp):
    monday = datetime(2030, 6, 10, 7, 0, tzinfo=UTC)
    assert manager_digest.send(monday).sent == 2
    assert manager_digest.send(monday + timedelta(hours=5)).sent == 0
    assert manager_digest.send(monday + timedelta(days=6)).sent == 0  # Sunday: same week
    assert len(smtp.messages) == 2
    assert manager_digest.send(monday + timedelta(days=7)).sent == 2  # the next week
    weeks = db.session.scalars(sa.select(ManagerDigest.week).order_by(ManagerDigest.id)).all()
    assert [str(w) for w in weeks] == ["2030-06-10"] * 2 + ["2030-06-17"] * 2


@pytest.mark.fresh_database  # a duplicate key's rollback must not undo the test's rows
def test_the_scheduled_job_twice_in_a_week_sends_once(org, smtp):
    jobs.start("manager_digest", {}, None, key="manager_digest:2030-06-10T07:00")
    jobs.start("manager_digest", {}, None, key="manager_digest:2030-06-10T07:00")  # 2nd server
    jobs.start("manager_digest", {}, None, key="manager_digest:2030-06-11T07:00")  # a rerun
    assert len(smtp.messages) == 2
    runs = db.session.scalars(sa.select(Job).where(Job.kind == "manager_digest")).all()
    assert [(j.status, j.result["sent"]) for j in runs] == [("succeeded", 2), ("succeeded", 0)]


@pytest.mark.fresh_database  # two threads, each with its own app context and connection
def test_two_servers_at_once_send_each_digest_once(app, org, smtp):
    reports = at_once(app, manager_digest.send)
    assert sum(r.sent for r in reports) == 2
    assert sorted(r[0] for r, _m in smtp.messages) == ["boss@example.com", "mid@example.com"]


def test_a_failed_digest_is_retried_later_that_week(app, org, smtp):
    good_port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = 1  # nobody listens
    try:
        assert manager_digest.send().failed == 2
    finally:
        app.config["MAIL_PORT"] = good_port
    assert manager_digest.send().sent == 2
    assert len(smtp.messages) == 2
    assert {d.status for d in db.session.scalars(sa.select(ManagerDigest))} == {"sent"}


# --- Escalation -------------------------------------------------------------------------------


def test_overdue_past_the_limit_is_escalated_once_to_the_managers_manager(org, smtp):
    late = enrol(org["ben"], utcnow() - timedelta(days=20))
    reminders.send_due()
    [escalation] = smtp.to("boss@example.com")
    assert escalation["Content-Language"] == "fr"
    assert "Ben" in escalation["Subject"] and "20" in escalation["Subject"]
    assert "Mia Mid" in escalation.get_content()
    assert "https://lms.example.com/team" in escalation.get_content()
    assert "ana@example.com" not in str(escalation["To"])  # Ana is 3 days late: not yet
    reminders.send_due(utcnow() + timedelta(days=1))
    reminders.send_due(utcnow() + timedelta(days=9))
    assert len(smtp.to("boss@example.com")) == 1 + 0  # Ben: once; Ana: 12 days, not yet
    reminders.send_due(utcnow() + timedelta(days=12))  # Ana is now 15 days overdue
    assert len(smtp.to("boss@example.com")) == 2
    kinds = db.session.scalars(
        sa.select(ReminderSent.enrollment_id).where(ReminderSent.kind == "escalate")
    ).all()
    assert late.id in kinds and len(kinds) == 2


def test_without_a_managers_manager_nobody_is_escalated_to(make_user, smtp):
    top = make_user(email="top@example.com")
    alone = make_user(email="alone@example.com", manager_id=top.id)
    enrol(alone, utcnow() - timedelta(days=30))
    reminders.send_due()
    assert smtp.to("top@example.com")  # the overdue reminder's copy, as before
    assert not db.session.scalars(
        sa.select(ReminderSent).where(ReminderSent.kind == "escalate")
    ).all()
