"""Signing in and out."""

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_login import login_user
from flask_login import logout_user

from lms.auth import bp
from lms.auth.forms import LoginForm
from lms.auth.forms import LogoutForm
from lms.extensions import db
from lms.extensions import limiter
from lms.extensions import login_manager
from lms.models import User
from lms.security import local_path_or

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please sign in to see this page.")
login_manager.login_message_category = "info"


# Every signed-in request loads its user: one statement with the roles, built once.
_USER_WITH_ROLES = (sa.select(User).options(so.joinedload(User.role_rows))
                    .where(User.id == sa.bindparam("id")))


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The signed-in user; a deactivated account is signed out on its next request."""
    if not user_id.isdigit():
        return None
    user = db.session.execute(_USER_WITH_ROLES, {"id": int(user_id)}).unique().scalar_one_or_none()
    return user if user is not None and user.active else None


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("learn.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = User.authenticate(form.email.data, form.password.data)
        if user is None:
            # One message for every failure, so the form does not reveal who has an account.
            flash(_("The email, employee ID or password is not right."), "danger")
        else:
            login_user(user, remember=form.remember.data)
            return redirect(local_path_or(request.args.get("next"), url_for("learn.index")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    if LogoutForm().validate_on_submit():
        logout_user()
        flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))

