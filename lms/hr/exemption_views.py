"""Exemptions on a person's HR page: grant one (course, reason, end date), end one early."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort
from flask import flash
from flask import redirect
from flask import url_for
from flask_babel import _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import StringField
from wtforms import SubmitField
from wtforms.validators import DataRequired
from wtforms.validators import Length

from lms.extensions import db
from lms.hr import bp
from lms.hr.forms import InvitationForm
from lms.i18n import current_language
from lms.models import Exemption
from lms.models import Role
from lms.models import User
from lms.models import utcnow
from lms.permissions import role_required
from lms.queries import audiences
from lms.queries import catalog
from lms.queries import reporting
from lms.queries import transcript
from lms.services import Refused
from lms.services import exemptions


class ExemptionForm(FlaskForm):
    course_id = SelectField(_l("Course"), validators=[DataRequired()])
    reason = StringField(
        _l("Reason"), validators=[DataRequired(_l("Give the reason.")), Length(max=500)]
    )
    ends_on = DateField(_l("Exempt until (inclusive)"), validators=[DataRequired()])
    submit = SubmitField(_l("Exempt"))


@dataclass(frozen=True)
class Panel:
    form: ExemptionForm
    running: list[Exemption]
    titles: dict[str, str]


@bp.app_context_processor
def _exemption_panel():
    """``exemption_panel(person)`` for ``hr/_exemptions.html``: the form and the running
    exemptions, read only when the person page includes it."""
    return {"exemption_panel": _panel}


def _panel(person: User) -> Panel:
    form = ExemptionForm()
    lang = current_language()
    mine = audiences.required_of(person.id, catalog.required_courses())
    titles = {
        v.course_id: catalog.course_of(v).meta.title(lang) for v in catalog.current_versions()
    }
    form.course_id.choices = [SelectChoice(c.id, titles.get(c.id, c.id)) for c in mine]
    running = list(
        db.session.scalars(
            sa.select(Exemption)
            .where(Exemption.user_id == person.id, Exemption.ends_at > utcnow())
            .order_by(Exemption.ends_at)
        )
    )
    return Panel(form, running, titles)


def _person(employee_id: str) -> User:
    person = transcript.find_person(reporting.scope_for(current_user), employee_id)
    if person is None:
        abort(404)
    return person


@bp.route("/people/<employee_id>/exemptions", methods=["POST"])
@role_required(Role.HR)
def exempt(employee_id: str):
    person = _person(employee_id)
    form = ExemptionForm()
    form.course_id.choices = [
        SelectChoice(c.id, c.id)
        for c in audiences.required_of(person.id, catalog.required_courses())
    ]
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "danger")
        return redirect(url_for("hr.person", employee_id=employee_id, _anchor="exemptions"))
    try:
        exemptions.grant(
            current_user, person, form.course_id.data, form.reason.data, form.ends_on.data
        )
    except Refused as refused:
        flash(str(refused.message), "danger")
    else:
        flash(_("Exempt until %(date)s.", date=form.ends_on.data.isoformat()), "success")
    return redirect(url_for("hr.person", employee_id=employee_id, _anchor="exemptions"))


@bp.route("/people/<employee_id>/exemptions/<int:exemption_id>/end", methods=["POST"])
@role_required(Role.HR)
def end_exemption(employee_id: str, exemption_id: int):
    person = _person(employee_id)
    if not InvitationForm().validate_on_submit():  # a button: its CSRF token only
        abort(400)
    try:
        exemptions.end(current_user, person, exemption_id)
    except Refused as refused:
        flash(str(refused.message), "warning")
    else:
        flash(_("The exemption has ended: the course is required again."), "success")
    return redirect(url_for("hr.person", employee_id=employee_id, _anchor="exemptions"))
