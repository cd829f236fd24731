"""Job pages under ``/jobs``: one job's progress and outcome, and the recent jobs."""

from flask import Blueprint

bp = Blueprint("jobpages", __name__)

from lms.jobpages import file_views  # noqa: E402,F401  (a job's file: evidence packs)
from lms.jobpages import views  # noqa: E402,F401
