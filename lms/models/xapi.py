"""xAPI: the statements sent to a Learning Record Store, one row per outbox event."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.extensions import db
from lms.models.types import UTCDateTime
from lms.models.types import utcnow

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

#: pending (waiting for its first or next attempt), sending (claimed by one worker),
#: sent, or failed (given up after ``XAPI_RETRY_HOURS``).
STATUSES = ("pending", "sending", "sent", "failed")


class XapiSend(db.Model):
    """The statements one outbox event becomes (``attempt.started``: attempted;
    ``attempt.submitted``: completed and passed or failed), sent to the LRS in one POST.
    Unique per event, so two fan-outs write it once; the statements' ids derive from the
    event's id, so sending it again is idempotent at the LRS."""

    __tablename__ = "xapi_sends"
    __table_args__ = (
        # The due sends, oldest event first (walked in order, so a batch stops early),
        # "is anything due?" for the schedule, and "an earlier one of this person waits".
        sa.Index("ix_xapi_sends_status_event", "status", "event_id"),
        sa.Index("ix_xapi_sends_status_due", "status", "next_attempt_at"),
        sa.Index("ix_xapi_sends_user_event", "user_id", "event_id"),
    )

    id: so.Mapped[int] = so.mapped_column(BigId, primary_key=True)
    event_id: so.Mapped[int] = so.mapped_column(BigId, unique=True)
    user_id: so.Mapped[int | None]
    kind: so.Mapped[str] = so.mapped_column(sa.String(64))
    status: so.Mapped[str] = so.mapped_column(sa.String(12), default="pending")
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    give_up_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    claimed_by: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    claimed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    finished_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    last_status_code: so.Mapped[int | None]
    last_detail: so.Mapped[str | None] = so.mapped_column(sa.String(500))


class XapiProgress(db.Model):
    """One row: how far the xAPI fan-out has read the outbox (as a webhook endpoint
    keeps it: events up to ``settled_event_id`` are fanned out for good; later ones are
    looked at again until ``XAPI_SETTLE_MINUTES`` after ``seen_at``)."""

    __tablename__ = "xapi_progress"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    settled_event_id: so.Mapped[int] = so.mapped_column(BigId, default=0)
    seen_event_id: so.Mapped[int] = so.mapped_column(BigId, default=0)
    seen_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    scanned_event_id: so.Mapped[int] = so.mapped_column(BigId, default=0)
