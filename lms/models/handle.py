"""The social media handles employees use for work, and the public check's counts."""

from datetime import date
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.extensions import db
from lms.models.types import UTCDateTime
from lms.models.types import utcnow


class SocialHandle(db.Model):
    """An account an employee says is theirs, for work: ``handle`` is its normalised form
    (:func:`lms.rules.handles.normalise`), unique per platform across the company, so the
    public check has one owner to ask about. ``display_name`` is what that check shows."""

    __tablename__ = "social_handles"
    __table_args__ = (sa.UniqueConstraint("platform", "handle", name="uq_social_handles_platform"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    platform: so.Mapped[str] = so.mapped_column(sa.String(20))
    handle: so.Mapped[str] = so.mapped_column(sa.String(200))
    display_name: so.Mapped[str] = so.mapped_column(sa.String(100))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    owner = so.relationship("User", lazy="joined")


class HandleLookupCount(db.Model):
    """How many public checks a day asked about a platform, and how many were answered
    yes: counts only, never who asked or which handle."""

    __tablename__ = "handle_lookup_counts"

    day: so.Mapped[date] = so.mapped_column(sa.Date, primary_key=True)
    platform: so.Mapped[str] = so.mapped_column(sa.String(20), primary_key=True)
    answered_yes: so.Mapped[bool] = so.mapped_column(primary_key=True)
    count: so.Mapped[int] = so.mapped_column(default=0)
