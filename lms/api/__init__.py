from flask import Blueprint

bp = Blueprint("api", __name__)

from lms.api import views  # noqa: E402,F401
