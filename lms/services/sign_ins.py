"""Sign-ins that can be ended: each is a :class:`~lms.models.UserSession` row, so ending
it on the server ends it for every copy of its cookies (see :mod:`lms.auth.sessions`)."""

from datetime import timedelta

from lms.extensions import db
from lms.models import User
from lms.models import UserSession
from lms.models import utcnow
from lms.services import audit


def open_for(user: User, lifetime: timedelta) -> str:
    """Operation: start a sign-in and forget this person's ones older than ``lifetime``
    (their cookies have expired anyway); commit. Returns the new sign-in's token."""
    UserSession.end_older_than(user.id, utcnow() - lifetime)
    token = UserSession.open(user.id)
    db.session.commit()
    return token


def end(token: str) -> None:
    """Operation: end one sign-in; commit."""
    UserSession.end(token)
    db.session.commit()


def end_everywhere(user: User) -> int:
    """Operation: end every sign-in of ``user`` on every browser, audited; commit.
    Returns how many were ended."""
    ended = UserSession.end_all([user.id])
    audit.record(
        "auth.signed_out_everywhere", actor=user, subject=user, after={"sessions_ended": ended}
    )
    db.session.commit()
    return ended
