"""The role forms: grant a role (a lead with the departments they lead), revoke one."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import SubmitField
from wtforms.validators import DataRequired
from wtforms.widgets import CheckboxInput
from wtforms.widgets import ListWidget

from lms.models import Role

#: The grantable roles' short names, for lists and messages.
ROLE_NAMES = {
    Role.ADMIN.value: _l("Admin"),
    Role.HR.value: _l("HR"),
    Role.LEAD.value: _l("Lead"),
    Role.MARKETING.value: _l("Marketing"),
}
#: What each role may do, as the grant form offers them.
ROLE_CHOICES = {
    Role.HR.value: _l("HR: roster, assignments, reports, audit trail"),
    Role.LEAD.value: _l("Lead: reports on the departments they lead"),
    Role.MARKETING.value: _l("Marketing: writes and publishes courses"),
    Role.ADMIN.value: _l("Admin: everything, including roles"),
}


class GrantForm(FlaskForm):
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice(value, label) for value, label in ROLE_CHOICES.items()],
        validators=[DataRequired()],
    )
    departments = SelectMultipleField(
        _l("Departments they lead (for a lead)"),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    submit = SubmitField(_l("Grant"))

    def __init__(self, departments: list[str], **kwargs):
        super().__init__(**kwargs)
        self.departments.choices = [SelectChoice(d, d) for d in departments]


class RevokeForm(FlaskForm):
    role = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Revoke"))
