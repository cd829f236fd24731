"""``/verify``: anyone may check a certificate by the code printed on it (or its QR code).

The answer names the holder, the course, its version and dates, and whether it is valid,
expired, revoked (with the date, never the reason) or superseded; an unknown code gets
one neutral answer. Lookups are rate-limited per client and kept out of search engines,
as ``/verify-handle`` is.
"""

from flask import current_app
from flask import render_template
from flask import request
from flask_wtf import FlaskForm
from wtforms import StringField

from lms.extensions import limiter
from lms.i18n import current_language
from lms.models import utcnow
from lms.public import bp
from lms.queries import verification

NOINDEX = "noindex, nofollow"


class CodeForm(FlaskForm):
    """A GET form: it reads what the certificate's holder made public, changes nothing."""

    class Meta:
        csrf = False

    code = StringField()


def _lookups_per_client() -> str:
    return current_app.config["CERTIFICATE_LOOKUPS_PER_CLIENT"]


def _not_a_lookup() -> bool:
    """The empty form is not counted against the limit; only questions are."""
    return not (request.view_args or {}).get("code") and not request.args.get("code")


@bp.route("/verify")
@bp.route("/verify/<code>")
@limiter.limit(_lookups_per_client, exempt_when=_not_a_lookup)
def verify_certificate(code: str | None = None):
    form = CodeForm(request.args)
    asked = code or form.code.data or ""
    if code:
        form.code.data = code
    answer = verification.verify(asked, current_language(), utcnow()) if asked else None
    page = render_template(
        "public/verify_certificate.html", form=form, asked=bool(asked), answer=answer
    )
    return page, 404 if asked and answer is None else 200


@bp.after_request
def _keep_out_of_search_engines(response):
    if request.endpoint == "public.verify_certificate":
        response.headers["X-Robots-Tag"] = NOINDEX
        response.headers["Cache-Control"] = "no-store"  # a revocation shows at once
    return response
