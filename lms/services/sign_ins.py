"""Sign-ins that can be ended: each is a :class:`~lms.models.UserSession` row, so ending
it on the server ends it for every copy of its cookies (see :mod:`lms.auth.sessions`)."""

from datetime import timedelta

from lms.extensions import db
from lms.models import SignInAttempt
from lms.models import User
from lms.models import UserSession
from lms.models import utcnow
from lms.services import audit

MAX_IDENTIFIER = 254  # longer than any email address or employee id: nobody to look up
KEPT_IDENTIFIER = 100  # what the audit trail keeps of what was typed


def open_for(user: User, lifetime: timedelta, method: str = "password") -> str:
    """Operation: start a sign-in, audited with how the person signed in (``method``),
    and forget this person's ones older than ``lifetime`` (their cookies have expired
    anyway); commit. Returns the new sign-in's token."""
    UserSession.end_older_than(user.id, utcnow() - lifetime)
    token = UserSession.open(user.id)
    audit.record("auth.signed_in", actor=user, subject=user, after={"method": method})
    db.session.commit()
    return token


def failed(identifier: str, client: str | None) -> None:
    """Operation: record a failed password sign-in with the identifier as typed
    (shortened) and whether such an account exists (the page never says); commit."""
    user = User.find(identifier) if len(identifier) <= MAX_IDENTIFIER else None
    attempt = log_attempt("password", identifier, user, client)
    audit.record(
        "auth.sign_in_failed",
        subject=user,
        after={"account_exists": user is not None, "sign_in_attempt": attempt},
    )
    db.session.commit()


def log_attempt(kind: str, identifier: str | None, user: User | None, client: str | None) -> int:
    """Step: keep what was typed (shortened) and the client's address in the sign-in log,
    which retention deletes (the audit trail keeps only the returned id); return its id."""
    row = SignInAttempt(
        kind=kind,
        user_id=user.id if user else None,
        identifier=identifier[:KEPT_IDENTIFIER] if identifier else None,
        client=client[:45] if client else None,
    )
    db.session.add(row)
    db.session.flush()
    return row.id


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
