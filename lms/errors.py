"""Error pages: JSON under /api, HTML everywhere else; never a stack trace.

Unhandled exceptions reach the same handler as a 500 (Flask wraps them in
``InternalServerError`` and logs them).
"""

from flask import Flask
from flask import render_template
from flask import request
from werkzeug.exceptions import HTTPException


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, message: str):
    from werkzeug.http import HTTP_STATUS_CODES

    return {"error": HTTP_STATUS_CODES.get(status, "Error"), "message": message}, status


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        if wants_json():
            return json_error(error.code or 500, error.description or "")
        return render_template("errors/error.html", error=error), error.code

