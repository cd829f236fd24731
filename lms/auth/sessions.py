"""Sign-ins that can be ended: signing out, out everywhere, and the user loader.

Flask-Login keeps ``User.get_id()`` ("<user id>:<token>") in the signed session cookie
and, with "keep me signed in", in a signed cookie that lasts a year. Each sign-in is a
:class:`~lms.models.UserSession` row; the loader accepts a cookie only while its row
exists, so ending a sign-in on the server ends it for every copy of its cookies.
"""

from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask import request
from flask import session
from flask_login import login_user
from flask_login import logout_user

from lms.extensions import db
from lms.extensions import login_manager
from lms.models import User
from lms.models import UserSession
from lms.services import sign_ins
from lms.services import users

#: The session key holding the browser's time zone while the company sign-in runs.
BROWSER_ZONE = "browser_zone"

# Every signed-in request loads its user: one statement with the roles, built once.
_USER_OF_SESSION = (
    sa.select(User)
    .options(so.joinedload(User.role_rows))
    .join(UserSession, UserSession.user_id == User.id)
    .where(User.id == sa.bindparam("id"), UserSession.id == sa.bindparam("digest"))
)
_MAX_ID_DIGITS = 18  # fits a 64-bit integer


@login_manager.user_loader
def load_user(cookie_id: str) -> User | None:
    """The signed-in user, if the cookie's sign-in still exists and the account is active
    (a deactivated account is signed out on its next request)."""
    user_id, _, token = cookie_id.partition(":")
    if not (user_id.isdigit() and len(user_id) <= _MAX_ID_DIGITS and token):
        return None  # malformed, or a cookie from before sign-ins could be ended
    user = (
        db.session.execute(
            _USER_OF_SESSION, {"id": int(user_id), "digest": UserSession.digest(token)}
        )
        .unique()
        .scalar_one_or_none()
    )
    if user is None or not user.active:
        return None
    user.session_token = token
    return user


def sign_in(user: User, remember: bool = False, method: str = "password") -> None:
    """Start a sign-in on this browser, audited with how the person signed in."""
    lifetime = current_app.config.get("REMEMBER_COOKIE_DURATION", timedelta(days=365))
    if not isinstance(lifetime, timedelta):
        lifetime = timedelta(seconds=lifetime)
    # The browser's time zone (the sign-in form's hidden field, or kept from the company
    # sign-in link) becomes theirs if they have none: saved with the sign-in.
    users.adopt_time_zone(user, request.form.get("time_zone") or session.pop(BROWSER_ZONE, None))
    user.session_token = sign_ins.open_for(user, lifetime, method)
    login_user(user, remember=remember)


def sign_out(user: User) -> None:
    """End this browser's sign-in: its cookies, even copied, no longer sign in."""
    if user.session_token:
        sign_ins.end(user.session_token)
    logout_user()  # drops the session's user and deletes the "keep me signed in" cookie


def sign_out_everywhere(user: User) -> int:
    """End every sign-in of ``user``, on every browser, and audit it; return how many."""
    ended = sign_ins.end_everywhere(user)
    logout_user()
    return ended
