"""Many answers at once, as JSON text: the batch and the changes feed.

Each answer comes from the database as JSON already (:mod:`lms.queries.clearances`): a
thousand answers built as pydantic models cost about 45 ms, twenty times the single
answer's whole request; joined as text, well under a millisecond. Their shape is the one
of :class:`lms.api.schemas.Clearance` (tests/api/test_batch.py and test_changes.py hold
them equal to the single endpoint's answers, and schemathesis to the description), so the
description and what the server sends still cannot part ways.
"""

import json

from flask import Response

from lms.queries.clearances import StoredAnswer

_dumps = json.dumps


def batch(asked: list[str], found: dict[str, StoredAnswer]) -> Response:
    """A :class:`~lms.api.schemas.BatchAnswer`: ``asked`` in order, split by found or not."""
    answers = ",".join(
        f'{{"id":{_dumps(identifier)},"clearance":{found[identifier].answer}}}'
        for identifier in asked
        if identifier in found
    )
    missing = _dumps([identifier for identifier in asked if identifier not in found])
    return _json(f'{{"found":[{answers}],"not_found":{missing}}}')


def changes(page: list[StoredAnswer], cursor: str, has_more: bool) -> Response:
    """A :class:`~lms.api.schemas.Changes` page."""
    answers = ",".join(answer.answer for answer in page)
    more = "true" if has_more else "false"
    return _json(f'{{"changes":[{answers}],"cursor":{_dumps(cursor)},"has_more":{more}}}')


def _json(text: str) -> Response:
    return Response(text, mimetype="application/json")
