"""HR and admins on one person's certifications: anyone's certificate as PDF, and
revoking a certification with a reason (``lms.services.certifications.revoke``)."""

from flask import Response
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import request
from flask import url_for
from flask_babel import _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import Length

from lms.extensions import db
from lms.hr import bp
from lms.i18n import supported
from lms.models import Certification
from lms.models import Role
from lms.models import User
from lms.permissions import role_required
from lms.queries import certificate
from lms.services import Refused
from lms.services import certifications
from lms.services.certifications import MAX_REASON


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (kept in the audit trail, never shown publicly)"),
        validators=[
            DataRequired(_l("Say why the certification is revoked.")),
            Length(
                max=MAX_REASON,
                message=_l("Keep the reason under %(count)d characters.", count=MAX_REASON),
            ),
        ],
    )


@bp.route("/certifications/<int:certification_id>/certificate.pdf")
@role_required(Role.HR)
def certificate_pdf(certification_id: int):
    """In ``?lang=`` if given, else in the holder's language."""
    cert = db.session.get(Certification, certification_id) or abort(404)
    holder = db.session.get_one(User, cert.user_id)
    lang = (
        supported(request.args.get("lang"))
        or supported(holder.preferred_language)
        or current_app.config["BABEL_DEFAULT_LOCALE"]
    )
    response = Response(certificate.render_pdf(cert, lang), mimetype="application/pdf")
    disposition = f'attachment; filename="{certificate.filename(cert)}"'
    response.headers["Content-Disposition"] = disposition
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/certifications/<int:certification_id>/revoke", methods=["POST"])
@role_required(Role.HR)
def revoke_certification(certification_id: int):
    cert = db.session.get(Certification, certification_id) or abort(404)
    holder = db.session.get_one(User, cert.user_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        if "csrf_token" in form and form.csrf_token.errors:
            abort(400)  # not a form HR sent from the person's page
        flash(" ".join(str(e) for e in form.reason.errors), "warning")
    else:
        try:
            certifications.revoke(cert, current_user, form.reason.data)
        except Refused as refused:
            flash(str(refused.message), "warning")
        else:
            flash(_("The certification was revoked."), "success")
    return redirect(url_for("hr.person", employee_id=holder.employee_id) + "#certificates")
