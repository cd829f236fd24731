"""Certifications and the clearance they add up to."""

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.extensions import db

if TYPE_CHECKING:
    from lms.models.user import User
from lms.models.types import UTCDateTime
from lms.models.types import utcnow

#: Verification codes use letters and digits no reader confuses (no 0/O, 1/I/L, U).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
CODE_GROUPS, CODE_GROUP_SIZE = 6, 4  # 24 characters, about 117 bits: unguessable


def new_verification_code() -> str:
    """A fresh, unguessable verification code, grouped for reading: ``ABCD-EFGH-…``."""
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUPS * CODE_GROUP_SIZE))
    size = CODE_GROUP_SIZE
    return "-".join(chars[i : i + size] for i in range(0, len(chars), size))


class Certification(db.Model):
    """Proof that a learner passed a version of a course; valid until ``expires_at``.

    ``status`` is ``active`` or ``revoked``. Expiry is time-based and needs no job: a
    certification past ``expires_at`` is not valid, whatever its status says.
    ``verification_code`` is printed on the certificate; anyone can check it at
    ``/verify/<code>``. A revocation keeps when, by whom and why (the why is for HR only).
    """

    __tablename__ = "certifications"
    # Reports walk a course's certifications person by person, oldest first (the
    # over-time chart): this order, from the index alone.
    __table_args__ = (
        sa.Index(
            "ix_certifications_course_person_issued", "course_id", "user_id", "issued_at", "id"
        ),
        # "Does this person hold a valid certification for this course?", asked per
        # person by the scheduled jobs at 100,000+ people.
        sa.Index("ix_certifications_person_course", "user_id", "course_id", "expires_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    course_id: so.Mapped[str] = so.mapped_column(sa.ForeignKey("courses.id"))
    course_version_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("course_versions.id"))
    major: so.Mapped[int]
    minor: so.Mapped[int]
    attempt_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("quiz_attempts.id"))
    issued_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    status: so.Mapped[str] = so.mapped_column(sa.String(12), default="active")
    verification_code: so.Mapped[str] = so.mapped_column(
        sa.String(32), index=True, unique=True, default=new_verification_code
    )
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    revoked_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    revoke_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    revoked_by: so.Mapped["User | None"] = so.relationship(foreign_keys=[revoked_by_id])

    @property
    def version(self) -> str:
        return f"{self.major}.{self.minor}"


class Clearance(db.Model):
    """The current answer to "may this person represent the brand?", one row per person.

    Kept current in the same transaction as every event that changes it, so the API
    answers with one indexed read. ``valid_until`` is when a cleared answer lapses by
    itself (an expiry or a recertification deadline); readers compare it with the clock.
    ``courses`` holds the per-course status as the API returns it.

    ``change_seq`` places the row in the changes feed (``GET /api/v1/clearance/changes``):
    every write that changes the answer sets it to NULL ("changed, not yet numbered"), and
    :func:`lms.services.clearance_feed.stamp` numbers such rows after they committed; see
    that module for why numbers are not given when the change is written.
    """

    __tablename__ = "clearances"
    # HR's headline counts who is cleared among the people in scope: a join answered
    # from this index, without reading the rows' JSON.
    __table_args__ = (
        sa.Index("ix_clearances_user_status", "user_id", "cleared", "valid_until"),
        sa.Index("ix_clearances_valid_until", "valid_until"),  # the daily expiry sweep
        # The feed reads in this order, and the stamper finds the NULLs (changed) here.
        sa.Index("ix_clearances_change_seq", "change_seq"),
    )

    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    cleared: so.Mapped[bool]
    valid_until: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    reasons: so.Mapped[list] = so.mapped_column(sa.JSON)
    courses: so.Mapped[list] = so.mapped_column(sa.JSON)
    computed_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    change_seq: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)

    @property
    def recertify_by(self) -> datetime | None:
        """The earliest deadline to recertify on a new major version, if any."""
        dates = [r["until"] for r in self.reasons if r["code"] == "grace" and r["until"]]
        return datetime.fromisoformat(min(dates)) if dates else None


class ClearanceFeed(db.Model):
    """One row: the last number :func:`lms.services.clearance_feed.stamp` gave a changed
    clearance. Its row lock is what makes stamps run one at a time (PostgreSQL); numbers
    only grow, also when the row that held the highest changes again."""

    __tablename__ = "clearance_feed"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    last_seq: so.Mapped[int] = so.mapped_column(sa.BigInteger, default=0)
