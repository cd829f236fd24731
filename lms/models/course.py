"""Courses and their published, frozen versions."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.extensions import db
from lms.models.types import UTCDateTime
from lms.models.types import utcnow


class Course(db.Model):
    """A course id known to the system; its content lives in :class:`CourseVersion`."""

    __tablename__ = "courses"

    id: so.Mapped[str] = so.mapped_column(sa.String(100), primary_key=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)


class CourseVersion(db.Model):
    """One published version: every source file and the rendered, sanitised course.

    ``payload`` is :meth:`lms.content.Course.to_dict`, so old versions can still be shown
    and audited after the files change. Records point here, never at file paths.
    """

    __tablename__ = "course_versions"
    __table_args__ = (
        sa.UniqueConstraint("course_id", "major", "minor", name="uq_course_versions_number"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    course_id: so.Mapped[str] = so.mapped_column(sa.ForeignKey("courses.id"), index=True)
    major: so.Mapped[int]
    minor: so.Mapped[int]
    content_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    required: so.Mapped[bool]  # required for clearance, as of this version
    published_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    published_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    #: For a MAJOR version: certifications on older majors stop counting after this.
    recertify_by: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    #: Where the content came from: "files" (a sync of courses/ and quizzes/), "editor"
    #: (a draft published in the browser) or "rollback". A sync compares the files with the
    #: last version that came from files, so a restart never undoes a browser publish.
    origin: so.Mapped[str] = so.mapped_column(
        sa.String(16), default="files", server_default="files"
    )
    #: Last in the row: SQLite stores a row's columns in order, so every column after
    #: these megabytes would be read by walking their overflow pages. Deferred: loaded
    #: only when read (a cache miss in ``catalog.course_of``), never with the row; with
    #: 35 languages it is about 14 MB of JSON that a certificate or verification page
    #: would otherwise fetch and parse for nothing.
    payload: so.Mapped[dict] = so.mapped_column(sa.JSON, deferred=True)

    @property
    def version(self) -> str:
        return f"{self.major}.{self.minor}"


class CourseVersionFile(db.Model):
    """The exact bytes of one file of a published version, so an export reproduces the
    files byte for byte (``payload["sources"]`` holds normalised text: no BOM, LF only)."""

    __tablename__ = "course_version_files"

    version_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("course_versions.id"), primary_key=True
    )
    path: so.Mapped[str] = so.mapped_column(sa.String(500), primary_key=True)
    data: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)
