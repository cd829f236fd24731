"""Searching the whole database for a person's identifying strings."""

import json

import sqlalchemy as sa

from lms.extensions import db


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def where_found(*needles: str) -> list[tuple[str, str, str]]:
    """Every (table, column, needle) where a text, JSON or binary column of any table
    holds one of ``needles`` (case-insensitive)."""
    wanted = [n.lower() for n in needles]
    found = []
    db.session.expire_all()
    for table in db.metadata.sorted_tables:
        columns = [
            c
            for c in table.columns
            if isinstance(c.type, sa.String | sa.Text | sa.JSON | sa.LargeBinary)
        ]
        if not columns:
            continue
        for row in db.session.execute(sa.select(*columns)):
            for column, value in zip(columns, row, strict=True):
                text = _text(value).lower()
                found += [(table.name, column.name, n) for n in wanted if n in text]
    return sorted(set(found))
