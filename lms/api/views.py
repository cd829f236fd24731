"""The JSON API's routes. Errors are JSON too (see lms.errors)."""

from flask import abort
from spectree import Response

from lms.api import bp
from lms.api import spec
from lms.api.auth import token_required
from lms.api.schemas import Clearance
from lms.api.schemas import Error
from lms.models.types import iso
from lms.services import clearance


@bp.get("/openapi.json")
def openapi():
    """This API's OpenAPI description; public, as it describes no one."""
    return spec.spec


@bp.route("/clearance/<path:identifier>")
@spec.validate(
    resp=Response(
        HTTP_200=(Clearance, "The employee's clearance as of now."),
        HTTP_401=(
            Error,
            "No token, or one that is unknown or revoked; the answer carries "
            "`WWW-Authenticate: Bearer`.",
        ),
        HTTP_400=(
            Error,
            "The address holds a character no id or email can hold (NUL); "
            "refused before the token is read, like any malformed request.",
        ),
        HTTP_404=(Error, "No employee has that id or email."),
    ),
    path_parameter_descriptions={
        "identifier": "An employee id, or an email address (in any case)."
    },
    operation_id="getClearance",
    tags=["clearance"],
    # The answer is built as a Clearance, which pydantic checks as it is built; checking it
    # again on the way out would only cost time on the API's busiest route.
    skip_validation=True,
)
@token_required
def get_clearance(identifier: str):
    """May this employee represent the brand right now?

    Answers `cleared`, `valid_until` (when a yes lapses unless renewed), machine-readable
    `reasons` for a no, and the status of every required course. Ask by employee id or
    by email address.
    """
    found = clearance.lookup(identifier)  # NUL never gets here: see lms/input_checks.py
    if found is None:
        abort(404, description="No employee with that id or email.")
    employee_id, row = found
    return Clearance(
        employee_id=employee_id,
        cleared=row.cleared,
        valid_until=iso(row.valid_until) if row.cleared else None,
        reasons=row.reasons,
        courses=row.courses,
        computed_at=iso(row.computed_at),
    )
