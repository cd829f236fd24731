"""Authoring for marketing (``/author``): drafts, preview, versions, translation status."""

from flask import Blueprint

bp = Blueprint("author", __name__, url_prefix="/author")


from lms.author import views  # noqa: E402,F401  (routes register themselves on bp)
