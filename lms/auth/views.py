"""Signing in and out, and the account page."""

from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_login import login_required

from lms.auth import bp
from lms.auth import sessions
from lms.auth import sso
from lms.auth.forms import LoginForm
from lms.auth.forms import LogoutForm
from lms.extensions import limiter
from lms.extensions import login_manager
from lms.models import User
from lms.security import local_path_or

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please sign in to see this page.")
login_manager.login_message_category = "info"


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("learn.index"))
    if request.method == "POST" and not sso.password_sign_in_allowed():
        return sso.refuse_password()
    form = LoginForm()
    if form.validate_on_submit():
        user = User.authenticate(form.email.data, form.password.data)
        if user is None:
            # One message for every failure, so the form does not reveal who has an account.
            flash(_("The email, employee ID or password is not right."), "danger")
        else:
            sessions.sign_in(user, remember=form.remember.data)
            return redirect(local_path_or(request.args.get("next"), url_for("learn.index")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    if LogoutForm().validate_on_submit() and current_user.is_authenticated:
        sessions.sign_out(current_user)
        flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account")
@login_required
def account():
    return render_template("auth/account.html", form=LogoutForm())


@bp.route("/account/sign-out-everywhere", methods=["POST"])
@login_required
def sign_out_everywhere():
    if not LogoutForm().validate_on_submit():
        return redirect(url_for("auth.account"))
    sessions.sign_out_everywhere(current_user)
    flash(_("You are signed out on every browser and device."), "info")
    return redirect(url_for("auth.login"))
