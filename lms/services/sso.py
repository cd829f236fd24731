"""Company sign-in (OpenID Connect): the person a verified ID token names, and the audit
trail of every sign-in and refusal.

The web room (:mod:`lms.auth.sso`) runs the protocol and hands over the claims of an ID
token it has verified; here they are matched to one existing account by the configured
claim. Nobody is created from a token unless just-in-time creation is on, and then only
through :mod:`lms.services.users`, like everyone else.
"""

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.extensions import db
from lms.models import User
from lms.services import Refused
from lms.services import assignments
from lms.services import audit
from lms.services import sign_ins
from lms.services import users

#: The columns a claim may be matched against.
COLUMNS = ("email", "employee_id")
_MAX_VALUE = 254  # longer than any email or employee id we store


@dataclass(frozen=True)
class Matching:
    """How a token names a person (the OIDC_* settings)."""

    claim: str  # the ID token claim, e.g. "email" or "employee_id"
    column: str  # one of COLUMNS
    jit_create: bool = False


class SignInRefused(Refused):
    """Nobody may be signed in for these claims; ``reason`` goes to the audit trail."""

    def __init__(self, reason: str, message, value: str | None = None, user: User | None = None):
        super().__init__(message)
        self.reason = reason
        self.value = value
        self.user = user


def admit(claims: Mapping[str, object], matching: Matching) -> User:
    """Operation: the active person the verified ``claims`` name, with an audit event
    ``sign_in.sso``; created first (with the courses the assignment rules give newcomers)
    when nobody matches and just-in-time creation is on. Commits.

    :raise SignInRefused: nobody matches, the person is deactivated, or the token lacks
        what matching or creating needs. Nothing is written: record it with :func:`refuse`.
    """
    value = identity_of(claims, matching)
    if matching.claim == "email":
        _require_verified_email(claims)
    user = _find(matching.column, value)
    created = user is None
    if user is None:
        if not matching.jit_create:
            raise SignInRefused("unknown", _UNKNOWN, value=value)
        user = _create(claims, matching, value)
    elif not user.active:
        raise SignInRefused("deactivated", _DEACTIVATED, value=value, user=user)
    after = {"claim": matching.claim} | ({"created": True} if created else {})
    audit.record("sign_in.sso", actor=user, subject=user, after=after)
    if created:
        assignments.apply_rules(user_ids=[user.id])  # commits this transaction
    db.session.commit()
    return user


def refuse(
    reason: str,
    *,
    claim: str | None = None,
    value: str | None = None,
    subject: User | None = None,
) -> None:
    """Operation: record a refused company sign-in (``sign_in.sso_refused``) with its
    reason and, when known, the identifying claim's value: nothing else from the token.
    Commits."""
    after: dict[str, str | int] = {"reason": reason}
    if claim and value:
        attempt = sign_ins.log_attempt("sso", value, subject, None)
        after |= {"claim": claim, "sign_in_attempt": attempt}
    audit.record("sign_in.sso_refused", subject=subject, after=after)
    db.session.commit()


def identity_of(claims: Mapping[str, object], matching: Matching) -> str:
    """The identifying claim's value, as the matched column holds it.

    :raise SignInRefused: the claim is missing, empty, or not a string or number.
    """
    raw = claims.get(matching.claim)
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise SignInRefused("claim_missing", _claim_missing(matching.claim))
    value = str(raw).strip()
    if not value or len(value) > _MAX_VALUE:
        raise SignInRefused("claim_missing", _claim_missing(matching.claim))
    return value.lower() if matching.column == "email" else value


def _find(column: str, value: str) -> User | None:
    return db.session.scalar(sa.select(User).where(getattr(User, column) == value))


def _require_verified_email(claims: Mapping[str, object]) -> None:
    """A provider that says an email is unverified (a person typed it in) cannot vouch
    for it; one that says nothing (Entra ID) vouches for the addresses it issues."""
    if claims.get("email_verified") is False:
        raise SignInRefused("email_not_verified", _EMAIL_NOT_VERIFIED)


def _create(claims: Mapping[str, object], matching: Matching, value: str) -> User:
    """Step: the account of a person the provider vouches for, in the caller's
    transaction. Matching by email, the email is the matched value and the employee id
    the provider's stable subject (``sub``); matching by employee id, the employee id is
    the matched value and the email the (verified) ``email`` claim."""
    email: object
    employee_id: object
    if matching.column == "email":
        email, employee_id = value, claims.get("sub")
    else:
        _require_verified_email(claims)
        email, employee_id = claims.get("email"), value
    if not (isinstance(email, str) and "@" in email and len(email) <= 254):
        raise SignInRefused("jit_claims_missing", _JIT_CLAIMS_MISSING, value=value)
    if not (isinstance(employee_id, str) and 0 < len(employee_id.strip()) <= 64):
        raise SignInRefused("jit_claims_missing", _JIT_CLAIMS_MISSING, value=value)
    try:
        return users.add(
            email=email,
            name=_name_of(claims, email),
            employee_id=employee_id.strip(),
            note={"source": "sso"},
        )
    except Refused:  # the email or employee id belongs to someone else
        raise SignInRefused("jit_conflict", _JIT_CONFLICT, value=value) from None


def _name_of(claims: Mapping[str, object], email: str) -> str:
    """``name``, else ``given_name family_name``, else the email."""
    words = {k: v.strip() for k, v in claims.items() if isinstance(v, str) and v.strip()}
    given_family = [words[k] for k in ("given_name", "family_name") if k in words]
    return (words.get("name") or " ".join(given_family) or email)[:200]


_UNKNOWN = _l(
    "Your company account is not linked to anyone in this training. Ask HR to add you "
    "to the roster, then sign in again."
)
_DEACTIVATED = _l("Your account here is deactivated. If you think this is a mistake, ask HR.")
_EMAIL_NOT_VERIFIED = _l(
    "Your company has not verified your email address, so it cannot sign you in here. "
    "Ask your IT team."
)
_JIT_CLAIMS_MISSING = _l(
    "Your company's sign-in did not send your email address and employee ID, so no "
    "account can be made for you. Ask HR to add you."
)
_JIT_CONFLICT = _l(
    "Another account here already has your email address or employee ID. Ask HR to sort it out."
)


def _claim_missing(claim: str):
    return _l(
        "Your company's sign-in did not say who you are (the “%(claim)s” claim is missing). "
        "Ask your IT team to send it.",
        claim=claim,
    )
