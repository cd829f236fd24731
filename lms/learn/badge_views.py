"""``/training/certifications/<id>/badge.jwt``: a certification as a signed Open Badges
3.0 credential (VC-JWT), for its holder to put in a wallet; HR and admins may download
anyone's."""

from flask import Response
from flask import abort
from flask import flash
from flask import redirect
from flask import url_for
from flask_login import current_user

from lms.extensions import db
from lms.learn import bp
from lms.models import Certification
from lms.models import Role
from lms.permissions import employee_required
from lms.queries import open_badges
from lms.services import Refused
from lms.services import signing_keys


@bp.route("/certifications/<int:certification_id>/badge.jwt")
@employee_required
def badge(certification_id: int):
    cert = db.session.get(Certification, certification_id)
    if cert is None:
        abort(404)
    if cert.user_id != current_user.id and not current_user.has_role(Role.ADMIN, Role.HR):
        abort(404)  # not yours: the same answer as no such certification
    try:
        token = signing_keys.sign(open_badges.jwt_claims(cert))
    except Refused as refused:
        flash(str(refused.message), "warning")
        return redirect(url_for("learn.index"))
    filename = f"{cert.course_id}-{cert.version}-badge.jwt"
    return Response(
        token,
        mimetype="application/vc+jwt",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
