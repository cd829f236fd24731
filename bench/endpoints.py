"""Baseline endpoints for ``python -m bench``, served only by the benchmark's own app
(:mod:`bench.wsgi`), never by ``lms``: they exist so a benchmark can compare a real page
with the cheapest possible request in the same app and server.

- ``/_bench/ok``: returns "ok" (the cost of Flask, the middleware and the server).
- ``/_bench/lookup/<id>``: one primary-key lookup through Flask-SQLAlchemy.
"""

from flask import Blueprint
from flask import abort

from lms.extensions import db
from lms.models import User

bp = Blueprint("bench", __name__, url_prefix="/_bench")


@bp.route("/ok")
def ok():
    return "ok"


@bp.route("/lookup/<int:user_id>")
def lookup(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    return user.employee_id
