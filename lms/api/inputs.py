"""What the batch and the changes feed accept, checked here so that every refusal names
what is wrong (the models in lms.api.schemas describe the same rules in the OpenAPI
description; the schemathesis test holds the two together)."""

import base64
import binascii
import re
from typing import NoReturn

from flask import abort
from flask import request
from flask_babel import format_number
from flask_babel import gettext as _

from lms.api.schemas import DEFAULT_PAGE
from lms.api.schemas import MAX_BATCH
from lms.api.schemas import MAX_IDENTIFIER
from lms.api.schemas import MAX_PAGE
from lms.input_checks import UNSTORABLE

#: A batch body of 1,000 of the longest identifiers is about 260 kB.
MAX_BATCH_BODY = 512 * 1024
_CURSOR = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
_POSITION = re.compile(r"^v1:(0|[1-9][0-9]{0,17})$")


def batch_ids() -> list[str]:
    """The identifiers of a batch body ``{"ids": [...]}``, each once, in the order asked.

    :raise 400: the body is not that, naming what is wrong; 413: above 1,000 identifiers
        (or a body far larger than 1,000 could make).
    """
    request.max_content_length = MAX_BATCH_BODY  # werkzeug answers 413 while reading
    if not request.is_json:
        _refuse(_('Send the body as JSON (Content-Type: application/json): {"ids": [...]}.'))
    body = request.get_json(silent=True)
    if body is None:
        _refuse(_("The body is not valid JSON."))
    if not isinstance(body, dict) or "ids" not in body:
        _refuse(_('The body must be a JSON object with a list “ids”: {"ids": [...]}.'))
    extra = sorted(str(key) for key in body if key != "ids")
    if extra:
        _refuse(_("Unknown field “%(field)s”: the body holds only “ids”.", field=extra[0][:50]))
    ids = body["ids"]
    if not isinstance(ids, list):
        _refuse(_("“ids” must be a list of employee ids or email addresses."))
    if len(ids) > MAX_BATCH:
        abort(
            413,
            description=_(
                "At most %(max)s ids per request; this one has %(count)s. Split it.",
                max=format_number(MAX_BATCH),
                count=format_number(len(ids)),
            ),
        )
    for place, identifier in enumerate(ids):
        _check_identifier(place, identifier)
    return list(dict.fromkeys(ids))


def _check_identifier(place: int, identifier) -> None:
    if not isinstance(identifier, str):
        _refuse(_("ids[%(place)s] is not a string.", place=place))
    if not identifier:
        _refuse(_("ids[%(place)s] is empty.", place=place))
    if len(identifier) > MAX_IDENTIFIER:
        _refuse(
            _(
                "ids[%(place)s] is longer than %(max)s characters: no id or email is.",
                place=place,
                max=MAX_IDENTIFIER,
            )
        )
    if UNSTORABLE.search(identifier):
        _refuse(
            _(
                "ids[%(place)s] holds a character no id or email can hold (such as NUL).",
                place=place,
            )
        )


def changes_position() -> tuple[int, int]:
    """(the feed position to continue after, the page size) from ``?cursor=…&limit=…``;
    no cursor (or an empty one) is the beginning.

    :raise 400: a limit outside 1 to 1,000, or a cursor this feed did not give.
    """
    limit_text = request.args.get("limit")
    limit = DEFAULT_PAGE
    if limit_text is not None:
        limit = int(limit_text) if re.fullmatch(r"[0-9]{1,4}", limit_text) else 0
        if not 1 <= limit <= MAX_PAGE:
            _refuse(
                _(
                    "“limit” must be a whole number from 1 to %(max)s.",
                    max=format_number(MAX_PAGE),
                )
            )
    cursor = request.args.get("cursor")
    return (_position(cursor) if cursor else 0), limit


def cursor_for(position: int) -> str:
    """The opaque cursor of a feed position (its number, versioned and base64url'ed)."""
    return base64.urlsafe_b64encode(f"v1:{position}".encode()).decode().rstrip("=")


def _position(cursor: str) -> int:
    match = None
    if _CURSOR.match(cursor):
        try:
            text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError):
            text = ""
        match = _POSITION.match(text)
    if match is None:
        _refuse(
            _(
                "“cursor” is not one this feed gave. Use the cursor of the previous page, "
                "or leave it out to start from the beginning."
            )
        )
    return int(match[1])


def _refuse(message: str) -> NoReturn:
    abort(400, description=message)
