"""The daily ``retention`` job: each kind's expired rows go (or lose their addresses), in
batches, and nothing else; running it twice is safe. The periods are listed for admins."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms import jobs
from lms.extensions import db
from lms.models import Enrollment
from lms.models import HandleLookupCount
from lms.models import Job
from lms.models import OutboxEvent
from lms.models import PasswordLink
from lms.models import ReminderSent
from lms.models import Role
from lms.models import RosterUpload
from lms.models import SignInAttempt
from lms.models import UserSession
from lms.models import WebhookEndpoint
from lms.models import utcnow
from lms.services import retention
from tests.helpers import COURSE
from tests.helpers import sign_in

NOW = utcnow()
OLD = NOW - timedelta(days=1000)  # past every period
MIDWAY = NOW - timedelta(days=500)
EXPIRED = 3  # rows of each kind past their period, with one fresh row beside them


@pytest.fixture
def app_config():
    return {"RETENTION_BATCH": 2}  # several batches per kind


def seed(person) -> None:
    enrollment = Enrollment(user_id=person.id, course_id=COURSE, reason="required")
    db.session.add(enrollment)
    db.session.flush()
    for n, at in enumerate([OLD] * EXPIRED + [NOW]):
        day = at.date() - timedelta(days=n)
        db.session.add_all(
            [
                SignInAttempt(at=at, kind="password", identifier=f"who{n}@example.com"),
                UserSession(id=f"{n:064x}", user_id=person.id, created_at=at),
                ReminderSent(
                    enrollment_id=enrollment.id,
                    user_id=person.id,
                    kind="overdue",
                    due_at=OLD,
                    week=n,
                    lang="en",
                    to_addr=person.email,
                    cc_addr="boss@example.com",
                    subject="Overdue",
                    created_at=at,
                ),
                OutboxEvent(kind="person.changed", occurred_at=at, user_id=person.id, payload={}),
                HandleLookupCount(day=day, platform="x", answered_yes=False, count=1),
                Job(kind="reminders", params={}, status="succeeded", created_at=at),
                PasswordLink(
                    user_id=person.id,
                    kind="reset",
                    status="sent",
                    created_at=at,
                    expires_at=at + timedelta(hours=2),
                ),
                RosterUpload(filename="r.csv", sha256="0" * 64, content=b"x", uploaded_at=at),
            ]
        )
    # Not expired whatever their age: a job still running, a link still to be sent.
    db.session.add(Job(kind="reminders", params={}, status="running", created_at=OLD))
    db.session.add(PasswordLink(user_id=person.id, kind="reset", status="pending", created_at=OLD))
    db.session.commit()


def counts() -> dict[str, tuple[int, int]]:
    """(old rows, rows in all) of each kind; reminders: old ones with an address."""
    db.session.expire_all()

    def both(model, *old):
        total = db.session.scalar(sa.select(sa.func.count()).select_from(model))
        aged = db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*old))
        return aged, total

    return {
        "sign_in_attempts": both(SignInAttempt, SignInAttempt.at < MIDWAY),
        "sessions": both(UserSession, UserSession.created_at < MIDWAY),
        "reminders": both(
            ReminderSent,
            ReminderSent.created_at < MIDWAY,
            ReminderSent.to_addr != retention.REMOVED,
        ),
        "outbox": both(
            OutboxEvent, OutboxEvent.occurred_at < MIDWAY, OutboxEvent.kind == "person.changed"
        ),
        "handle_lookups": both(HandleLookupCount, HandleLookupCount.day < MIDWAY.date()),
        "jobs": both(Job, Job.created_at < MIDWAY, Job.kind == "reminders"),
        "password_links": both(PasswordLink, PasswordLink.created_at < MIDWAY),
        "roster_uploads": both(RosterUpload, RosterUpload.uploaded_at < MIDWAY),
    }


def test_the_job_removes_only_expired_rows_in_batches_and_twice_is_safe(employee, monkeypatch):
    seed(employee)
    before = counts()
    assert before["sign_in_attempts"] == (EXPIRED, EXPIRED + 1)
    commits = []
    real_commit = db.session.commit
    monkeypatch.setattr(db.session, "commit", lambda: commits.append(1) or real_commit())
    job = jobs.start("retention", {"now": NOW.isoformat()}, None)
    assert job.status == "succeeded", job.error
    expected = {kind: EXPIRED for kind in before}
    expected["handle_lookups"] = EXPIRED  # the old days' counts
    assert {k: v for k, v in job.result.items() if k in expected} == expected
    after = counts()
    kept = {"jobs": 1, "password_links": 1}  # the running job, the pending link
    kept_rows = {"reminders": EXPIRED}  # stripped of addresses, not deleted
    for kind, (aged, total) in after.items():
        assert aged == kept.get(kind, 0), kind
        assert total == before[kind][1] - EXPIRED + kept_rows.get(kind, 0) + (
            1 if kind == "jobs" else 0  # this run's own job row
        ), kind
    # 2 rows a batch: 3 expired rows take 2 batches (+ 1 that finds none), per kind.
    assert len(commits) >= 2 * len(retention.POLICIES)
    stripped = db.session.scalars(
        sa.select(ReminderSent).where(ReminderSent.created_at < NOW)
    ).all()
    assert {(r.to_addr, r.cc_addr) for r in stripped} == {(retention.REMOVED, None)}
    again = retention.run(NOW)
    assert again == {kind: 0 for kind in again}
    assert counts() == after


def test_outbox_events_a_consumer_has_not_read_are_kept(employee):
    events = [
        OutboxEvent(kind="person.changed", occurred_at=OLD, user_id=employee.id, payload={})
        for _ in range(3)
    ]
    db.session.add_all(events)
    db.session.flush()
    db.session.add(
        WebhookEndpoint(
            url="https://hooks.example.com/x", secret_sealed="s", settled_event_id=events[0].id
        )
    )
    db.session.commit()
    ids = [e.id for e in events]
    assert retention.run(NOW)["outbox"] == 1  # the one the endpoint has read
    left = db.session.scalars(sa.select(OutboxEvent.id).where(OutboxEvent.id.in_(ids))).all()
    assert sorted(left) == ids[1:]


def test_admins_read_the_periods_others_may_not(client, make_user):
    sign_in(client, make_user(roles=[Role.HR]))
    assert client.get("/admin/retention").status_code == 403
    client.post("/logout")
    sign_in(client, make_user(roles=[Role.ADMIN]))
    page = client.get("/admin/retention").get_data(as_text=True)
    assert "RETENTION_SIGN_IN_ATTEMPTS_DAYS" in page and "90 days" in page
    assert "RETENTION_EVIDENCE_YEARS" in page and "7 years after leaving" in page
