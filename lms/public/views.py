"""Pages anyone may open: the language switcher and the health check."""

from flask import redirect
from flask import session
from flask import url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField

from lms.extensions import db
from lms.i18n import supported
from lms.public import bp
from lms.security import local_path_or


class LanguageForm(FlaskForm):
    lang = StringField()
    next = StringField()


@bp.route("/")
def home():
    return redirect(url_for("learn.index"))


@bp.route("/language", methods=["POST"])
def set_language():
    """Switch the UI language; for a signed-in user it becomes their preference."""
    form = LanguageForm()
    lang = supported(form.lang.data) if form.validate_on_submit() else None
    if lang:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.preferred_language = lang
            db.session.commit()
    return redirect(local_path_or(form.next.data, url_for("public.home")))


@bp.route("/healthz")
def health():
    return {"status": "ok"}
