"""The learner's forms. Every form carries a CSRF token (Flask-WTF)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import HiddenField
from wtforms import StringField
from wtforms import SubmitField
from wtforms.validators import DataRequired
from wtforms.validators import Length

from lms.services.attestation import MAX_NAME


class AffirmForm(FlaskForm):
    """The written attestation: the box ticked and the learner's full name typed."""

    #: The language of the statement the page showed, so the one stored is the same.
    lang = HiddenField()
    affirm = BooleanField(
        _l("I affirm the statement above."),
        validators=[DataRequired(_l("Tick the box to affirm the statement."))],
    )
    name = StringField(
        _l("Your full name"),
        validators=[
            DataRequired(_l("Type your full name to sign.")),
            Length(max=MAX_NAME, message=_l("A name has at most %(max)d characters.")),
        ],
    )
    submit = SubmitField(_l("Affirm and receive my certification"))
