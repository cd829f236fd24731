"""HR pages under ``/hr``: the roster import (``/hr/roster``) and the modules below."""

from flask import Blueprint

from lms.models import Role

bp = Blueprint("hr", __name__, url_prefix="/hr")

#: Largest upload accepted when the app sets no ``MAX_CONTENT_LENGTH`` of its own; a
#: 100,000-person roster is about 12 MB.
DEFAULT_MAX_CONTENT_LENGTH = 50 * 1024 * 1024


@bp.record_once
def _limit_upload_size(state) -> None:
    if state.app.config.get("MAX_CONTENT_LENGTH") is None:
        state.app.config["MAX_CONTENT_LENGTH"] = DEFAULT_MAX_CONTENT_LENGTH


@bp.app_context_processor
def _roles() -> dict:
    """``Role`` in every template, so navigation can show links by role."""
    return {"Role": Role}


from lms.hr import assignment_views  # noqa: E402,F401  (assignment rules)
from lms.hr import reports  # noqa: E402,F401  (dashboard, people, exports, audit trail)
from lms.hr import views  # noqa: E402,F401  (routes register themselves on bp)
