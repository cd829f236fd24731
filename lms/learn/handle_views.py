"""``/training/handles``: the social media accounts an employee uses for work.

Registered here, a handle can be checked by anyone on the public page ("is @name on
LinkedIn a cleared representative?"); the answer shows the display name chosen here.
Each person sees and removes only their own.
"""

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import StringField
from wtforms.validators import InputRequired
from wtforms.validators import Length

from lms.learn import bp
from lms.permissions import employee_required
from lms.queries import handles as read
from lms.rules.handles import MAX_LENGTH
from lms.rules.handles import PLATFORMS
from lms.services import Refused
from lms.services import handles
from lms.services.handles import MAX_DISPLAY_NAME
from lms.services.handles import PLATFORM_NAMES


class HandleForm(FlaskForm):
    platform = SelectField(
        _l("Platform"),
        choices=[SelectChoice(key, PLATFORM_NAMES[key]) for key in PLATFORMS],
        validators=[InputRequired()],
    )
    handle = StringField(
        _l("Handle or profile address"),
        validators=[InputRequired(), Length(max=2 * MAX_LENGTH)],
        description=_l("For example @name, or https://x.com/name."),
    )
    display_name = StringField(
        _l("Name shown on the public check"),
        validators=[InputRequired(), Length(max=MAX_DISPLAY_NAME)],
        description=_l("Anyone who checks this handle sees this name, nothing else about you."),
    )


class RemoveForm(FlaskForm):
    """The remove button: only its CSRF token is checked."""


@bp.route("/handles", methods=["GET", "POST"])
@employee_required
def handles_page():
    form = HandleForm()
    if not form.is_submitted():
        form.display_name.data = current_user.name
    elif form.validate():
        try:
            handles.register(
                current_user, form.platform.data, form.handle.data, form.display_name.data
            )
        except Refused as refused:
            form.handle.errors = [str(refused.message)]
        else:
            flash(_("Handle registered."), "success")
            return redirect(url_for("learn.handles_page"))
    status = 400 if form.errors else 200
    page = render_template(
        "learn/handles.html",
        form=form,
        remove_form=RemoveForm(),
        handles=read.of_person(current_user.id),
        platform_names=PLATFORM_NAMES,
    )
    return page, status


@bp.route("/handles/<int:handle_id>/remove", methods=["POST"])
@employee_required
def remove_handle(handle_id: int):
    if not RemoveForm().validate_on_submit():
        abort(400)  # no valid CSRF token: a forged request changes nothing
    try:
        handles.remove_own(current_user, handle_id)
    except Refused as refused:
        flash(str(refused.message), "warning")
    else:
        flash(_("Handle removed."), "success")
    return redirect(url_for("learn.handles_page"))
