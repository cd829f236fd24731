"""CSV for spreadsheets: streamed, UTF-8 with a BOM, and safe to open in Excel."""

import csv
import io
from collections.abc import Iterable
from collections.abc import Iterator
from datetime import UTC
from datetime import datetime

#: Excel reads UTF-8 only when the file starts with a byte order mark.
BOM = "\ufeff"
#: A cell starting with one of these may run as a formula (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Rows are sent in chunks of about this many characters.
CHUNK = 64 * 1024


def cell(value) -> str:
    """One value as text a spreadsheet shows but never evaluates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, int | float):
        return str(value)  # a number is never a formula: -0.2 stays a number
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _cells(row: Iterable) -> list:
    """:func:`cell` for every value of a row, with text and empty values (most of them)
    handled inline: one function call per value was most of a large export's time."""
    return [
        ("'" + v if v.startswith(_FORMULA_STARTS) else v)
        if type(v) is str
        else ""
        if v is None
        else cell(v)
        for v in row
    ]


def stream(header: Iterable[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """The CSV text in chunks, a row at a time from ``rows`` (memory stays flat)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(header)
    for row in rows:
        writer.writerow(_cells(row))
        if buffer.tell() >= CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
