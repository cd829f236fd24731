"""The reminders job, with a real SMTP server (aiosmtpd): each reminder is sent once however
often the job runs, and a run that died half-way sends the rest when retried."""

import socket
import threading
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller

from lms import jobs
from lms.extensions import db
from lms.models import Enrollment
from lms.models import Job
from lms.services import jobs as job_rows
from lms.services import reminders
from tests.helpers import COURSE

NOW = datetime(2030, 6, 10, 12, 0, tzinfo=UTC)


class Inbox:
    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
        return "250 OK"


@pytest.fixture
def smtp():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.port = port
    yield inbox
    controller.stop()


@pytest.fixture
def app_config(smtp):
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port, "MAIL_SENDER": "lms@example.com"}


def due_soon(make_user, n: int) -> None:
    for _ in range(n):
        person = make_user()
        db.session.add(
            Enrollment(
                user_id=person.id,
                course_id=COURSE,
                reason="assigned",
                assigned_at=NOW - timedelta(days=30),
                due_at=NOW + timedelta(days=3),
            )
        )
    db.session.commit()


def result(job_id: int) -> Job:
    db.session.expire_all()
    return db.session.get_one(Job, job_id)


def test_the_reminders_job_twice_sends_each_reminder_once(smtp, make_user):
    due_soon(make_user, 2)
    first = jobs.start("reminders", {"now": NOW.isoformat()}, None)
    second = jobs.start("reminders", {"now": NOW.isoformat()}, None)
    assert result(first.id).result["sent"] == 2
    assert result(second.id).result["sent"] == 0
    assert smtp.count == 2


def test_a_reminders_job_that_dies_half_way_sends_the_rest_once_retried(
    smtp, make_user, monkeypatch
):
    due_soon(make_user, 3)
    original, calls = reminders._claim_and_send, []

    def dies_on_the_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the worker died here")
        return original(*args, **kwargs)

    monkeypatch.setattr(reminders, "_claim_and_send", dies_on_the_second)
    job_id = job_rows.create("reminders", {"now": NOW.isoformat()}, None).id
    with pytest.raises(RuntimeError):
        jobs.run(job_id, retries_left=1)
    assert result(job_id).status == "queued" and smtp.count == 1
    jobs.run(job_id, retries_left=0)
    assert result(job_id).status == "succeeded" and result(job_id).result["sent"] == 2
    assert smtp.count == 3
