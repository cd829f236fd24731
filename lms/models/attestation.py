"""Written attestations: a learner affirming a course's policy before certification."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.extensions import db
from lms.models.types import UTCDateTime


class Attestation(db.Model):
    """What the learner affirmed to earn one certification, kept as evidence.

    ``statement`` is the text exactly as the page showed it (title and version filled in,
    in ``lang``); ``content_hash`` is the published version's hash, so the statement
    points at the exact files studied. ``typed_name`` is what they typed to sign.
    """

    __tablename__ = "attestations"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    certification_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("certifications.id"), unique=True
    )
    #: One pass is affirmed once: a second tab's submit fails here at the latest.
    attempt_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("quiz_attempts.id"), unique=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    course_id: so.Mapped[str] = so.mapped_column(sa.String(100))
    course_version_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("course_versions.id"))
    version: so.Mapped[str] = so.mapped_column(sa.String(16))  # "MAJOR.MINOR" as shown
    content_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    lang: so.Mapped[str] = so.mapped_column(sa.String(16))
    statement: so.Mapped[str] = so.mapped_column(sa.Text)
    typed_name: so.Mapped[str] = so.mapped_column(sa.String(200))
    ip_address: so.Mapped[str | None] = so.mapped_column(sa.String(45))  # IPv6 at most
    attested_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
