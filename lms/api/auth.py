"""Bearer-token authentication for other systems."""

from functools import wraps

from flask import g
from flask import request

from lms.errors import json_error
from lms.queries import access


def token_required(view):
    """Answer 401 JSON unless the request carries a live clearance token:
    ``Authorization: Bearer …`` (a SCIM token is refused here)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _unauthorized("Send an API token: Authorization: Bearer <token>.")
        row = access.live_token(header, "clearance")
        if row is None:
            return _unauthorized("The API token is not valid or has been revoked.")
        g.api_token = row
        return view(*args, **kwargs)

    return wrapped


def _unauthorized(message: str):
    body, status = json_error(401, message)
    return body, status, {"WWW-Authenticate": 'Bearer realm="lms"'}
