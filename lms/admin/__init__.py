"""Admin pages under ``/admin``: find people and grant or revoke their roles."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")


from lms.admin import token_views  # noqa: E402,F401
from lms.admin import views  # noqa: E402,F401  (routes register themselves on bp)
