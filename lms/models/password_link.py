"""One-time links that let a person set a password: invitations and password resets."""

import hashlib
import secrets
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.extensions import db
from lms.models.types import UTCDateTime
from lms.models.types import utcnow


class PasswordLink(db.Model):
    """An invitation (``kind`` "invitation") or a password reset ("reset") e-mailed to a
    person, with the link that lets them set a password once.

    A row is recorded ``pending`` (a new person, HR's resend, a reset request); the
    delivery job claims it (``sending``), makes its token and sends it (``sent``), or
    keeps it for a retry (``retry``) or gives up (``failed``); ``cancelled`` when there is
    nothing left to send (the person left, or set a password meanwhile). The token itself
    is never stored: only its SHA-256. The link works until ``expires_at``, once
    (``used_at``), and only while the person's password is the one it was sent for
    (``password_mark``): a new password invalidates every link sent before it.
    """

    __tablename__ = "password_links"
    __table_args__ = (sa.Index("ix_password_links_status", "status"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(12))  # invitation, reset
    status: so.Mapped[str] = so.mapped_column(sa.String(12), default="pending")
    token_hash: so.Mapped[str | None] = so.mapped_column(sa.String(64), unique=True)
    password_mark: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    #: Which delivery run claimed it, and when: "sending" long after that means a crash.
    claimed_by: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    claimed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    error: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    sent_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    expires_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    used_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    @staticmethod
    def digest(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)

    @staticmethod
    def mark_of(password_hash: str | None) -> str:
        """A fingerprint of the password a link was sent for ("" before any password)."""
        return hashlib.sha256((password_hash or "").encode()).hexdigest()

    @classmethod
    def by_token(cls, token: str) -> "PasswordLink | None":
        if not token or len(token) > 100:
            return None
        return db.session.scalar(sa.select(cls).where(cls.token_hash == cls.digest(token)))

    def usable(self, password_hash: str | None, active: bool, now: datetime) -> bool:
        """Whether the link may still set a password."""
        return (
            self.status in ("sending", "sent")  # sending: the mail may be out already
            and self.used_at is None
            and active
            and self.expires_at is not None
            and self.expires_at > now
            and self.password_mark == self.mark_of(password_hash)
        )
