"""Bearer tokens for other systems calling the API."""

import hashlib
import secrets
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.extensions import db
from lms.models.types import UTCDateTime
from lms.models.types import utcnow

TOKEN_PREFIX = "lms_"
#: What a token opens: the clearance API (/api/v1) or SCIM provisioning (/scim/v2), never both.
SCOPES = ("clearance", "scim")


def hash_token(token: str) -> str:
    # Tokens are 256 random bits, so a fast hash is enough (unlike passwords).
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(db.Model):
    """A named token; only its hash is stored, the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    scope: so.Mapped[str] = so.mapped_column(
        sa.String(16), default="clearance", server_default="clearance"
    )

    @classmethod
    def issue(cls, name: str, scope: str = "clearance") -> tuple["ApiToken", str]:
        """A new token row and the plain token, which is never stored."""
        if scope not in SCOPES:  # a programming error: the CLI offers only these
            raise ValueError(f"unknown token scope {scope!r}")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        return cls(name=name, token_hash=hash_token(token), scope=scope), token
