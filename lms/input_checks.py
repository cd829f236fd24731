"""Input no database can hold is refused before any view runs.

Every ``<int:…>`` in a route names a row's id, an ``INTEGER`` column (32 bits on
PostgreSQL): a larger number in the address is "not found" (404), as it would be on a
database with that many rows, instead of an error from the database driver.


PostgreSQL text cannot hold NUL (U+0000), and no UTF-8 column can hold a lone surrogate.
Such a character in the address, the query, a form field (name or value) or an uploaded
file's name gets a 400 that says so, as HTML or as JSON under /api.

Refused, not cleaned: stripping would change what was sent without saying so (an employee
id, a password, an authored text) and could turn two different values into one. No browser
form or link produces these characters, so refusing costs a real user nothing. Werkzeug
already replaces bytes that are not UTF-8 (with U+FFFD, or by keeping the ``%XX``), so
surrogates only come from code; a raw non-UTF-8 byte in the query string itself would make
Werkzeug raise, and is refused here too. File contents are checked by the importers that
read them (the roster names NUL bytes with their row).
"""

import re

from flask import Flask
from flask import request
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter

from lms.errors import Refused

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
#: The largest value of an SQL ``INTEGER`` on PostgreSQL (SQLite's are larger).
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:…>`` for row ids: ASCII digits, 0 to :data:`MAX_ID`; anything else does not
    match (404). Werkzeug's ``\\d+`` would also take full-width and Arabic-Indic digits."""

    regex = "[0-9]+"

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits, min, max, signed)


def init_app(app: Flask) -> None:
    """Call before any route is added: the routes' converters are chosen when added."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_unstorable_text)


def refuse_unstorable_text() -> None:
    if UNSTORABLE.search(request.path):
        raise Refused(
            _l(
                "The address contains a character that cannot be stored (such as "
                "a NUL byte). Remove it and try again."
            )
        )
    try:
        values = request.values  # the query and, for a form POST, the form
    except UnicodeDecodeError:  # raw bytes in the query string, not percent-encoded
        raise Refused(_l("The address is not valid UTF-8.")) from None
    for name, value in values.items(multi=True):
        _check(name, value)
    for name, file in request.files.items(multi=True):
        _check(name, file.filename or "")


def _check(name: str, value: str) -> None:
    if UNSTORABLE.search(name) or UNSTORABLE.search(value):
        raise Refused(
            _l(
                "The field “%(name)s” contains a character that cannot be stored "
                "(such as a NUL byte). Remove it and try again.",
                name=UNSTORABLE.sub("\N{REPLACEMENT CHARACTER}", name)[:60],
            )
        )
