"""The JSON API other systems call. Errors are JSON too (see lms.errors)."""

from flask import abort

from lms.api import bp
from lms.api.auth import token_required
from lms.services import clearance


@bp.route("/clearance/<path:identifier>")
@token_required
def get_clearance(identifier: str):
    """May this employee (employee id or email) represent the brand right now?

    Answers ``cleared``, ``valid_until`` (when a yes lapses unless renewed), machine-readable
    ``reasons`` for a no, and the status of every required course.
    """
    found = clearance.lookup(identifier)
    if found is None:
        abort(404, description="No employee with that id or email.")
    employee_id, row = found
    return {
        "employee_id": employee_id,
        "cleared": row.cleared,
        "valid_until": row.valid_until.isoformat() if row.cleared and row.valid_until else None,
        "reasons": row.reasons,
        "courses": row.courses,
        "computed_at": row.computed_at.isoformat(),
    }
