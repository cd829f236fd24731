from flask import Blueprint

bp = Blueprint("public", __name__)

from lms.public import badge_views  # noqa: E402,F401  (Open Badges: keys, status)
from lms.public import handle_views  # noqa: E402,F401  (is this account ours?)
from lms.public import verify_views  # noqa: E402,F401  (is this certificate real?)
from lms.public import views  # noqa: E402,F401
