"""The API token forms: create a token (name, what it opens, its rate limit), revoke one."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms import SubmitField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput
from wtforms.widgets import ListWidget

from lms.models.api_token import DEFAULT_SCOPE
from lms.services import Refused
from lms.services import api_tokens
from lms.services.api_tokens import MAX_NAME
from lms.services.api_tokens import MAX_RATE_LIMIT

#: What each scope opens, as the form offers them and the list names them.
SCOPE_NAMES = {
    "clearance:read": _l("clearance:read: read who is cleared (/api/v1)"),
    "scim": _l("scim: provision people and groups (/scim/v2)"),
    "webhooks": _l("webhooks: manage webhooks"),
}


def _at_least_one(_form, field) -> None:
    if not field.data:
        raise ValidationError(_l("Choose at least one."))


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name of the system that will use it"),
        validators=[DataRequired(), Length(max=MAX_NAME)],
    )
    scopes = SelectMultipleField(
        _l("What it opens"),
        choices=[SelectChoice(value, label) for value, label in SCOPE_NAMES.items()],
        default=[DEFAULT_SCOPE],
        validators=[_at_least_one],  # not DataRequired: it marks every box "required"
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    rate_limit = StringField(_l("Rate limit (optional)"), validators=[Length(max=MAX_RATE_LIMIT)])
    submit = SubmitField(_l("Create token"))

    def validate_rate_limit(self, field) -> None:
        try:
            api_tokens.check_rate_limit(field.data)
        except Refused as refused:
            raise ValidationError(str(refused.message)) from None


class RevokeTokenForm(FlaskForm):
    submit = SubmitField(_l("Revoke"))
