"""Erasure from an admin's person page (``POST /admin/people/<employee id>/erase``) and
the retention periods (``/admin/retention``, read-only: they are set in the
configuration). See docs/privacy.md."""

from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import _
from flask_login import current_user

from lms.admin import bp
from lms.admin.privacy_forms import EraseForm
from lms.models import Role
from lms.permissions import role_required
from lms.queries import people
from lms.services import Refused
from lms.services import erasure
from lms.services import retention


@bp.route("/people/<employee_id>/erase", methods=["POST"])
@role_required(Role.ADMIN)
def erase(employee_id: str):
    user = people.person(employee_id)
    if user is None:
        abort(404)
    back = url_for("admin.person", employee_id=user.employee_id)
    form = EraseForm()
    if not form.validate_on_submit():
        flash(_("The form expired or was incomplete; nothing changed. Try again."), "danger")
        return redirect(back)
    if (form.confirmation.data or "").strip() != user.employee_id:
        flash(_("The employee ID typed does not match; nothing was erased."), "danger")
        return redirect(back)
    try:
        erased = erasure.erase(
            user, actor=current_user, deactivate=form.deactivate.data, via="admin"
        )
    except Refused as refused:
        flash(str(refused.message), "danger")
        return redirect(back)
    if erased:
        flash(_("The person's personal data was erased; their records stay, by id."), "success")
    else:
        flash(_("This person was erased already; nothing changed."), "info")
    return redirect(url_for("admin.person", employee_id=user.employee_id))


@bp.route("/retention")
@role_required(Role.ADMIN)
def retention_periods():
    config = current_app.config
    rows = [(p.kind, p.setting, config[p.setting], p.what, p.why) for p in retention.POLICIES]
    return render_template(
        "admin/retention.html",
        rows=rows,
        evidence=retention.EVIDENCE,
        evidence_years=config["RETENTION_EVIDENCE_YEARS"],
        webhook_days=config["WEBHOOKS_LOG_DAYS"],
        schedule=config["JOBS_RETENTION_SCHEDULE"],
    )
