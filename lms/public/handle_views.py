"""``/verify-handle``: anyone may ask whether a social media account speaks for the company.

The answer is yes, with the name the employee chose and since when they have been cleared,
or "not a registered representative", the same words whether the handle is unknown, its
owner is not cleared (or no longer) or has left: the page tells nothing else about anyone.
Lookups are rate-limited per client, kept out of search engines, and counted per day and
platform only (no address, no handle).
"""

from flask import current_app
from flask import render_template
from flask import request
from flask_babel import _
from flask_wtf import FlaskForm
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms import StringField

from lms.extensions import limiter
from lms.models import utcnow
from lms.public import bp
from lms.queries import company as company_settings
from lms.rules.handles import PLATFORMS
from lms.services import Refused
from lms.services import handles
from lms.services.handles import PLATFORM_NAMES

NOINDEX = "noindex, nofollow"


class CheckForm(FlaskForm):
    """A GET form: it reads nothing private and changes nothing a person owns."""

    class Meta:
        csrf = False

    platform = SelectField(choices=[SelectChoice(key, PLATFORM_NAMES[key]) for key in PLATFORMS])
    handle = StringField()


def company_name() -> str:
    return company_settings.company_name() or _("our company")


def _lookups_per_client() -> str:
    return current_app.config["HANDLE_LOOKUPS_PER_CLIENT"]


def _not_a_lookup() -> bool:
    """The empty form is not counted against the limit; only questions are."""
    return not request.args.get("handle")


@bp.route("/verify-handle")
@limiter.limit(_lookups_per_client, exempt_when=_not_a_lookup)
def verify_handle():
    form = CheckForm(request.args)
    answer, problem, handle, asked = None, None, "", bool(form.handle.data)
    if asked:
        try:
            answer = handles.verify(form.platform.data, form.handle.data, utcnow())
            handle = handles.normalised(form.platform.data, form.handle.data)
        except Refused as refused:
            problem, asked = str(refused.message), False
    page = render_template(
        "public/verify_handle.html",
        form=form,
        answer=answer,
        asked=asked,
        handle=handle,
        problem=problem,
        company=company_name(),
        platform_name=PLATFORM_NAMES.get(form.platform.data or "", ""),
    )
    return page, 400 if problem else 200


@bp.after_request
def _keep_out_of_search_engines(response):
    if request.endpoint == "public.verify_handle":
        response.headers["X-Robots-Tag"] = NOINDEX
        response.headers["Cache-Control"] = "no-store"  # the answer can change at any moment
    return response
