"""The roster import: upload a CSV, review the preview, apply it."""

from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import _
from flask_babel import format_decimal
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from lms import jobs
from lms.extensions import db
from lms.hr import bp
from lms.hr.forms import ApplyForm
from lms.hr.forms import RosterUploadForm
from lms.models import Role
from lms.models import RosterUpload
from lms.permissions import role_required
from lms.services import roster
from lms.services import roster_retention

#: The preview lists this many bad rows, and this many people per kind of change.
MAX_PROBLEMS_SHOWN = 500
SAMPLE_SIZE = 100


@bp.route("/roster", methods=["GET", "POST"])
@role_required(Role.HR)
def roster_upload():
    form = RosterUploadForm()
    if form.validate_on_submit():
        file = form.file.data
        upload = roster.store_upload(file.read(), file.filename or "", current_user.id)
        return redirect(url_for("hr.roster_preview", upload_id=upload.id))
    return render_template(
        "hr/roster.html",
        form=form,
        uploads=roster.recent_uploads(),
        retention_days=roster_retention.retention_days(),
    )


@bp.route("/roster/uploads/<int:upload_id>")
@role_required(Role.HR)
def roster_preview(upload_id: int):
    upload = db.session.get(RosterUpload, upload_id) or abort(404)
    preview = None
    if upload.applied_at is None:
        preview = roster.check(upload.content, _languages(), upload.filename)
    form = ApplyForm(fingerprint=preview.fingerprint if preview else "")
    return render_template(
        "hr/preview.html",
        upload=upload,
        preview=preview,
        form=form,
        max_problems=MAX_PROBLEMS_SHOWN,
        sample=SAMPLE_SIZE,
    )


@bp.route("/roster/uploads/<int:upload_id>/apply", methods=["POST"])
@role_required(Role.HR)
def roster_apply(upload_id: int):
    db.session.get(RosterUpload, upload_id) or abort(404)
    form = ApplyForm()
    if not form.validate_on_submit():
        abort(400)
    # 100,000 rows take longer than a request may: a job applies it (re-checking the file
    # against the accounts as they are then), and HR follows it on its page.
    params = {"upload_id": upload_id, "fingerprint": form.fingerprint.data}
    job = jobs.start("roster_apply", params, current_user.id)
    return redirect(url_for("jobpages.show", job_id=job.id))


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    if request.endpoint != "hr.roster_upload":
        return render_template("errors/error.html", error=error), error.code
    megabytes = round(current_app.config["MAX_CONTENT_LENGTH"] / (1024 * 1024), 1)
    flash(
        _("The file is too large: the limit is %(size)s MB.", size=format_decimal(megabytes)),
        "danger",
    )
    return redirect(url_for("hr.roster_upload"))


def _languages() -> list[str]:
    return current_app.config["LANGUAGES"]
