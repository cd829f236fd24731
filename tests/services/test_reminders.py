"""Reminder e-mails, received by a real SMTP server (aiosmtpd) on every database."""

import html
import re
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.models import Enrollment
from lms.models import ReminderSent
from lms.services import reminders
from tests.helpers import at_once
from tests.helpers import free_port
from tests.helpers import mail_settings

COURSE = "policy-basics"
NOW = datetime(2030, 6, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def app_config(smtp):
    return mail_settings(smtp)


@pytest.fixture
def boss(make_user):
    return make_user(email="boss@example.com", name="Bo Boss", preferred_language="de")


def enrol(person, due_at) -> Enrollment:
    enrollment = Enrollment(
        user_id=person.id,
        course_id=COURSE,
        reason="assigned",
        assigned_at=NOW - timedelta(days=30),
        due_at=due_at,
    )
    db.session.add(enrollment)
    db.session.commit()
    return enrollment


def records() -> list[ReminderSent]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(ReminderSent).order_by(ReminderSent.id)))


def test_before_the_due_date_the_employee_is_reminded_once(smtp, make_user):
    ana = make_user(email="ana@example.com", name="Ana", preferred_language="en")
    enrol(ana, NOW + timedelta(days=5))
    enrol(make_user(email="later@example.com"), NOW + timedelta(days=20))  # not yet
    report = reminders.send_due(NOW)
    assert report.sent == 1
    [(rcpts, message)] = smtp.messages
    assert rcpts == ["ana@example.com"] and message["Cc"] is None
    assert message["Subject"] == "Reminder: Policy basics is due on June 15, 2030"
    assert message["Content-Language"] == "en"
    body = message.get_content()
    assert "Hello Ana," in body and "https://lms.example.com/training/policy-basics" in body
    assert reminders.send_due(NOW + timedelta(days=1)).sent == 0  # same reminder: not again
    assert len(smtp.messages) == 1
    [row] = records()
    assert (row.kind, row.status, row.to_addr, row.lang) == (
        "before",
        "sent",
        "Ana <ana@example.com>",
        "en",
    )
    assert row.subject == message["Subject"] and row.sent_at is not None


def test_on_the_due_date_in_the_employees_language(smtp, make_user):
    noa = make_user(email="noa@example.com", name="Noa", preferred_language="he")
    enrol(noa, NOW.replace(hour=18))
    reminders.send_due(NOW)
    [(rcpts, message)] = smtp.messages
    assert rcpts == ["noa@example.com"]
    assert message["Content-Language"] == "he"
    assert "יסודות המדיניות" in message["Subject"]  # the course title in Hebrew
    plain = message.get_body(("plain",)).get_content()
    assert "2030" in plain and "ביוני" in plain  # Hebrew date
    assert records()[0].kind == "due"


def test_a_right_to_left_message_declares_its_direction(smtp, make_user):
    """Plain text cannot say it is right to left: a Hebrew message also carries the same
    text as HTML marked dir="rtl" in its language, links kept; English stays plain."""
    noa = make_user(email="noa@example.com", name="Noa", preferred_language="he")
    ann = make_user(email="ann@example.com", name="Ann", preferred_language="en")
    enrol(noa, NOW.replace(hour=18))
    enrol(ann, NOW.replace(hour=18))
    reminders.send_due(NOW)
    sent = {rcpts[0]: message for rcpts, message in smtp.messages}
    hebrew = sent["noa@example.com"]
    plain = hebrew.get_body(("plain",)).get_content()
    page = hebrew.get_body(("html",)).get_content()
    assert '<html lang="he" dir="rtl">' in page and 'div dir="rtl"' in page
    assert html.unescape(re.sub(r"<[^>]+>", "", page)).strip() == plain.strip()
    link = re.search(r"https://lms\.example\.com/\S+", plain)[0]
    assert f'<a href="{link}">' in page
    assert not sent["ann@example.com"].is_multipart()


def test_overdue_copies_the_manager_weekly(smtp, make_user, boss):
    li = make_user(
        email="li@example.com", name="Li", preferred_language="zh_Hans", manager_id=boss.id
    )
    enrol(li, NOW - timedelta(days=3))
    assert reminders.send_due(NOW).sent == 1
    [(rcpts, message)] = smtp.messages
    assert sorted(rcpts) == ["boss@example.com", "li@example.com"]
    assert message["Cc"] == "Bo Boss <boss@example.com>"
    assert "政策基础" in message["Subject"] and message["Content-Language"] == "zh-Hans"
    assert reminders.send_due(NOW + timedelta(days=3)).sent == 0  # same overdue week
    assert reminders.send_due(NOW + timedelta(days=5)).sent == 1  # the next week
    assert [(r.kind, r.week, r.cc_addr) for r in records()] == [
        ("overdue", 0, "Bo Boss <boss@example.com>"),
        ("overdue", 1, "Bo Boss <boss@example.com>"),
    ]


def test_finished_courses_and_leavers_get_nothing(smtp, make_user):
    done = enrol(make_user(email="done@example.com"), NOW)
    done.completed_at = NOW - timedelta(days=1)
    enrol(make_user(email="gone@example.com", active=False), NOW)
    db.session.commit()
    assert reminders.send_due(NOW).sent == 0 and smtp.messages == []


@pytest.mark.fresh_database  # two threads, each with its own app context and connection
def test_two_servers_at_once_send_each_reminder_exactly_once(app, smtp, make_user, boss):
    for n in range(6):
        person = make_user(email=f"p{n}@example.com", manager_id=boss.id)
        enrol(person, NOW + timedelta(days=n - 3))
    reports = at_once(app, lambda: reminders.send_due(NOW))
    # Due in -3..2 days: all six need a reminder, and each goes out once.
    assert sorted(r[0] for r, _m in smtp.messages) == sorted(f"p{n}@example.com" for n in range(6))
    assert sum(r.sent for r in reports) == 6
    assert [r.status for r in records()] == ["sent"] * 6


def test_a_failed_send_is_recorded_and_retried_once(app, smtp, make_user):
    enrol(make_user(email="ana@example.com"), NOW + timedelta(days=2))
    app.config["MAIL_PORT"] = free_port()  # nobody listens there
    report = reminders.send_due(NOW)
    assert report.failed == 1 and smtp.messages == []
    [row] = records()
    assert row.status == "retry" and "Error" in row.error
    app.config["MAIL_PORT"] = smtp.port
    assert reminders.send_due(NOW).sent == 1
    assert reminders.send_due(NOW).sent == 0
    assert len(smtp.messages) == 1
    [row] = records()
    assert (row.status, row.attempts) == ("sent", 2)


def being_sent(person, enrollment, **claim) -> None:
    """A reminder a server recorded and claimed (``created_at``, ``claimed_at``, …) and is
    sending, or was sending when it crashed."""
    db.session.add(
        ReminderSent(
            enrollment_id=enrollment.id,
            user_id=person.id,
            kind="before",
            due_at=enrollment.due_at,
            week=0,
            status="sending",
            lang="en",
            to_addr=person.email,
            subject="?",
            **claim,
        )
    )
    db.session.commit()


def test_an_interrupted_send_is_retried_not_doubled(smtp, make_user):
    ana = make_user(email="ana@example.com")
    enrollment = enrol(ana, NOW + timedelta(days=2))
    # A server recorded the intent, then crashed before sending.
    being_sent(
        ana, enrollment, created_at=NOW - timedelta(hours=1), claimed_at=NOW - timedelta(hours=1)
    )
    assert reminders.send_due(NOW).sent == 1
    assert len(smtp.messages) == 1 and reminders.send_due(NOW).sent == 0
    assert [r.status for r in records()] == ["sent"]


def test_a_send_in_progress_is_left_alone(smtp, make_user):
    ana = make_user(email="ana@example.com")
    enrollment = enrol(ana, NOW + timedelta(days=2))
    # Another server claimed it a minute ago and is sending right now.
    being_sent(
        ana,
        enrollment,
        attempts=2,
        created_at=NOW - timedelta(days=1),
        claimed_at=NOW - timedelta(minutes=1),
    )
    assert reminders.send_due(NOW).sent == 0 and smtp.messages == []
    assert [r.status for r in records()] == ["sending"]


def test_cli_sends(runner, smtp, make_user):
    enrol(make_user(email="ana@example.com"), NOW)
    result = runner.invoke(args=["lms", "reminders", "send", "--now", "2030-06-10T12:00"])
    assert result.exit_code == 0, result.output
    assert "1 sent" in result.output and len(smtp.messages) == 1
