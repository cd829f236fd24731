from flask import Blueprint

bp = Blueprint("auth", __name__)

from lms.auth import sso  # noqa: E402,F401  (routes register themselves on bp)
from lms.auth import time_zone_views  # noqa: E402,F401  (the account's time zone)
from lms.auth import views  # noqa: E402,F401
