"""HR assignment rules and the reminders sent about the enrolments they create."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.extensions import db
from lms.models.types import UTCDateTime
from lms.models.types import utcnow

SCOPE_KINDS = ("all", "department", "country", "role", "group")
DUE_KINDS = ("date", "after_assignment", "after_hire")


class AssignmentRule(db.Model):
    """ "Everyone in <scope> must take <course>, due <when>": applied at once, and again to
    every employee who joins later, so HR states the policy once.

    ``scope_kind`` is ``all``, ``department``, ``country``, ``role`` or ``group`` (a SCIM
    group, by its display name; ``scope_value`` names which). ``due_kind`` is ``date``
    (``due_date``), ``after_assignment`` or ``after_hire`` (``due_days`` after the enrolment
    or the hire date).
    """

    __tablename__ = "assignment_rules"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    course_id: so.Mapped[str] = so.mapped_column(sa.ForeignKey("courses.id"), index=True)
    scope_kind: so.Mapped[str] = so.mapped_column(sa.String(16))
    scope_value: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    due_kind: so.Mapped[str] = so.mapped_column(sa.String(16))
    due_date: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    due_days: so.Mapped[int | None]
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    active: so.Mapped[bool] = so.mapped_column(default=True, server_default=sa.true())
    #: A requirement: the course counts towards the clearance of the people in the scope
    #: (its audience); a plain rule only enrols them.
    required: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    #: Calendar recertification: certifications earned under this requirement expire on
    #: this month's ``recertify_day`` (None: its last day) each year, not after the rolling
    #: validity of the course file. None: rolling.
    recertify_month: so.Mapped[int | None]
    recertify_day: so.Mapped[int | None]

    created_by: so.Mapped["User | None"] = so.relationship()  # noqa: F821


class ReminderSent(db.Model):
    """One reminder e-mail, recorded BEFORE it is sent: the unique key (enrolment, kind,
    due date, week) lets only one of several servers running the job at once send it.

    ``status``: ``sending`` (claimed), ``sent``, ``retry`` (the send failed or the sender
    crashed; the next run tries again) or ``failed`` (gave up after several attempts).
    ``week`` counts overdue weeks (0 for the other kinds).
    """

    __tablename__ = "reminders_sent"
    __table_args__ = (
        sa.UniqueConstraint(
            "enrollment_id", "kind", "due_at", "week", name="uq_reminders_sent_key"
        ),
        sa.Index("ix_reminders_sent_status", "status"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    enrollment_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("enrollments.id"))
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(12))  # before, due, overdue
    due_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    week: so.Mapped[int] = so.mapped_column(default=0)
    status: so.Mapped[str] = so.mapped_column(sa.String(12), default="sending")
    lang: so.Mapped[str] = so.mapped_column(sa.String(16))
    to_addr: so.Mapped[str] = so.mapped_column(sa.String(254))
    cc_addr: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    subject: so.Mapped[str] = so.mapped_column(sa.String(300))
    attempts: so.Mapped[int] = so.mapped_column(default=1)
    error: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    #: When a server last claimed it for sending; "sending" long after this means a crash.
    claimed_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    sent_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
