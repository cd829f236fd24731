"""The time zone on the account page (``auth/_time_zone.html``): times are shown in it."""

from functools import cache
from zoneinfo import available_timezones

from flask import flash
from flask import redirect
from flask import request
from flask import url_for
from flask_babel import _
from flask_login import current_user
from flask_login import login_required
from flask_wtf import FlaskForm

from lms.auth import bp
from lms.auth import views
from lms.services import Refused
from lms.services import users


@cache
def _zones() -> tuple[str, ...]:
    # Region/City names only: the aliases ("Etc/GMT+3", "US/Pacific") confuse more than help.
    return tuple(sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/")))


@bp.app_context_processor
def _time_zone_choices():
    return {"time_zone_choices": _zones}


@bp.route("/account/time-zone", methods=["POST"])
@login_required
def set_time_zone():
    if not FlaskForm().validate_on_submit():
        flash(_("The form expired; nothing changed. Try again."), "danger")
        return redirect(url_for("auth.account"))
    chosen = (request.form.get("time_zone") or "").strip()
    try:
        users.set_time_zone(current_user._get_current_object(), chosen or None)  # type: ignore[attr-defined]
    except Refused as refused:
        flash(str(refused.message), "danger")
        return views.account_page_with(400)
    if chosen:
        flash(_("Times are now shown in the time zone %(zone)s.", zone=chosen), "success")
    else:
        flash(_("Times are now shown in the company's time zone."), "success")
    return redirect(url_for("auth.account"))
