"""Who may open what. Every view states its rule with one of these decorators."""

from functools import wraps

from flask import abort
from flask_login import current_user
from flask_login import login_required

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
