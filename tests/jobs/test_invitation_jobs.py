"""Invitation e-mails as jobs: a roster's new people are invited as soon as its apply job
succeeds; the scheduled delivery starts only when something waits to be sent.

The follow-up job runs inside the apply job's (the queue runs jobs at once in tests), each
in its own session: that needs real commits, so the test has a database of its own."""

import pytest
import sqlalchemy as sa

from lms import jobs
from lms.extensions import db
from lms.models import Job
from lms.models import PasswordLink
from lms.models import Role
from lms.services import roster
from lms.services import users
from tests.helpers import mail_settings
from tests.helpers import roster_text


@pytest.fixture
def app_config(smtp):
    return mail_settings(smtp)


def kinds_started() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Job.kind).order_by(Job.id)))


@pytest.mark.fresh_database
def test_a_roster_apply_job_is_followed_by_the_invitations_of_its_new_people(make_user, smtp):
    hr = make_user(roles=[Role.HR])
    upload = roster.store_upload(roster_text().encode(), "roster.csv", hr.id)
    applied = jobs.start("roster_apply", {"upload_id": upload.id}, hr.id)
    assert applied.status == "succeeded" and applied.result["added"] == 3
    assert kinds_started() == ["roster_apply", "invitations"]
    invitations = db.session.scalars(sa.select(Job).where(Job.kind == "invitations")).one()
    assert invitations.status == "succeeded" and invitations.result["sent"] == 3
    assert invitations.started_by_id == hr.id
    assert len(smtp.messages) == 3
    statuses = set(db.session.scalars(sa.select(PasswordLink.status)))
    assert statuses == {"sent"}


def test_the_scheduled_delivery_starts_only_when_an_invitation_waits(app, smtp):
    assert jobs.start_scheduled("invitations") is None  # nothing waits: no empty job row
    assert kinds_started() == []
    users.create(email="invitee@example.com", name="In Vitee", employee_id="N2")
    started = jobs.start_scheduled("invitations")
    assert started is not None and started.status == "succeeded"
    assert [rcpts for rcpts, _ in smtp.messages] == [["invitee@example.com"]]
