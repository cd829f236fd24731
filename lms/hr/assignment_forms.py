"""The assignment-rule form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import DateField
from wtforms import IntegerField
from wtforms import RadioField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import StringField
from wtforms import SubmitField
from wtforms.validators import DataRequired
from wtforms.validators import NumberRange
from wtforms.validators import Optional


class AssignmentRuleForm(FlaskForm):
    course_id = SelectField(_l("Course"), validators=[DataRequired()])
    scope_kind = RadioField(
        _l("Who must take it"),
        default="all",
        choices=[
            SelectChoice("all", _l("Everyone")),
            SelectChoice("department", _l("A department")),
            SelectChoice("country", _l("A country")),
            SelectChoice("role", _l("A role")),
            SelectChoice("group", _l("A group from the identity provider")),
        ],
    )
    scope_value = StringField(
        _l("Department, country code, role or group"),
        validators=[Optional()],
        description=_l(
            "Leave empty for everyone. Countries are two-letter codes, e.g. DE. "
            "Groups by their name, e.g. Sales EMEA."
        ),
    )
    due_kind = RadioField(
        _l("When it is due"),
        default="after_assignment",
        choices=[
            SelectChoice("date", _l("On a fixed date")),
            SelectChoice("after_assignment", _l("N days after assignment")),
            SelectChoice("after_hire", _l("N days after the hire date")),
        ],
    )
    due_date = DateField(_l("Due date"), validators=[Optional()])
    due_days = IntegerField(
        _l("Number of days (N)"), default=30, validators=[Optional(), NumberRange(min=1, max=3650)]
    )
    required = BooleanField(
        _l("Required for clearance"),
        default=True,
        description=_l(
            "The course counts towards the clearance of the people this rule names (its "
            "audience), and only theirs. Everyone in it is enrolled now and invited by e-mail."
        ),
    )
    recertify = RadioField(
        _l("Recertification"),
        default="rolling",
        choices=[
            SelectChoice("rolling", _l("After the course's validity period")),
            SelectChoice("month", _l("Every year in a month (expires at its end)")),
            SelectChoice("day", _l("Every year on a fixed day")),
        ],
    )
    recertify_month = SelectField(
        _l("Month"), coerce=int, default=1, choices=[SelectChoice(m, str(m)) for m in range(1, 13)]
    )
    recertify_day = IntegerField(
        _l("Day of the month"), validators=[Optional(), NumberRange(min=1, max=31)]
    )
    submit = SubmitField(_l("Save and assign"))


class DeactivateForm(FlaskForm):
    """A button: only its CSRF token is checked."""

    submit = SubmitField(_l("Stop applying"))
