"""Forms for acting on people: one person (their page) or everyone a search finds."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms import RadioField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import SubmitField
from wtforms.validators import DataRequired
from wtforms.validators import Optional


class AssignCourseForm(FlaskForm):
    course_id = SelectField(_l("Course"), validators=[DataRequired(_l("Choose a course."))])
    due_date = DateField(_l("Due date"), validators=[DataRequired(_l("Give the due date."))])
    submit = SubmitField(_l("Assign the course"))


class ExtendDueForm(FlaskForm):
    course_id = SelectField(_l("Enrolment"), validators=[DataRequired(_l("Choose a course."))])
    due_date = DateField(_l("New due date"), validators=[DataRequired(_l("Give the due date."))])
    submit = SubmitField(_l("Extend the due date"))


class BulkActionForm(FlaskForm):
    """What to do to everyone found; the search itself travels in the URL's query."""

    action = RadioField(
        _l("Action"),
        validators=[DataRequired(_l("Choose an action."))],
        choices=[
            SelectChoice("assign", _l("Assign a course")),
            SelectChoice("extend", _l("Extend the due date of a course")),
            SelectChoice("resend", _l("Send the invitation again (people without a password)")),
        ],
    )
    course_id = SelectField(_l("Course"), validators=[Optional()])
    due_date = DateField(_l("Due date"), validators=[Optional()])
    submit = SubmitField(_l("Start"))
