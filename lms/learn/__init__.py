from flask import Blueprint

bp = Blueprint("learn", __name__, url_prefix="/training")

from lms.learn import badge_views  # noqa: E402,F401  (Open Badges downloads)
from lms.learn import certificate_views  # noqa: E402,F401  (my certificates as PDF)
from lms.learn import handle_views  # noqa: E402,F401  (my social media handles)
from lms.learn import views  # noqa: E402,F401
