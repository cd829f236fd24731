"""Admin pages under ``/admin``: find people and grant or revoke their roles; webhook
endpoints (``/admin/webhooks``); the SCIM push's status; the company settings filled
into course text."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")


from lms.admin import company_views  # noqa: E402,F401
from lms.admin import privacy_views  # noqa: E402,F401  (erasure, /admin/retention)
from lms.admin import scim_push_views  # noqa: E402,F401  (the SCIM push's status)
from lms.admin import token_views  # noqa: E402,F401
from lms.admin import views  # noqa: E402,F401  (routes register themselves on bp)
from lms.admin import webhooks  # noqa: E402,F401  (/admin/webhooks)
