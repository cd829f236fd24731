"""Reading accounts' password links: is a link still good, and who is it for."""

from datetime import datetime

import sqlalchemy as sa

from lms.extensions import db
from lms.models import PasswordLink
from lms.models import User


def links_waiting() -> bool:
    """Whether an invitation or password link waits to be e-mailed (or e-mailed again)."""
    waiting = sa.select(PasswordLink.id).where(PasswordLink.status.in_(("pending", "retry")))
    return bool(db.session.scalar(sa.select(waiting.exists())))


def usable_link(token: str, now: datetime) -> tuple[PasswordLink, User] | None:
    """The link ``token`` opens and its person, while it may still set a password."""
    link = PasswordLink.by_token(token)
    user = db.session.get(User, link.user_id) if link else None
    if link is None or user is None or not link.usable(user.password_hash, user.active, now):
        return None
    return link, user
