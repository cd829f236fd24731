"""``/jobs/<id>/file``: the file a job produced (an evidence pack), sent from the
database in chunks, so any app server can send what any worker wrote."""

from flask import Response
from flask import abort
from flask import stream_with_context
from flask_login import current_user

from lms.jobpages import bp
from lms.jobpages.views import _visible_kinds
from lms.models import Role
from lms.permissions import role_required
from lms.queries import job_files
from lms.queries import jobs as job_reads
from lms.services import evidence


@bp.route("/<int:job_id>/file")
@role_required(Role.HR, Role.MARKETING)
def file(job_id: int):
    job = job_reads.get(job_id) or abort(404)
    kinds = _visible_kinds()
    if job.started_by_id != current_user.id and kinds is not None and job.kind not in kinds:
        abort(403)
    name = (job.result or {}).get("file")
    if job.status != "succeeded" or not name or not job_files.exists(job.id):
        abort(404)
    if job.kind == "evidence_pack":
        evidence.downloaded(job, current_user)
    response = Response(stream_with_context(job_files.chunks(job.id)), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    if "bytes" in job.result:
        response.headers["Content-Length"] = str(job.result["bytes"])
    return response
