"""HR's "Send a reminder now" on a person's page (``hr/_remind_now.html``)."""

from flask import abort
from flask import flash
from flask import redirect
from flask import url_for
from flask_babel import _
from flask_login import current_user
from flask_wtf import FlaskForm

from lms.hr import bp
from lms.models import Role
from lms.permissions import role_required
from lms.queries import people
from lms.services import Refused
from lms.services import reminders


@bp.route("/people/<employee_id>/remind", methods=["POST"])
@role_required(Role.HR)
def remind_now(employee_id: str):
    person = people.person(employee_id)
    if person is None:
        abort(404)
    back = redirect(url_for("hr.person", employee_id=person.employee_id))
    if not FlaskForm().validate_on_submit():
        flash(_("The form expired; nothing was sent. Try again."), "danger")
        return back
    try:
        row = reminders.remind_now(person, by=current_user._get_current_object())  # type: ignore[attr-defined]
    except Refused as refused:
        flash(str(refused.message), "warning")
        return back
    if row.status == "sent":
        flash(_("A reminder was sent to %(name)s.", name=person.name), "success")
    else:
        flash(
            _(
                "The reminder to %(name)s could not be sent yet; it will be retried.",
                name=person.name,
            ),
            "warning",
        )
    return back
