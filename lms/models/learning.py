"""What a learner did: enrolments, module progress and quiz attempts.

Everything points at content through stable ids (course id, module id, question id,
language) plus the version studied, never at files.
"""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.extensions import db
from lms.models.types import UTCDateTime
from lms.models.types import utcnow


class Enrollment(db.Model):
    """One run of a learner through a course, from assignment to certification.

    ``reason`` says why it exists: ``required`` (the course is required for clearance),
    ``renewal`` (a certification is about to expire), ``recertify`` (a major version),
    or ``self`` (the learner started an optional course). At most one is open per course.
    """

    __tablename__ = "enrollments"
    __table_args__ = (
        sa.Index(
            "uq_enrollments_open",
            "user_id",
            "course_id",
            unique=True,
            sqlite_where=sa.text("completed_at IS NULL"),
            postgresql_where=sa.text("completed_at IS NULL"),
        ),
        # Reminders walk open enrolments by due date.
        sa.Index(
            "ix_enrollments_open_due",
            "due_at",
            sqlite_where=sa.text("completed_at IS NULL"),
            postgresql_where=sa.text("completed_at IS NULL"),
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    course_id: so.Mapped[str] = so.mapped_column(sa.ForeignKey("courses.id"), index=True)
    reason: so.Mapped[str] = so.mapped_column(sa.String(20))
    assigned_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    due_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    completed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    #: Touched when an attempt starts, so concurrent starts serialise on this row.
    last_attempt_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    progress: so.Mapped[list["ModuleProgress"]] = so.relationship(
        back_populates="enrollment", lazy="selectin"
    )


class ModuleProgress(db.Model):
    """A learner's reading of one module within an enrolment."""

    __tablename__ = "module_progress"
    __table_args__ = (sa.UniqueConstraint("enrollment_id", "module_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    enrollment_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("enrollments.id"))
    module_id: so.Mapped[str] = so.mapped_column(sa.String(100))
    course_version_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("course_versions.id"))
    lang: so.Mapped[str] = so.mapped_column(sa.String(16))  # the language last read in
    started_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    completed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    seconds_spent: so.Mapped[int] = so.mapped_column(default=0)
    #: Reading up to this moment has been counted; later reports count only what is new,
    #: so a replayed or duplicated report adds nothing.
    counted_until: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    enrollment: so.Mapped[Enrollment] = so.relationship(back_populates="progress")


class QuizAttempt(db.Model):
    """One attempt at a course's quiz.

    ``questions`` is fixed when the attempt starts, as drawn and shuffled:
    ``[{"id": "<question id>", "answers": ["<answer id>", …]}, …]`` in display order.
    ``answers`` is ``{"<question id>": ["<answer id>", …]}`` once submitted.
    Submitting moves ``status`` from ``open`` to ``submitted`` exactly once.
    """

    __tablename__ = "quiz_attempts"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    enrollment_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("enrollments.id"), index=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    course_id: so.Mapped[str] = so.mapped_column(sa.ForeignKey("courses.id"))
    course_version_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("course_versions.id"))
    lang: so.Mapped[str] = so.mapped_column(sa.String(16))
    status: so.Mapped[str] = so.mapped_column(sa.String(12), default="open")
    questions: so.Mapped[list] = so.mapped_column(sa.JSON)
    answers: so.Mapped[dict | None] = so.mapped_column(sa.JSON)
    score: so.Mapped[float | None]
    passed: so.Mapped[bool | None]
    started_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    submitted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
