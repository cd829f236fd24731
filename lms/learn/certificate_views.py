"""A learner's own certificates, as PDF, in the language they read the site in."""

from flask import Response
from flask import abort
from flask_login import current_user

from lms.extensions import db
from lms.i18n import current_language
from lms.learn import bp
from lms.models import Certification
from lms.permissions import employee_required
from lms.queries import certificate


@bp.route("/certifications/<int:certification_id>/certificate.pdf")
@employee_required
def certificate_pdf(certification_id: int):
    """Only the holder's own certificate; anyone else's is "not found", as if unknown."""
    cert = db.session.get(Certification, certification_id)
    if cert is None or cert.user_id != current_user.id:
        abort(404)
    body = certificate.render_pdf(cert, current_language())
    response = Response(body, mimetype="application/pdf")
    disposition = f'attachment; filename="{certificate.filename(cert)}"'
    response.headers["Content-Disposition"] = disposition
    response.headers["Cache-Control"] = "private, no-store"
    return response
