from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed
from flask_wtf.file import FileField
from flask_wtf.file import FileRequired
from wtforms import HiddenField
from wtforms import SubmitField


class RosterUploadForm(FlaskForm):
    file = FileField(
        _l("Roster file (CSV)"),
        validators=[
            FileRequired(_l("Choose a CSV file.")),
            FileAllowed(["csv", "txt", "tsv"], _l("Upload a CSV file (.csv, .txt or .tsv).")),
        ],
    )
    submit = SubmitField(_l("Check the file"))


class ApplyForm(FlaskForm):
    """Applying a checked upload; ``fingerprint`` ties it to the preview that was seen."""

    fingerprint = HiddenField()
    submit = SubmitField(_l("Apply these changes"))


class InvitationForm(FlaskForm):
    """Resending invitations: a POST with a CSRF token (the pages render ``csrf_token()``)."""
