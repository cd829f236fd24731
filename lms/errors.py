"""Error pages: JSON under /api and /scim, HTML everywhere else; never a stack trace.

Unhandled exceptions reach the same handler as a 500 (Flask wraps them in
``InternalServerError`` and logs them).
"""

from flask import Flask
from flask import render_template
from flask import request
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import HTTPException

from lms.extensions import db


class Refused(BadRequest):
    """A 400 whose ``description`` is a translated message for the person who sent it
    (shown on the error page and in the JSON ``message``)."""

    def __init__(self, message) -> None:
        super().__init__(description=str(message))


def wants_json() -> bool:
    return request.path.startswith(("/api/", "/scim/"))


def json_error(status: int, message: str):
    from werkzeug.http import HTTP_STATUS_CODES

    return {"error": HTTP_STATUS_CODES.get(status, "Error"), "message": message}, status


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        # Whatever the request left half-done is abandoned; and after a database error
        # the session cannot run the page's own queries (the signed-in user, the menu)
        # until it is rolled back.
        db.session.rollback()
        if wants_json():
            return json_error(error.code or 500, error.description or "")
        message = error.description if isinstance(error, Refused) else None
        return render_template("errors/error.html", error=error, message=message), error.code
