"""The company settings form: one field per key of lms.content.company."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms import SubmitField
from wtforms.validators import Length

from lms.content import company


class CompanyForm(FlaskForm):
    """Every company setting; an empty field clears the value (its default applies)."""

    submit = SubmitField(_l("Save the company settings"))

    def setting_fields(self):
        return [(setting, self[setting.key]) for setting in company.SETTINGS]

    def values(self) -> dict[str, str]:
        return {setting.key: field.data or "" for setting, field in self.setting_fields()}


for _setting in company.SETTINGS:
    setattr(
        CompanyForm,
        _setting.key,
        StringField(
            _l(_setting.label),
            validators=[
                Length(
                    max=company.MAX_VALUE,
                    message=_l("Enter at most %(max)d characters.", max=company.MAX_VALUE),
                )
            ],
        ),
    )
