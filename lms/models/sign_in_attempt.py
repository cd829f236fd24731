"""Failed and refused sign-ins as typed, with the client's address: the security log
that the audit trail points at by id, because it holds personal data and is deleted
after ``RETENTION_SIGN_IN_DAYS`` (docs/privacy.md)."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.extensions import db
from lms.models.types import UTCDateTime
from lms.models.types import utcnow


class SignInAttempt(db.Model):
    """One failed password sign-in, refused company sign-in or password-reset request:
    what was typed (or the identity provider's claim value) and from which address."""

    __tablename__ = "sign_in_attempts"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(20))  # password, sso, reset
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    identifier: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    client: so.Mapped[str | None] = so.mapped_column(sa.String(45))
