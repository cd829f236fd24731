"""API tokens in the browser (``/admin/tokens``): create one (shown once), see each
token's scopes, rate limit and last use, and revoke one at once."""

from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import _
from flask_login import current_user

from lms.admin import bp
from lms.admin.token_forms import SCOPE_NAMES
from lms.admin.token_forms import RevokeTokenForm
from lms.admin.token_forms import TokenForm
from lms.models import Role
from lms.permissions import role_required
from lms.queries import access
from lms.services import Refused
from lms.services import api_tokens


@bp.route("/tokens")
@role_required(Role.ADMIN)
def tokens():
    return _tokens_page(TokenForm())


@bp.route("/tokens", methods=["POST"])
@role_required(Role.ADMIN)
def create_token():
    """Create a token and show it on this answer only: it is stored hashed, and never put
    in the session or a redirect, where it would outlive this page."""
    form = TokenForm()
    if not form.validate_on_submit():
        return _tokens_page(form), 400
    try:
        row, plain = api_tokens.issue(
            form.name.data,
            actor=current_user,
            scope=form.scopes.data,
            rate_limit=form.rate_limit.data,
        )
    except Refused as refused:
        flash(str(refused.message), "danger")
        return _tokens_page(form), 400
    page = _tokens_page(TokenForm(formdata=None), created=row, plain=plain)
    return page, 200, {"Cache-Control": "no-store"}


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@role_required(Role.ADMIN)
def revoke_token(token_id: int):
    if not RevokeTokenForm().validate_on_submit():
        flash(_("The form expired or was incomplete; nothing changed. Try again."), "danger")
        return redirect(url_for("admin.tokens"))
    try:
        row = api_tokens.revoke(token_id, actor=current_user)
    except Refused:
        abort(404)
    flash(
        _("The token “%(name)s” is revoked: it no longer opens anything.", name=row.name), "success"
    )
    return redirect(url_for("admin.tokens"))


def _tokens_page(form: TokenForm, created=None, plain: str | None = None) -> str:
    return render_template(
        "admin/tokens.html",
        form=form,
        revoke_form=RevokeTokenForm(),
        tokens=access.api_tokens(),
        scope_names=SCOPE_NAMES,
        default_rate_limit=current_app.config["API_RATE_LIMIT"],
        created=created,
        plain=plain,
    )
