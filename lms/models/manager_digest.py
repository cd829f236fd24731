"""The weekly digest each manager receives about their reports."""

from datetime import date
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.extensions import db
from lms.models.types import UTCDateTime
from lms.models.types import utcnow


class ManagerDigest(db.Model):
    """One weekly digest e-mail, recorded BEFORE it is sent: the unique key (manager,
    week) lets only one of several servers running the job at once send it.

    ``status`` is as on :class:`ReminderSent`: ``sending``, ``sent``, ``retry``, ``failed``.
    ``week`` is the Monday (company calendar) of the week it covers.
    """

    __tablename__ = "manager_digests"
    __table_args__ = (
        sa.UniqueConstraint("manager_id", "week", name="uq_manager_digests_key"),
        sa.Index("ix_manager_digests_status", "status"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    manager_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    week: so.Mapped[date]
    status: so.Mapped[str] = so.mapped_column(sa.String(12), default="sending")
    lang: so.Mapped[str] = so.mapped_column(sa.String(16))
    to_addr: so.Mapped[str] = so.mapped_column(sa.String(254))
    subject: so.Mapped[str] = so.mapped_column(sa.String(300))
    overdue: so.Mapped[int] = so.mapped_column(default=0)
    expiring: so.Mapped[int] = so.mapped_column(default=0)
    attempts: so.Mapped[int] = so.mapped_column(default=1)
    error: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    claimed_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    sent_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
