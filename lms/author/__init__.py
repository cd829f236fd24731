"""Authoring for marketing (``/author``): drafts, preview, versions, translation status."""

from flask import Blueprint

from lms.models import Role

bp = Blueprint("author", __name__, url_prefix="/author")


@bp.app_context_processor
def _roles() -> dict:
    """``Role`` in every template, so the navigation can show "Authoring" by role."""
    return {"Role": Role}


from lms.author import views  # noqa: E402,F401  (routes register themselves on bp)
