"""Roster files uploaded by HR, kept between their preview and their application."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.extensions import db
from lms.models.types import UTCDateTime
from lms.models.types import utcnow
from lms.models.user import User


class RosterUpload(db.Model):
    """A roster file uploaded in the web UI, kept between its preview and its application.

    ``applied_at`` is set once, by a conditional UPDATE, so a file is applied at most once.
    """

    __tablename__ = "roster_uploads"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    uploaded_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    filename: so.Mapped[str] = so.mapped_column(sa.String(255))
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    content: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary, deferred=True)
    applied_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    uploaded_by: so.Mapped[User | None] = so.relationship()
