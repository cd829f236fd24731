"""``/admin/scim-push``: where the cleared people are pushed over SCIM, and how it went
(last success, last error, changes waiting); buttons to push or compare the whole group
now. The settings themselves live in the deployment (``LMS_SCIM_PUSH_URL``, …)."""

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import _
from flask_login import current_user
from flask_wtf import FlaskForm

from lms import jobs
from lms.admin import bp
from lms.models import Role
from lms.permissions import role_required
from lms.queries import scim_push as read


class RunForm(FlaskForm):
    """A button that starts a job: only its CSRF token is checked."""


@bp.route("/scim-push")
@role_required(Role.ADMIN)
def scim_push():
    return render_template("admin/scim_push.html", status=read.status(), form=RunForm())


@bp.route("/scim-push/push", defaults={"what": "push"}, methods=["POST"])
@bp.route("/scim-push/reconcile", defaults={"what": "reconcile"}, methods=["POST"])
@role_required(Role.ADMIN)
def scim_push_run(what: str):
    if not RunForm().validate_on_submit():
        abort(400)
    if not read.configured_url():
        flash(_("The SCIM push is off: set SCIM_PUSH_URL (and SCIM_PUSH_TOKEN)."), "warning")
        return redirect(url_for("admin.scim_push"))
    kind = "scim_push" if what == "push" else "scim_reconcile"
    job = jobs.start(kind, {}, current_user.id)
    assert job is not None, "a job without a key is always created"
    return redirect(url_for("jobpages.show", job_id=job.id))
