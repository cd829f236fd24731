"""Who and what may reach the application: API tokens."""

import sqlalchemy as sa

from lms.extensions import db
from lms.models import ApiToken
from lms.models.api_token import hash_token

# Every API call looks its token up: the statement is built once.
_LIVE_TOKEN = sa.select(ApiToken).where(
    ApiToken.token_hash == sa.bindparam("token_hash"),
    ApiToken.revoked_at.is_(None),
)


def api_tokens() -> list[ApiToken]:
    """Every token, revoked ones included, oldest first."""
    return list(db.session.scalars(sa.select(ApiToken).order_by(ApiToken.id)))


def live_token(authorization: str, scope: str) -> ApiToken | None:
    """The unrevoked token an ``Authorization: Bearer …`` header carries if it opens
    ``scope``, or None (no header, another scheme, an unknown or revoked token, or one
    without that scope: a clearance token opens no SCIM endpoint, and a SCIM token no
    clearance answer). Tokens issued for the old scope ``clearance`` open ``clearance:read``."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    row = db.session.scalar(_LIVE_TOKEN, {"token_hash": hash_token(token.strip())})
    return row if row is not None and scope in row.scopes else None
