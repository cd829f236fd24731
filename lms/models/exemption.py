"""Exemptions from a required course, and the notices sent to people a requirement enrols."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.extensions import db
from lms.models.types import UTCDateTime
from lms.models.types import utcnow


class Exemption(db.Model):
    """HR's decision that ``course_id`` is not required of one person until ``ends_at``
    (a reason is kept). Ending it early sets ``ends_at`` to that moment."""

    __tablename__ = "exemptions"
    __table_args__ = (sa.Index("ix_exemptions_user_course", "user_id", "course_id", "ends_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    course_id: so.Mapped[str] = so.mapped_column(sa.ForeignKey("courses.id"))
    reason: so.Mapped[str] = so.mapped_column(sa.String(500))
    ends_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)


class AssignmentNotice(db.Model):
    """The "you have been assigned" e-mail of one enrolment a requirement made, recorded
    before it is sent: the unique enrolment lets only one of several servers send it.
    ``status`` as :class:`ReminderSent`'s: pending, sending, sent, retry, failed."""

    __tablename__ = "assignment_notices"
    __table_args__ = (sa.Index("ix_assignment_notices_status", "status"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    enrollment_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("enrollments.id"), unique=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    status: so.Mapped[str] = so.mapped_column(sa.String(12), default="pending")
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    error: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    claimed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    sent_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
