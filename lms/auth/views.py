"""Signing in and out, passwords (forgotten, set from a link, changed), and the account page."""

import functools
import logging
import time
from datetime import timedelta

from flask import current_app
from flask import flash
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import _
from flask_babel import format_timedelta
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_login import login_required

from lms.auth import bp
from lms.auth import sessions
from lms.auth import sso
from lms.auth.forms import ChangePasswordForm
from lms.auth.forms import ForgotPasswordForm
from lms.auth.forms import LoginForm
from lms.auth.forms import LogoutForm
from lms.auth.forms import NewPasswordForm
from lms.extensions import limiter
from lms.extensions import login_manager
from lms.models import User
from lms.models import utcnow
from lms.queries import accounts
from lms.security import local_path_or
from lms.services import Refused
from lms.services import password_links
from lms.services import sign_ins

log = logging.getLogger(__name__)

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please sign in to see this page.")
login_manager.login_message_category = "info"


# --- Rate limits: Flask-Limiter's store (memory, or Redis shared by every server) ---------


def _account_key() -> str:
    """The account a form names, as typed (emails in lower case): failures count against
    it from every address. Prefixed, so it never equals a client address."""
    column, value = User.identifier_key(request.form.get("email", ""))
    return f"{column}:{value[:254]}"


def _sign_in_failed(_response) -> bool:
    """Only failed sign-ins count: an office behind one address signs in all day."""
    return g.get("sign_in_failed", False)


def _setting(key: str):
    return lambda: current_app.config[key]


@bp.errorhandler(429)
def _too_many(_error):
    """The form again, saying how long to wait: until the breached limit's window ends."""
    resets = [limit.reset_at for limit in limiter.current_limits if limit.breached]
    wait = timedelta(seconds=max(max(resets, default=0) - time.time(), 1))
    flash(_("Too many attempts. Try again in %(wait)s.", wait=format_timedelta(wait)), "danger")
    if request.endpoint == "auth.forgot_password":
        return render_template("auth/forgot.html", form=ForgotPasswordForm()), 429
    return render_template("auth/login.html", form=LoginForm()), 429


# --- Signing in and out ---------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    _setting("LOGIN_FAILURES_PER_ACCOUNT"),
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_sign_in_failed,
)
@limiter.limit(_setting("LOGIN_FAILURES_PER_CLIENT"), methods=["POST"], deduct_when=_sign_in_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("learn.index"))
    if request.method == "POST" and not sso.password_sign_in_allowed():
        return sso.refuse_password()
    form = LoginForm()
    if form.validate_on_submit():
        user = User.authenticate(form.email.data, form.password.data)
        if user is None:
            g.sign_in_failed = True
            sign_ins.failed(form.email.data, request.remote_addr)
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


# --- Passwords ------------------------------------------------------------------------------


def _passwords_in_use(view):
    """Password links and changes exist only while passwords sign people in: with company
    sign-in as the only way in, they answer as a password sign-in would (refused)."""

    @functools.wraps(view)
    def checked(*args, **kwargs):
        if not sso.password_sign_in_allowed():
            return sso.refuse_password()
        return view(*args, **kwargs)

    return checked


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_setting("RESET_REQUESTS_PER_ACCOUNT"), key_func=_account_key, methods=["POST"])
@limiter.limit(_setting("RESET_REQUESTS_PER_CLIENT"), methods=["POST"])
@_passwords_in_use
def forgot_password():
    """Deliberately public. The answer is the same whether the account exists or not; the
    e-mail goes out after the answer, so its time does not tell either."""
    form = ForgotPasswordForm()
    if not form.validate_on_submit():
        return render_template("auth/forgot.html", form=form)
    link_id = password_links.request_reset(form.email.data, request.remote_addr)
    lifetime = timedelta(hours=current_app.config["RESET_HOURS"])
    flash(
        _(
            "If an account matches, a link to choose a new password is on its way to its "
            "email address. The link works for %(duration)s.",
            duration=format_timedelta(lifetime),
        ),
        "info",
    )
    response = redirect(url_for("auth.login"))
    if link_id is not None:
        response.call_on_close(_send_later(link_id))
    return response


def _send_later(link_id: int):
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def send() -> None:
        with app.app_context():
            try:
                password_links.send_now(link_id)
            except Exception:  # the answer is out; the next delivery run retries it
                log.exception("password link %s not sent", link_id)

    return send


@bp.route("/password/<token>", methods=["GET", "POST"])
@_passwords_in_use
def set_password(token: str):
    """Deliberately public: the one-time link of an invitation or a password reset."""
    found = accounts.usable_link(token, utcnow())
    if found is None:
        return _link_no_longer_works()
    link, person = found
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = password_links.use(token, form.password.data)
        except Refused as refused:
            if refused.message is password_links.NO_LONGER_WORKS:
                return _link_no_longer_works()
            form.password.errors = [str(refused.message)]
        else:
            sessions.sign_in(user)
            flash(_("Your password is set, and you are signed in."), "success")
            return redirect(url_for("learn.index"))
    return render_template("auth/set_password.html", form=form, link=link, person=person)


def _link_no_longer_works():
    return render_template("auth/link_used.html", message=password_links.NO_LONGER_WORKS), 410


# --- The account page -----------------------------------------------------------------------


@bp.route("/account")
@login_required
def account():
    return _account_page(ChangePasswordForm(formdata=None))


def account_page_with(status: int):
    """The account page as it is, with another status (a refused change on it)."""
    return _account_page(ChangePasswordForm(formdata=None), status)


def _account_page(password_form: ChangePasswordForm, status: int = 200):
    page = render_template("auth/account.html", form=LogoutForm(), password_form=password_form)
    return page, status


@bp.route("/account/password", methods=["POST"])
@login_required
@_passwords_in_use
def change_password():
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return _account_page(form, 400)
    user = current_user._get_current_object()  # type: ignore[attr-defined]
    try:
        password_links.change(user, form.current.data, form.password.data)
    except Refused as refused:
        field = form.current if refused.message is password_links.WRONG_PASSWORD else form.password
        field.errors = [str(refused.message)]
        return _account_page(form, 400)
    sessions.sign_in(user)  # the new password ended every sign-in, this one too
    flash(_("Your password is changed; you are signed out on every other device."), "success")
    return redirect(url_for("auth.account"))


@bp.route("/account/sign-out-everywhere", methods=["POST"])
@login_required
def sign_out_everywhere():
    if not LogoutForm().validate_on_submit():
        return redirect(url_for("auth.account"))
    sessions.sign_out_everywhere(current_user)
    flash(_("You are signed out on every browser and device."), "info")
    return redirect(url_for("auth.login"))
