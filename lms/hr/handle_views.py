"""``/hr/handles``: the social media handles employees registered, for HR and marketing to
search and, when a claim is wrong, remove (with a reason the audit trail keeps); and
``/hr/handles/lookups``: how often the public check was asked, per day and platform."""

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired
from wtforms.validators import Length

from lms.hr import bp
from lms.models import Role
from lms.models import utcnow
from lms.permissions import role_required
from lms.queries import handles as read
from lms.services import Refused
from lms.services import handles
from lms.services.handles import MAX_REASON
from lms.services.handles import PLATFORM_NAMES

PER_PAGE = 50
#: Days of lookup counts shown.
LOOKUP_DAYS = 30


class RemoveHandleForm(FlaskForm):
    reason = StringField(
        _l("Reason for removing it"), validators=[InputRequired(), Length(max=MAX_REASON)]
    )


@bp.route("/handles")
@role_required(Role.HR, Role.MARKETING)
def handles_index():
    query = request.args.get("q", "").strip()[: read.MAX_QUERY]
    page = max(1, request.args.get("page", 1, type=int) or 1)
    return render_template(
        "hr/handles.html",
        query=query,
        listing=read.search(query, page, PER_PAGE),
        form=RemoveHandleForm(),
        platform_names=PLATFORM_NAMES,
    )


@bp.route("/handles/<int:handle_id>/remove", methods=["POST"])
@role_required(Role.HR, Role.MARKETING)
def remove_handle(handle_id: int):
    form = RemoveHandleForm()
    if form.is_submitted() and not form.validate() and "csrf_token" in form.errors:
        abort(400)  # a forged request changes nothing
    try:
        handles.remove(handle_id, current_user, form.reason.data or "")
    except Refused as refused:
        flash(str(refused.message), "danger")
    else:
        flash(_("Handle removed; the public check no longer vouches for it."), "success")
    return redirect(url_for("hr.handles_index", q=request.args.get("q") or None))


@bp.route("/handles/lookups")
@role_required(Role.HR, Role.MARKETING)
def handle_lookups():
    today = utcnow().date()
    return render_template(
        "hr/handle_lookups.html",
        rows=read.lookup_counts(LOOKUP_DAYS, today),
        days=LOOKUP_DAYS,
        platform_names=PLATFORM_NAMES,
    )
