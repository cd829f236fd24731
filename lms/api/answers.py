"""Many answers at once, as JSON text: the batch and the changes feed.

A thousand answers built as pydantic models cost about 45 ms, twenty times the single
answer's whole request; written from the stored rows, whose ``reasons`` and ``courses``
columns already hold the answer's JSON, they cost about 2 ms. The shape is the one of
:class:`lms.api.schemas.Clearance` (tests/api/test_batch.py parses these answers with the
models, and schemathesis checks them against the description), so the description and
what the server sends still cannot part ways.
"""

import json

from flask import Response

from lms.models.types import iso
from lms.queries.clearances import StoredAnswer

_dumps = json.dumps


def clearance(answer: StoredAnswer) -> str:
    """One :class:`~lms.api.schemas.Clearance` as JSON text."""
    valid_until = iso(answer.valid_until) if answer.cleared else None
    return (
        f'{{"employee_id":{_dumps(answer.employee_id)},'
        f'"cleared":{"true" if answer.cleared else "false"},'
        f'"valid_until":{_dumps(valid_until)},'
        f'"reasons":{answer.reasons},"courses":{answer.courses},'
        f'"computed_at":{_dumps(iso(answer.computed_at))}}}'
    )


def batch(asked: list[str], found: dict[str, StoredAnswer]) -> Response:
    """A :class:`~lms.api.schemas.BatchAnswer`: ``asked`` in order, split by found or not."""
    answers = ",".join(
        f'{{"id":{_dumps(identifier)},"clearance":{clearance(found[identifier])}}}'
        for identifier in asked
        if identifier in found
    )
    missing = _dumps([identifier for identifier in asked if identifier not in found])
    return _json(f'{{"found":[{answers}],"not_found":{missing}}}')


def changes(page: list[StoredAnswer], cursor: str, has_more: bool) -> Response:
    """A :class:`~lms.api.schemas.Changes` page."""
    answers = ",".join(clearance(answer) for answer in page)
    more = "true" if has_more else "false"
    return _json(f'{{"changes":[{answers}],"cursor":{_dumps(cursor)},"has_more":{more}}}')


def _json(text: str) -> Response:
    return Response(text, mimetype="application/json")
