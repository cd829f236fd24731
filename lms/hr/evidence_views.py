"""Evidence packs for auditors (HR and admins): one certification's, one person's, or a
department's certifications in a period (a job, downloaded from its page)."""

from collections.abc import Iterator
from typing import IO

from flask import Response
from flask import abort
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import _
from flask_babel import get_locale
from flask_login import current_user

from lms import jobs
from lms.extensions import db
from lms.hr import bp
from lms.hr.evidence_forms import WHOLE_COMPANY
from lms.hr.evidence_forms import EvidencePeriodForm
from lms.models import Certification
from lms.models import Role
from lms.models import User
from lms.models import utcnow
from lms.permissions import role_required
from lms.queries import evidence
from lms.queries.evidence import records
from lms.services import evidence as evidence_log


@bp.route("/certifications/<int:certification_id>/evidence.zip")
@role_required(Role.HR)
def certification_evidence(certification_id: int):
    certification = db.session.get(Certification, certification_id) or abort(404)
    person = db.session.get_one(User, certification.user_id)
    selection = evidence.Selection("certification", certification_id=certification_id)
    name = f"evidence-{person.employee_id}-{certification.course_id}-{certification.version}.zip"
    return _send(selection, person, name)


@bp.route("/people/<employee_id>/evidence.zip")
@role_required(Role.HR)
def person_evidence(employee_id: str):
    person = db.session.scalar(db.select(User).where(User.employee_id == employee_id)) or abort(404)
    selection = evidence.Selection("person", user_id=person.id)
    return _send(selection, person, f"evidence-{person.employee_id}.zip")


def _send(selection: evidence.Selection, person: User, name: str):
    out = evidence_log.export(selection, current_user, person, utcnow(), str(get_locale()))
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in name)
    response = Response(_read(out), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{safe}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _read(out: IO[bytes]) -> Iterator[bytes]:
    """The built ZIP in blocks; the temporary file goes once it is sent."""
    try:
        while block := out.read(256 * 1024):
            yield block
    finally:
        out.close()


@bp.route("/evidence", methods=["GET", "POST"])
@role_required(Role.HR)
def evidence_period():
    form = EvidencePeriodForm()
    form.department.choices = [(WHOLE_COMPANY, _("The whole company"))] + [
        (d, d) for d in records.departments()
    ]
    if form.validate_on_submit():
        params = {
            "department": form.department.data or None,
            "from": form.issued_from.data.isoformat(),
            "to": form.issued_to.data.isoformat(),
        }
        job = jobs.start("evidence_pack", params, current_user.id)
        return redirect(url_for("jobpages.show", job_id=job.id))
    status = 400 if form.errors else 200
    return render_template("hr/evidence.html", form=form), status
