"""Bearer-token authentication for other systems."""

from functools import wraps

import sqlalchemy as sa
from flask import g
from flask import request

from lms.errors import json_error
from lms.extensions import db
from lms.models import ApiToken
from lms.models.api_token import hash_token

# Every API call looks its token up: the statement is built once.
_LIVE_TOKEN = sa.select(ApiToken).where(
    ApiToken.token_hash == sa.bindparam("token_hash"), ApiToken.revoked_at.is_(None)
)


def token_required(view):
    """Answer 401 JSON unless the request carries a live token: ``Authorization: Bearer …``."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _unauthorized("Send an API token: Authorization: Bearer <token>.")
        row = db.session.scalar(_LIVE_TOKEN, {"token_hash": hash_token(token.strip())})
        if row is None:
            return _unauthorized("The API token is not valid or has been revoked.")
        g.api_token = row
        return view(*args, **kwargs)

    return wrapped


def _unauthorized(message: str):
    body, status = json_error(401, message)
    return body, status, {"WWW-Authenticate": 'Bearer realm="lms"'}
