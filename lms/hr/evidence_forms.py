"""The form that starts a period's evidence pack."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms import SelectField
from wtforms import SubmitField
from wtforms.validators import InputRequired
from wtforms.validators import ValidationError

#: The department choice meaning "everyone".
WHOLE_COMPANY = ""


class EvidencePeriodForm(FlaskForm):
    department = SelectField(_l("Department"), default=WHOLE_COMPANY, validate_choice=True)
    issued_from = DateField(_l("Certifications issued from"), validators=[InputRequired()])
    issued_to = DateField(_l("Up to and including"), validators=[InputRequired()])
    submit = SubmitField(_l("Build the evidence pack"))

    def validate_issued_to(self, field) -> None:
        if self.issued_from.data and field.data and field.data < self.issued_from.data:
            raise ValidationError(_l("The last day must not be before the first."))
