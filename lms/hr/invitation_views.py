"""Resending invitations to set a password: to one person, or to everyone not signed in yet."""

from flask import abort
from flask import flash
from flask import redirect
from flask import url_for
from flask_babel import _
from flask_login import current_user

from lms import jobs
from lms.hr import bp
from lms.hr.forms import InvitationForm
from lms.models import Role
from lms.permissions import role_required
from lms.queries import reporting
from lms.queries import transcript
from lms.services import Refused
from lms.services import password_links


@bp.route("/people/<employee_id>/invitation", methods=["POST"])
@role_required(Role.HR)
def resend_invitation(employee_id: str):
    person = transcript.find_person(reporting.scope_for(current_user), employee_id)
    if person is None:
        abort(404)
    if not InvitationForm().validate_on_submit():
        abort(400)
    try:
        link_id = password_links.resend_invitation(person, current_user)
    except Refused as refused:
        flash(str(refused.message), "warning")
    else:
        if password_links.send_now(link_id).sent:
            flash(_("Invitation sent to %(email)s.", email=person.email), "success")
        else:
            flash(_("The invitation could not be sent now; it will be retried."), "warning")
    return redirect(url_for("hr.person", employee_id=employee_id))


@bp.route("/invitations/resend", methods=["POST"])
@role_required(Role.HR)
def resend_invitations():
    if not InvitationForm().validate_on_submit():
        abort(400)
    try:
        count = password_links.resend_to_everyone(current_user)
    except Refused as refused:
        flash(str(refused.message), "warning")
    else:
        flash(
            _(
                "Invitations to send again: %(count)d. They are on their way; this page "
                "shows the delivery.",
                count=count,
            ),
            "success",
        )
        job = jobs.start("invitations", {}, current_user.id) if count else None
        if job is not None:
            return redirect(url_for("jobpages.show", job_id=job.id))
    return redirect(url_for("hr.roster_upload"))
