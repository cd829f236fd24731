"""Responses the HR pages share: page numbers, CSV downloads and plain refusals."""

from flask import Response
from flask import request
from flask import stream_with_context

from lms.queries import csv_export


def page_number() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


def csv_response(filename: str, header, rows) -> Response:
    """A streamed CSV download: the generator runs while the response is sent."""
    response = Response(stream_with_context(csv_export.stream(header, rows)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def refusal(errors: list) -> Response:
    """400 with one message a line: for downloads, which have no page to show errors on."""
    message = "\n".join(str(e) for e in errors)
    return Response(message + "\n", status=400, mimetype="text/plain")
