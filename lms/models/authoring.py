"""Drafts: a course's next version, edited in the browser and invisible to learners."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.extensions import db
from lms.models.types import UTCDateTime
from lms.models.types import utcnow
from lms.models.user import User


class CourseDraft(db.Model):
    """The one draft of a course: its whole file set, started from a published version.

    Learners never read drafts; publishing one freezes it as a :class:`CourseVersion`.
    """

    __tablename__ = "course_drafts"

    course_id: so.Mapped[str] = so.mapped_column(sa.ForeignKey("courses.id"), primary_key=True)
    #: The version the draft was started from, to warn when a newer one was published since.
    base_version_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("course_versions.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

    files: so.Mapped[list["CourseDraftFile"]] = so.relationship(
        cascade="all, delete-orphan", order_by="CourseDraftFile.path"
    )
    updated_by: so.Mapped[User | None] = so.relationship(foreign_keys=[updated_by_id])

    def file_map(self) -> dict[str, bytes]:
        return {f.path: f.data for f in self.files}


class CourseDraftFile(db.Model):
    """One file of a draft, as exact bytes (a BOM or CRLF line endings are kept)."""

    __tablename__ = "course_draft_files"

    course_id: so.Mapped[str] = so.mapped_column(
        sa.ForeignKey("course_drafts.course_id", ondelete="CASCADE"), primary_key=True
    )
    path: so.Mapped[str] = so.mapped_column(sa.String(500), primary_key=True)
    data: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)
