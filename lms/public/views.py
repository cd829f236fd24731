"""Pages anyone may open: the public guidelines, the language switcher, the health check."""

from flask import abort
from flask import current_app
from flask import redirect
from flask import render_template
from flask import session
from flask import url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField

from lms import servers
from lms.extensions import limiter
from lms.i18n import content_language
from lms.i18n import current_language
from lms.i18n import match_language
from lms.i18n import supported
from lms.public import bp
from lms.queries import catalog
from lms.security import local_path_or
from lms.services import users


class LanguageForm(FlaskForm):
    lang = StringField()
    next = StringField()


@bp.route("/")
def home():
    return redirect(url_for("learn.index"))


@bp.route("/language", methods=["POST"])
def set_language():
    """Switch the language; for a signed-in user it becomes their preference. A course
    language with no interface catalog (``ko`` written by marketing, no Korean interface
    yet) is accepted too: courses are then served in it, the interface in the nearest."""
    form = LanguageForm()
    lang = None
    if form.validate_on_submit() and form.lang.data:
        lang = supported(form.lang.data)
        if lang != form.lang.data and form.lang.data in _course_languages():
            lang = form.lang.data
    if lang:
        session["lang"] = lang
        if current_user.is_authenticated:
            users.set_language(current_user, lang)
    return redirect(local_path_or(form.next.data, url_for("public.home")))


def _course_languages() -> set[str]:
    """Every language a current course is written in."""
    return {
        lang
        for version in catalog.current_versions()
        for lang in catalog.course_of(version).languages
    }


@bp.route("/guidelines")
@bp.route("/guidelines/<lang>")
def guidelines(lang: str | None = None):
    """The company's social media guidelines, public like Intel's, in every language
    a course has them in (whether or not the interface is in that language)."""
    courses = [catalog.course_of(version) for version in catalog.current_versions()]
    written = {code for course in courses for code in course.guidelines}
    if lang is not None and lang not in written and supported(lang) != lang:
        abort(404)
    wanted = lang or content_language(written) or current_language()
    pages = []
    for course in courses:
        page = course.public_guidelines(match_language(wanted, course.guidelines) or wanted)
        if page is not None:
            pages.append((course, page, sorted(course.guidelines)))
    if not pages:
        abort(404)
    return render_template("public/guidelines.html", pages=pages, lang=wanted)


@bp.route("/healthz")
@limiter.exempt
def health():
    """For the load balancer: 200 when the database (and Redis, when configured) answers,
    503 naming what does not. Deliberately public: it reveals no URL and no data."""
    report, healthy = servers.health(current_app)
    return report, 200 if healthy else 503, {"Cache-Control": "no-store"}
