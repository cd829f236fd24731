"""Bulk inserts inside the session's transaction, for imports and scheduled jobs that
write tens of thousands of rows."""

import json
from datetime import UTC

import sqlalchemy as sa

from lms.extensions import db
from lms.models.types import UTCDateTime


def insert(table: sa.Table, rows: list[dict]) -> None:
    """Insert ``rows`` (dicts with the same keys, values as the models take them) in the
    session's transaction: COPY on PostgreSQL, where it is several times faster than
    executemany or multi-row VALUES; a Core executemany elsewhere."""
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), rows)
        return
    columns = [table.c[name] for name in rows[0]]
    adapters = [_copy_adapter(column.type) for column in columns]
    names = ", ".join(f'"{column.name}"' for column in columns)
    psycopg_connection = connection.connection.driver_connection
    assert psycopg_connection is not None, "the session's connection is open"
    with (
        psycopg_connection.cursor() as cursor,
        cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy,
    ):
        for row in rows:
            copy.write_row([adapt(row[c.name]) for adapt, c in zip(adapters, columns, strict=True)])


def _copy_adapter(column_type):
    """What the column's type would do to a value before binding it."""
    if isinstance(column_type, sa.JSON):
        return json.dumps  # None too: SQLAlchemy stores JSON null, not SQL NULL
    if isinstance(column_type, UTCDateTime):
        return lambda value: None if value is None else value.astimezone(UTC).replace(tzinfo=None)
    return lambda value: value
