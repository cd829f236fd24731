"""The organisation's keys that sign Open Badges credentials."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.extensions import db
from lms.models.types import UTCDateTime
from lms.models.types import utcnow


class SigningKey(db.Model):
    """One signing key pair (RSA, RS256). ``kid`` is the public key's RFC 7638
    thumbprint; ``public_jwk`` is published in the JWK Set at ``/.well-known/jwks.json``
    for as long as the row exists, so a badge signed by a retired key still verifies.
    ``private_sealed`` is the private key as a JWK, encrypted like webhook secrets
    (Fernet, a key derived from ``SECRET_KEY``). One key is ``active`` (signs) at a time;
    ``retired_at`` says when a rotation replaced it."""

    __tablename__ = "signing_keys"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kid: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    alg: so.Mapped[str] = so.mapped_column(sa.String(16), default="RS256")
    public_jwk: so.Mapped[dict] = so.mapped_column(sa.JSON)
    private_sealed: so.Mapped[str] = so.mapped_column(sa.Text)
    active: so.Mapped[bool] = so.mapped_column(default=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    retired_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
