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


def _token_key() -> str:
    return f"token:{g.api_token.id}"


def _token_limit() -> str:
    return g.api_token.rate_limit or current_app.config["API_RATE_LIMIT"]


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
