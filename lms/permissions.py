"""Who may open what. Every view states its rule with one of these decorators."""

import time
from functools import wraps

from flask import abort
from flask import current_app
from flask import g
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required

from lms.extensions import limiter
from lms.models import Role


def role_required(*roles: Role):
    """Signed in and holding one of ``roles`` (admins pass everywhere), else 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(Role.ADMIN, *roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


#: Any signed-in, active employee.
employee_required = login_required


# --- Other systems: one rate limit per API token ------------------------------------------


# Flask-Limiter also reads the limit outside the decorated call, before the room has found
# the token (to decide on default limits for a route whose limited function is not the view,
# as in SCIM's room), and takes any error there for a storage failure: so never raise.


def _token_key() -> str:
    token = g.get("api_token")
    return f"token:{token.id}" if token is not None else "token:none"


def _token_limit() -> str:
    token = g.get("api_token")
    return (token.rate_limit if token is not None else None) or current_app.config["API_RATE_LIMIT"]


def _too_many_requests() -> str:
    limit = limiter.current_limit
    wait = max(int(limit.reset_at - time.time()), 1) if limit else 1
    return _(
        "This token has made too many requests (at most %(limit)s). Try again in "
        "%(seconds)s seconds.",
        limit=_token_limit(),
        seconds=wait,
    )


#: Decorates what runs once a room has found the request's token (``g.api_token``): each
#: token's requests count together, whichever room and route they reach, against its own
#: limit or the app's ``API_RATE_LIMIT``; above it, 429 with ``Retry-After``. Counted
#: where the sign-in limits count (memory, or Redis shared by every server).
token_rate_limited = limiter.shared_limit(
    _token_limit, scope="api-token", key_func=_token_key, error_message=_too_many_requests
)
