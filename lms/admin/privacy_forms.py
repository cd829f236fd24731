"""The erasure form on an admin's person page: the employee id typed to confirm."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import Length


class EraseForm(FlaskForm):
    confirmation = StringField(
        _l("Type the person's employee ID to confirm"), validators=[DataRequired(), Length(max=64)]
    )
    deactivate = BooleanField(_l("Deactivate them first (they have left the company)"))
