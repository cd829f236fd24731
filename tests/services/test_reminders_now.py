"""A reminder sent now whose send failed is retried by the scheduled reminders run."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.models import Enrollment
from lms.models import ReminderSent
from lms.models import utcnow
from lms.services import Refused
from lms.services import reminders
from tests.helpers import mail_settings


@pytest.fixture
def app_config(smtp):
    return mail_settings(smtp)


def test_a_failed_manual_reminder_is_retried_once_by_the_scheduled_run(app, make_user, smtp):
    hr = make_user(email="hr@example.com")
    ana = make_user(email="ana@example.com", name="Ana", preferred_language="ja")
    db.session.add(
        Enrollment(
            user_id=ana.id,
            course_id="policy-basics",
            reason="assigned",
            assigned_at=utcnow() - timedelta(days=10),
            due_at=utcnow() + timedelta(days=30),  # no scheduled reminder due yet
        )
    )
    db.session.commit()
    good_port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = 1  # nobody listens
    try:
        row = reminders.remind_now(ana, by=hr)
    finally:
        app.config["MAIL_PORT"] = good_port
    assert row.status == "retry" and smtp.messages == []
    with pytest.raises(Refused):  # recorded: still one a day
        reminders.remind_now(ana, by=hr)
    assert reminders.send_due().sent == 1
    assert reminders.send_due().sent == 0
    [(rcpts, message)] = smtp.messages
    assert rcpts == ["ana@example.com"] and message["Content-Language"] == "ja"
    assert "ブランドアンバサダー研修" in message["Subject"]
    [row] = db.session.scalars(sa.select(ReminderSent)).all()
    assert (row.kind, row.status, row.attempts) == ("manual", "sent", 2)


def test_a_leaver_is_not_reminded(make_user, smtp):
    hr = make_user()
    gone = make_user(active=False, name="Gone")
    with pytest.raises(Refused) as refused:
        reminders.remind_now(gone, by=hr)
    assert "has left" in str(refused.value.message)
