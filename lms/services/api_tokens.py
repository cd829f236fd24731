"""Bearer tokens for other systems: issued and revoked here, with their audit events."""

from flask_babel import lazy_gettext as _l

from lms.extensions import db
from lms.models import ApiToken
from lms.models import User
from lms.models import utcnow
from lms.services import Refused
from lms.services import audit


def issue(name: str, actor: User | None = None, scope: str = "clearance") -> tuple[ApiToken, str]:
    """Operation: a new token for the system ``name``, opening ``scope`` (``clearance``:
    the API; ``scim``: provisioning); commit.

    :return: the stored row and the plain token, which is never stored: show it once.
    """
    row, token = ApiToken.issue(name, scope)
    db.session.add(row)
    db.session.flush()
    audit.record(
        "api_token.created",
        actor=actor,
        after={"token_id": row.id, "name": name, "scope": scope},
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
        audit.record("api_token.revoked", actor=actor, after={"token_id": row.id, "name": row.name})
        db.session.commit()
    return row
