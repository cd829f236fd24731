"""Bearer tokens for other systems calling the API."""

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.extensions import db
from lms.models.types import UTCDateTime
from lms.models.types import utcnow

TOKEN_PREFIX = "lms_"
#: What a token may open: reading clearances (/api/v1), SCIM provisioning (/scim/v2),
#: managing webhooks. A token holds one or more, in this order, space-separated in
#: ``scope`` (as OAuth 2 writes scopes).
SCOPES = ("clearance:read", "scim", "webhooks")
#: Scope names tokens were issued with before, and what they mean now.
LEGACY_SCOPES = {"clearance": "clearance:read"}
DEFAULT_SCOPE = "clearance:read"


def hash_token(token: str) -> str:
    # Tokens are 256 random bits, so a fast hash is enough (unlike passwords).
    return hashlib.sha256(token.encode()).hexdigest()


def normalize_scopes(scopes: str | Iterable[str]) -> str:
    """The ``scope`` column's value for ``scopes`` (a name, space-separated names or a
    collection; old names accepted): known names, each once, in :data:`SCOPES` order."""
    names = scopes.split() if isinstance(scopes, str) else list(scopes)
    wanted = {LEGACY_SCOPES.get(name, name) for name in names}
    unknown = wanted - set(SCOPES)
    if unknown or not wanted:  # a programming error: the CLI and the form offer only these
        raise ValueError(f"unknown or no token scope: {sorted(unknown)!r}")
    return " ".join(s for s in SCOPES if s in wanted)


class ApiToken(db.Model):
    """A named token; only its hash is stored, the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    scope: so.Mapped[str] = so.mapped_column(
        sa.String(64), default=DEFAULT_SCOPE, server_default=DEFAULT_SCOPE
    )
    #: When a request last carried it, to the minute (written at most once a minute).
    last_used_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    #: Its own rate limit ("1200 per minute"); None: the app's API_RATE_LIMIT.
    rate_limit: so.Mapped[str | None] = so.mapped_column(sa.String(64))

    @property
    def scopes(self) -> tuple[str, ...]:
        """What it opens, old scope names read as their new ones."""
        return tuple(LEGACY_SCOPES.get(name, name) for name in self.scope.split())

    @classmethod
    def issue(
        cls, name: str, scope: str | Iterable[str] = DEFAULT_SCOPE, rate_limit: str | None = None
    ) -> tuple["ApiToken", str]:
        """A new token row and the plain token, which is never stored."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = cls(
            name=name,
            token_hash=hash_token(token),
            scope=normalize_scopes(scope),
            rate_limit=rate_limit or None,
        )
        return row, token
