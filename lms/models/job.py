"""Background jobs: every long or scheduled piece of work we start, and how it went."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.extensions import db
from lms.models.types import UTCDateTime
from lms.models.types import utcnow

#: A job's life: queued, then running (claimed by one worker), then succeeded or failed.
#: A failure that will be retried goes back to queued.
STATUSES = ("queued", "running", "succeeded", "failed")


class Job(db.Model):
    """One job: what it does (``kind`` and ``params``), who started it (None: the
    schedule), where it stands, and what came of it.

    The queue (Huey) carries only the job's id; this row is the truth. A worker runs a job
    only after moving it from queued to running with a conditional UPDATE, so a message
    delivered twice, or to two workers, runs it once. ``key`` names a job that must exist
    once (the daily run of one day): a second insert with the same key is refused by the
    unique index.
    """

    __tablename__ = "jobs"
    __table_args__ = (sa.Index("ix_jobs_status_heartbeat", "status", "heartbeat_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(40), index=True)
    params: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    key: so.Mapped[str | None] = so.mapped_column(sa.String(120), unique=True)
    started_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default="queued")
    done: so.Mapped[int] = so.mapped_column(default=0)
    total: so.Mapped[int | None]
    result: so.Mapped[dict | None] = so.mapped_column(sa.JSON)
    error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)
    started_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    finished_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    #: Last sign of life: set when claimed or (re)sent; a running job whose heartbeat is
    #: old died with its worker and is queued again.
    heartbeat_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    started_by = so.relationship("User", lazy="joined")

    @property
    def is_finished(self) -> bool:
        return self.status in ("succeeded", "failed")

    @property
    def seconds(self) -> float | None:
        """How long it ran (its last attempt), once finished."""
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()
