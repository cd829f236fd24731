"""The jobs table: recording every background job, claiming it, and recording its outcome.

The queue carries only a job's id; the row is the truth. Each function here is an
operation (it commits), because a job's state must be visible to other processes as soon
as it changes, whatever the work itself does in its own transaction.

Running a job exactly once rests on :func:`claim`: a conditional UPDATE from ``queued``
to ``running`` that only one worker can win, however often the message is delivered.
"""

from collections.abc import Sequence
from datetime import datetime
from datetime import timedelta
from typing import cast

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from lms.extensions import db
from lms.models import Job
from lms.models import utcnow

#: Longest error text kept on a job (a traceback's last line is what a person needs).
MAX_ERROR = 2000


def create(
    kind: str, params: dict, started_by_id: int | None, *, key: str | None = None
) -> Job | None:
    """Operation: record a new queued job and commit. With ``key``, None when a job with
    that key exists already (another server scheduled the same run first)."""
    job = Job(kind=kind, params=params, started_by_id=started_by_id, key=key, status="queued")
    job.heartbeat_at = utcnow()
    db.session.add(job)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if key is None:
            raise
        return None
    return job


def claim(job_id: int) -> bool:
    """Operation: move the job from queued to running, counting the attempt; commit.
    False when it is not queued (another worker has it, or it is finished): then the
    caller must not run it."""
    now = utcnow()
    claimed = _update(
        job_id,
        ("queued",),
        status="running",
        attempts=Job.attempts + 1,
        started_at=now,
        finished_at=None,
        heartbeat_at=now,
        error=None,
    )
    return claimed


def succeed(job_id: int, result: dict, done: int, total: int | None) -> None:
    """Operation: record a running job's result and final counts; commit."""
    _update(
        job_id,
        ("running",),
        status="succeeded",
        result=result,
        done=done,
        total=total,
        finished_at=utcnow(),
    )


def fail(job_id: int, error: str, *, retry: bool) -> None:
    """Operation: a running job raised. With ``retry`` it goes back to the queue (the
    work it did was rolled back with its transaction); otherwise it failed. Commit."""
    _update(
        job_id,
        ("running",),
        status="queued" if retry else "failed",
        error=error[-MAX_ERROR:],
        finished_at=None if retry else utcnow(),
        heartbeat_at=utcnow(),
    )


def refuse(job_id: int, message: str, shown: dict) -> None:
    """Operation: the work was refused (nothing changed, and trying again would not
    help: the file was already applied, the draft changed); the job failed. ``message``
    is for the log, ``shown`` what the job's page translates for its reader. Commit."""
    _update(
        job_id,
        ("running",),
        status="failed",
        error=message[-MAX_ERROR:],
        result={"refused": shown},
        finished_at=utcnow(),
    )


def requeue_stale(older_than: timedelta, now: datetime | None = None) -> list[int]:
    """Operation: jobs to send to the queue again; commit.

    A running job whose heartbeat is older than ``older_than`` died with its worker (a
    killed process, a lost machine): it goes back to queued. A queued job that old was
    never picked up (the queue lost it, or it was recorded while the queue was down).
    Both are sent again; a duplicate message does nothing, thanks to :func:`claim`.
    """
    now = now or utcnow()
    cutoff = now - older_than
    stale = sa.and_(Job.status.in_(("queued", "running")), Job.heartbeat_at < cutoff)
    ids = list(db.session.scalars(sa.select(Job.id).where(stale).order_by(Job.id)))
    if ids:
        db.session.execute(
            sa.update(Job)
            .where(Job.id.in_(ids), stale)
            .values(status="queued", heartbeat_at=now)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    return ids


def _update(job_id: int, from_statuses: Sequence[str], **values) -> bool:
    result = cast(
        sa.CursorResult,
        db.session.execute(
            sa.update(Job)
            .where(Job.id == job_id, Job.status.in_(from_statuses))
            .values(**values)
            .execution_options(synchronize_session=False)
        ),
    )
    db.session.commit()
    return result.rowcount == 1
