"""Bearer tokens for other systems: issued and revoked here, with their audit events, and
when each was last used."""

import re
from collections.abc import Iterable
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from limits import parse

from lms.extensions import db
from lms.models import ApiToken
from lms.models import User
from lms.models import utcnow
from lms.models.api_token import DEFAULT_SCOPE
from lms.models.api_token import SCOPES
from lms.models.api_token import normalize_scopes
from lms.services import Refused
from lms.services import audit

#: ``last_used_at`` is written at most this often per token: it says "used today, used
#: a month ago", not each request, and a write per request would cost more than the answer.
LAST_USED_PRECISION = timedelta(minutes=1)
MAX_NAME = 100
MAX_RATE_LIMIT = 64
_RATE_LIMIT = re.compile(
    r"^(?P<amount>\d{1,9})\s*(?:/|per)\s*(?:(?P<every>\d{1,6})\s+)?"
    r"(?:second|minute|hour|day)s?$",
    re.IGNORECASE,
)


def issue(
    name: str,
    actor: User | None = None,
    scope: str | Iterable[str] = DEFAULT_SCOPE,
    rate_limit: str | None = None,
) -> tuple[ApiToken, str]:
    """Operation: a new token for the system ``name``, opening ``scope`` (one or more of
    ``clearance:read``: the API; ``scim``: provisioning; ``webhooks``), limited to
    ``rate_limit`` requests (None: the app's default); commit.

    :return: the stored row and the plain token, which is never stored: show it once.
    :raise Refused: no name, no scope, or a rate limit that does not read as one.
    """
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise Refused(_l("Give the token a name of 1 to %(max)s characters.", max=MAX_NAME))
    scopes = _scopes(scope)
    rate_limit = check_rate_limit(rate_limit)
    row, token = ApiToken.issue(name, scopes, rate_limit)
    db.session.add(row)
    db.session.flush()
    audit.record(
        "api_token.created",
        actor=actor,
        after={
            "token_id": row.id,
            "token_name": name,
            "scope": row.scope,
            "rate_limit": rate_limit,
        },
    )
    db.session.commit()
    return row, token


def revoke(token_id: int, actor: User | None = None) -> ApiToken:
    """Operation: the token stops working at once; commit. Revoking twice changes nothing.

    :raise Refused: no such token.
    """
    row = db.session.get(ApiToken, token_id)
    if row is None:
        raise Refused(_l("No token with id %(id)s.", id=token_id))
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(
            "api_token.revoked", actor=actor, after={"token_id": row.id, "token_name": row.name}
        )
        db.session.commit()
    return row


def note_use(token: ApiToken, now: datetime | None = None) -> None:
    """Operation: remember that ``token`` was used now, to the minute; commit when that
    writes. At most one write a minute per token (a conditional UPDATE, so several servers
    at once write once); every other request only compares two times."""
    now = now or utcnow()
    last = token.last_used_at
    if last is not None and now - last < LAST_USED_PRECISION:
        return
    stale = sa.or_(
        ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - LAST_USED_PRECISION
    )
    db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.id == token.id, stale)
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def check_rate_limit(value: str | None) -> str | None:
    """``value`` as a rate limit the limiter reads ("600 per minute", "10/second"), None for
    none; the same text back, stripped.

    :raise Refused: it does not read as a rate limit.
    """
    value = (value or "").strip()
    if not value:
        return None
    # Stricter than the limiter's parser, which reads "0 per 0 minutes" as "0 per minute"
    # and "5 per second; 600 per minute" as its first half.
    match = _RATE_LIMIT.match(value) if len(value) <= MAX_RATE_LIMIT else None
    if match is None or int(match["amount"]) < 1 or int(match["every"] or 1) < 1:
        raise Refused(
            _l(
                "“%(value)s” is not a rate limit: write it as a number of requests per "
                "second, minute, hour or day, e.g. “600 per minute”.",
                value=value[:MAX_RATE_LIMIT],
            )
        )
    parse(value)  # what the limiter will do with it: never raises after the match above
    return value


def _scopes(scope: str | Iterable[str]) -> str:
    try:
        return normalize_scopes(scope)
    except ValueError:
        raise Refused(
            _l("Choose what the token opens: one or more of %(scopes)s.", scopes=", ".join(SCOPES))
        ) from None
