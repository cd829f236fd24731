"""Uploaded roster files (personal data) are deleted after their retention period; what
each import changed stays in the audit trail."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.models import AuditEvent
from lms.models import Role
from lms.models import RosterUpload
from lms.models import utcnow
from lms.services import roster
from tests.helpers import roster_text
from tests.helpers import text_of


@pytest.fixture
def hr(make_user):
    return make_user(roles=[Role.HR], email="hr@example.com", employee_id="HR1")


def uploaded(days_ago: int, hr, applied: bool = False) -> int:
    upload = roster.store_upload(roster_text().encode(), f"{days_ago}-days.csv", hr.id)
    if applied:
        roster.apply_upload(upload.id, ["en"], actor_id=hr.id)
    db.session.execute(
        sa.update(RosterUpload)
        .where(RosterUpload.id == upload.id)
        .values(uploaded_at=utcnow() - timedelta(days=days_ago))
    )
    db.session.commit()
    return upload.id


def remaining() -> list[str]:
    db.session.expire_all()
    return sorted(db.session.scalars(sa.select(RosterUpload.filename)))


def audit_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))


def test_purge_deletes_uploads_past_retention_and_keeps_the_audit_trail(runner, hr):
    uploaded(31, hr, applied=True)
    uploaded(29, hr)
    uploaded(0, hr)
    events = audit_count()
    assert events > 0  # the applied import's events
    result = runner.invoke(args=["lms", "roster", "purge-uploads"])
    assert result.exit_code == 0, result.output
    assert "1 roster upload(s) older than 30 day(s) deleted" in result.output
    assert remaining() == ["0-days.csv", "29-days.csv"]
    assert audit_count() == events


def test_the_retention_is_configurable_and_can_be_given(app, runner, hr):
    uploaded(10, hr)
    uploaded(3, hr)
    app.config["ROSTER_UPLOAD_RETENTION_DAYS"] = 7
    assert (
        "1 roster upload(s) older than 7 day(s)"
        in runner.invoke(args=["lms", "roster", "purge-uploads"]).output
    )
    assert remaining() == ["3-days.csv"]
    runner.invoke(args=["lms", "roster", "purge-uploads", "--days", "0"])
    assert remaining() == []


def test_the_daily_job_purges_too(runner, hr):
    uploaded(40, hr)
    now = (utcnow() + timedelta(days=5)).isoformat()
    uploaded(26, hr)  # 31 days old on --now
    result = runner.invoke(args=["lms", "assignments", "run", "--now", now])
    assert result.exit_code == 0, result.output
    assert "2 roster upload(s) past their retention deleted" in result.output
    assert remaining() == []


def test_a_purged_upload_is_gone_from_the_pages(client, auth, runner, hr):
    upload_id = uploaded(31, hr)
    auth.login(hr)
    page = text_of(client.get("/hr/roster"))
    assert "31-days.csv" in page and "deleted 30 days after upload" in page
    runner.invoke(args=["lms", "roster", "purge-uploads"])
    assert "31-days.csv" not in text_of(client.get("/hr/roster"))
    assert client.get(f"/hr/roster/uploads/{upload_id}").status_code == 404
