"""The JSON API's routes. Errors are JSON too (see lms.errors)."""

from flask import abort
from spectree import Response

from lms.api import answers
from lms.api import bp
from lms.api import inputs
from lms.api import spec
from lms.api.auth import token_required
from lms.api.schemas import MAX_BATCH
from lms.api.schemas import BatchAnswer
from lms.api.schemas import BatchQuestion
from lms.api.schemas import Changes
from lms.api.schemas import ChangesQuestion
from lms.api.schemas import Clearance
from lms.api.schemas import Error
from lms.models.types import iso
from lms.models.types import utcnow
from lms.queries import clearances
from lms.services import clearance
from lms.services import clearance_feed

UNAUTHORIZED = (
    Error,
    "No token, one that is unknown or revoked, or one without the scope `clearance:read`; "
    "the answer carries `WWW-Authenticate: Bearer`.",
)
TOO_MANY = (
    Error,
    "The token made more requests than its rate limit allows (by default 600 a minute); "
    "`Retry-After` says how many seconds to wait.",
)


@bp.get("/openapi.json")
def openapi():
    """This API's OpenAPI description; public, as it describes no one."""
    return spec.spec


# Declared before /clearance/<path:identifier>, which would otherwise take "changes".
@bp.get("/clearance/changes")
@spec.validate(
    query=ChangesQuestion,
    resp=Response(
        HTTP_200=(Changes, "A page of changes; empty when nothing changed after the cursor."),
        HTTP_400=(Error, "A `limit` outside 1 to 1,000, or a `cursor` this feed did not give."),
        HTTP_401=UNAUTHORIZED,
        HTTP_429=TOO_MANY,
    ),
    operation_id="listClearanceChanges",
    tags=["clearance"],
    # Checked by lms.api.inputs, whose refusals name what is wrong; the answer is written
    # from the stored rows (lms.api.answers).
    skip_validation=True,
)
@token_required()
def clearance_changes():
    """Follow everyone's clearance: a full copy, then each change.

    Without `cursor`, the pages hold everyone's current answer; keep asking with each
    page's `cursor` while `has_more` is true. From then on, ask with the last `cursor`
    (every minute, say): each page holds the people whose answer changed since, with their
    current answer, oldest change first. A person appears once per page, with their latest
    answer: a reader follows to the current state, not through each step. No change is
    ever skipped, even when changes commit in another order than they began.
    """
    after, limit = inputs.changes_position()
    now = utcnow()
    clearance_feed.catch_up(now)
    page = clearances.changed_after(after, limit + 1, now)
    has_more = len(page) > limit
    page = page[:limit]
    position = page[-1].change_seq if page else after
    assert position is not None  # rows after a position are numbered
    return answers.changes(page, inputs.cursor_for(position), has_more)


@bp.post("/clearance/batch")
@spec.validate(
    json=BatchQuestion,
    resp=Response(
        HTTP_200=(BatchAnswer, "Each identifier's answer, or that it names no employee."),
        HTTP_400=(Error, 'The body is not `{"ids": [...]}`; the message says what is wrong.'),
        HTTP_401=UNAUTHORIZED,
        HTTP_413=(Error, f"More than {MAX_BATCH:,} identifiers: split the request."),
        HTTP_429=TOO_MANY,
    ),
    operation_id="getClearances",
    tags=["clearance"],
    skip_validation=True,  # as for the changes
)
@token_required()
def clearance_batch():
    """Ask about up to 1,000 employees at once.

    Each identifier (an employee id, or an email address in any case) is answered once,
    in the order asked: as `GET /clearance/{identifier}` would answer it, under `found`,
    or under `not_found`. The answers are read together, in a constant number of queries.
    """
    asked = inputs.batch_ids()
    return answers.batch(asked, clearance.lookup_many(asked))


@bp.route("/clearance/<path:identifier>")
@spec.validate(
    resp=Response(
        HTTP_200=(Clearance, "The employee's clearance as of now."),
        HTTP_401=UNAUTHORIZED,
        HTTP_400=(
            Error,
            "The address holds a character no id or email can hold (NUL); "
            "refused before the token is read, like any malformed request.",
        ),
        HTTP_404=(Error, "No employee has that id or email."),
        HTTP_429=TOO_MANY,
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
@token_required()
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
