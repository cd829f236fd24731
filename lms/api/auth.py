"""Bearer-token authentication for other systems."""

from functools import wraps

from flask import g
from flask import request

from lms.errors import json_error
from lms.permissions import token_rate_limited
from lms.queries import access
from lms.services import api_tokens

#: What reading clearances takes; tokens issued for the old name ``clearance`` have it.
CLEARANCE_READ = "clearance:read"


def token_required(scope: str = CLEARANCE_READ):
    """Answer 401 JSON unless the request carries a live token that opens ``scope``:
    ``Authorization: Bearer …`` (a token without it, such as a SCIM token, is refused
    here). Then note its use, and count the request against the token's rate limit (429
    above it)."""

    def decorator(view):
        limited = token_rate_limited(view)

        @wraps(view)
        def wrapped(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                return _unauthorized("Send an API token: Authorization: Bearer <token>.")
            row = access.live_token(header, scope)
            if row is None:
                return _unauthorized(
                    f"The API token is not valid, has been revoked, or does not open {scope}."
                )
            g.api_token = row
            api_tokens.note_use(row)
            return limited(*args, **kwargs)

        return wrapped

    return decorator


def _unauthorized(message: str):
    body, status = json_error(401, message)
    return body, status, {"WWW-Authenticate": 'Bearer realm="lms"'}
