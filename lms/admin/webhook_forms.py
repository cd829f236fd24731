"""The webhook forms: an endpoint (URL, events, description, private addresses), and the
buttons that change one (each a form of its own, for its CSRF token)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import SelectChoice
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms import SubmitField
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput
from wtforms.widgets import ListWidget

from lms.rules import webhooks as rules
from lms.services.webhooks import MAX_DESCRIPTION

#: What each event an endpoint may hear means, as the form offers them.
EVENT_NAMES = {
    "clearance.changed": _l("Clearance changed: someone becomes cleared, or stops being cleared"),
    "certification.issued": _l("Certification issued: someone passed a course"),
    "certification.expired": _l("Certification expired"),
    "certification.revoked": _l("Certification revoked"),
    "person.deactivated": _l("Person deactivated: someone left"),
}
assert set(EVENT_NAMES) == set(rules.EVENTS)


class EndpointForm(FlaskForm):
    url = StringField(
        _l("URL"),
        validators=[
            DataRequired(_l("Enter the URL that receives the events.")),
            Length(
                max=rules.MAX_URL,
                message=_l("The URL is too long: at most %(n)d characters.", n=rules.MAX_URL),
            ),
        ],
    )
    description = StringField(
        _l("Description (optional)"),
        validators=[
            Length(
                max=MAX_DESCRIPTION,
                message=_l(
                    "The description is too long: at most %(n)d characters.", n=MAX_DESCRIPTION
                ),
            )
        ],
    )
    events = SelectMultipleField(
        _l("Events it hears about"),
        choices=[SelectChoice(value, label) for value, label in EVENT_NAMES.items()],
        validators=[DataRequired(_l("Choose at least one event."))],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    allow_private = BooleanField(_l("Allow private network addresses"))
    submit = SubmitField(_l("Save"))


class ButtonForm(FlaskForm):
    """A button that changes something (enable, disable, new secret, delete, send again):
    nothing to fill in but the CSRF token."""

    submit = SubmitField(_l("Confirm"))
