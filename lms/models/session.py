"""Sign-ins: one row per browser signed in, so that any of them can be ended."""

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.extensions import db
from lms.models.types import UTCDateTime
from lms.models.types import utcnow


class UserSession(db.Model):
    """A sign-in on one browser.

    The browser's cookies (the session cookie and the "keep me signed in" cookie, both
    signed) carry the user id and a random token; this table keeps the token's SHA-256
    only. Deleting the row ends the sign-in: its cookies, and any copies of them, no
    longer sign anybody in. Signing out deletes one row; signing out everywhere, a new
    password and deactivation delete all of a person's rows.
    """

    __tablename__ = "user_sessions"

    id: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)  # token's SHA-256
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    @staticmethod
    def digest(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def open(cls, user_id: int) -> str:
        """Add a sign-in for ``user_id`` to the transaction; return its token."""
        token = secrets.token_urlsafe(32)
        db.session.add(cls(id=cls.digest(token), user_id=user_id))
        return token

    @classmethod
    def end(cls, token: str) -> None:
        db.session.execute(sa.delete(cls).where(cls.id == cls.digest(token)))

    @classmethod
    def end_all(cls, user_ids: Iterable[int]) -> int:
        """End every sign-in of these people (in this transaction); return how many."""
        ids = list(user_ids)
        ended = 0
        for start in range(0, len(ids), 1000):
            ended += db.session.execute(
                sa.delete(cls).where(cls.user_id.in_(ids[start : start + 1000]))
            ).rowcount
        return ended

    @classmethod
    def end_older_than(cls, user_id: int, moment: datetime) -> None:
        """Forget sign-ins whose cookies have expired anyway."""
        db.session.execute(sa.delete(cls).where(cls.user_id == user_id, cls.created_at < moment))
