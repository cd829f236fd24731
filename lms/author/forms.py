"""Authoring forms. Every form carries a CSRF token (Flask-WTF)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed
from flask_wtf.file import FileField
from flask_wtf.file import FileRequired
from wtforms import BooleanField
from wtforms import HiddenField
from wtforms import IntegerField
from wtforms import RadioField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import StringField
from wtforms import SubmitField
from wtforms import TextAreaField
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional

from lms.services.authoring import MAX_GRACE_DAYS


class ActionForm(FlaskForm):
    """A button that changes state: only its CSRF token is checked."""


class EditFileForm(FlaskForm):
    text = TextAreaField(_l("Markdown"))
    #: The fingerprint of the file as it was opened, to notice someone else's save.
    base = HiddenField()
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save draft"))
    save_current = SubmitField(_l("Save and mark as current translation"))


class PublishForm(FlaskForm):
    kind = RadioField(
        _l("What kind of change is this?"),
        choices=[
            SelectChoice("minor", _l("Minor: wording fixes. Certifications stay valid.")),
            SelectChoice("major", _l("Major: the policy changed. Everyone must recertify.")),
        ],
        validators=[InputRequired(_l("Choose minor or major."))],
    )
    grace_days = IntegerField(
        _l("Grace period for a major version (days)"),
        validators=[
            Optional(),
            NumberRange(
                0,
                MAX_GRACE_DAYS,
                _l("Enter a number of days from 0 to %(max)d.", max=MAX_GRACE_DAYS),
            ),
        ],
    )
    accept_behind = BooleanField(
        _l(
            "Publish the major version anyway: learners of these languages read the "
            "source-language text of these items until their translations are updated."
        )
    )
    submit = SubmitField(_l("Publish"))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Optional() ends the field's own checks when it is empty, so check here.
        if valid and self.kind.data == "major" and self.grace_days.data is None:
            self.grace_days.errors = [_l("Enter how many days people have to recertify.")]
            return False
        return valid


class RollbackForm(PublishForm):
    submit = SubmitField(_l("Publish this content again"))


class AddLanguageForm(FlaskForm):
    lang = StringField(
        _l("Language code"),
        validators=[InputRequired(_l("Enter a language code.")), Length(max=16)],
    )
    submit = SubmitField(_l("Add the language"))


class GiftUploadForm(FlaskForm):
    file = FileField(
        _l("GIFT file"),
        validators=[
            FileRequired(_l("Choose a GIFT file.")),
            FileAllowed(["gift", "txt"], _l("Upload a GIFT file (.gift or .txt).")),
        ],
    )
    lang = SelectField(_l("Language of the questions"))
    title = StringField(
        _l("Quiz title"), validators=[InputRequired(_l("Enter the quiz title.")), Length(max=200)]
    )
    pool = IntegerField(
        _l("Questions drawn per attempt (optional)"),
        validators=[Optional(), NumberRange(min=1, message=_l("Enter 1 or more."))],
    )
    submit = SubmitField(_l("Convert"))


class AikenUploadForm(GiftUploadForm):
    file = FileField(
        _l("Aiken file"),
        validators=[
            FileRequired(_l("Choose an Aiken file.")),
            FileAllowed(["txt", "aiken"], _l("Upload an Aiken file (.txt or .aiken).")),
        ],
    )


class GiftSaveForm(FlaskForm):
    lang = HiddenField(validators=[InputRequired()])
    markdown = TextAreaField(_l("The converted quiz"), validators=[InputRequired()])
    save = SubmitField(_l("Save into the draft"))
    download = SubmitField(_l("Download the quiz"))
