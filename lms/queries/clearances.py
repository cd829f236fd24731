"""Stored clearance answers, many at a time: the API's batch and its changes feed.

The database writes each answer's JSON itself (``json_build_object`` on PostgreSQL, the
same text spelled out on SQLite), in the shape of :class:`lms.api.schemas.Clearance`: the
``reasons`` and ``courses`` columns already hold the API's JSON, and the two dates are
written as :func:`lms.models.types.iso` writes them. A thousand answers then cost one
statement and a string join, instead of loading, converting and re-encoding a thousand
rows in Python (about ten times slower). tests/api hold these answers equal to the single
endpoint's, and schemathesis holds them to the OpenAPI description.
"""

import json
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import NamedTuple

import sqlalchemy as sa

from lms.extensions import db
from lms.extensions import on_postgresql
from lms.models.types import UTCDateTime


class StoredAnswer(NamedTuple):
    """One person's stored answer, as the API's JSON text."""

    user_id: int
    employee_id: str
    email: str
    #: Never computed, or it may have lapsed by itself: recompute before answering.
    outdated: bool
    answer: str | None  # None only when outdated (no stored answer)
    change_seq: int | None


def iso_sql(expr: str, postgresql: bool) -> str:
    """SQL for ``lms.models.types.iso`` of a stored UTC timestamp: ISO 8601 with
    ``+00:00``, microseconds only when there are any (as ``datetime.isoformat`` writes it)."""
    if postgresql:
        text = f"to_char({expr}, 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
    else:  # SQLAlchemy stores "YYYY-MM-DD HH:MM:SS.ffffff" on SQLite
        text = f"replace({expr}, ' ', 'T')"
    return f"replace({text} || '+00:00', '.000000+', '+')"


def _answer_sql(postgresql: bool) -> str:
    """The :class:`~lms.api.schemas.Clearance` of clearance ``c`` of person ``u``, as JSON
    (NULL when there is no ``c``). SQLite's is spelled out, so that the stored ``reasons``
    and ``courses`` are copied rather than parsed again by ``json()``."""
    valid_until = f"CASE WHEN c.cleared THEN {iso_sql('c.valid_until', postgresql)} END"
    computed_at = iso_sql("c.computed_at", postgresql)
    if postgresql:
        return (
            "json_build_object('employee_id', u.employee_id, 'cleared', c.cleared, "
            f"'valid_until', {valid_until}, 'reasons', c.reasons, 'courses', c.courses, "
            f"'computed_at', {computed_at})"
        )
    return (
        "'{\"employee_id\":' || json_quote(u.employee_id) || "
        "',\"cleared\":' || CASE WHEN c.cleared THEN 'true' ELSE 'false' END || "
        f"',\"valid_until\":' || json_quote({valid_until}) || "
        "',\"reasons\":' || c.reasons || ',\"courses\":' || c.courses || "
        f"',\"computed_at\":' || json_quote({computed_at}) || '}}'"
    )


@cache  # a handful of statements, each built once per database kind
def _select(postgresql: bool, people: str, join: str, where: str = "", tail: str = "") -> str:
    return (
        "SELECT u.id, u.employee_id, u.email, "
        "(c.user_id IS NULL OR c.valid_until <= :now) AS outdated, "
        f"CAST({_answer_sql(postgresql)} AS TEXT) AS answer, c.change_seq "
        f"FROM {people} AS u {join} clearances AS c ON c.user_id = u.id {where} {tail}"
    )


def _named(postgresql: bool) -> str:
    """The people named by the list parameters ``:employee_ids`` and ``:emails``: each
    identifier looked up in its index. (``IN (…)`` with a thousand values made PostgreSQL
    read every person, 70 ms at 100,000; and a thousand placeholders cost the driver more
    than one list.) Someone named twice (by id and by email) comes twice: the caller keys
    the answers by identifier."""
    if postgresql:
        keys = "unnest(CAST(:{name} AS text[])) AS k(value)"
    else:
        keys = "json_each(:{name}) AS k"
    return (
        f"(SELECT p.id, p.employee_id, p.email FROM {keys.format(name='employee_ids')} "
        "JOIN users AS p ON p.employee_id = k.value "
        f"UNION ALL SELECT p.id, p.employee_id, p.email FROM {keys.format(name='emails')} "
        "JOIN users AS p ON p.email = k.value)"
    )


def _rows(sql: str, now: datetime, **params) -> list[StoredAnswer]:
    statement = sa.text(sql).bindparams(sa.bindparam("now", now, type_=UTCDateTime))
    rows = db.session.execute(statement, params)
    return [
        StoredAnswer(uid, eid, email, bool(old), answer, seq)
        for uid, eid, email, old, answer, seq in rows.all()
    ]


def by_identifiers(
    employee_ids: Sequence[str], emails: Sequence[str], now: datetime
) -> list[StoredAnswer]:
    """The people with these employee ids or (lower-case) emails and their stored answers,
    in one statement. A person with no stored answer yet (rare: every way of adding one
    computes it) comes ``outdated``, as does one whose answer may have lapsed by ``now``."""
    if not employee_ids and not emails:
        return []
    postgresql = on_postgresql()
    sql = _select(postgresql, _named(postgresql), "LEFT JOIN")
    lists: dict[str, list[str] | str] = {"employee_ids": list(employee_ids), "emails": list(emails)}
    if postgresql:
        # A thousand index steps take ~15 ms; PostgreSQL would start parallel workers for
        # them, which cost more to start than they save (twice the time, measured).
        db.session.execute(sa.text("SET LOCAL max_parallel_workers_per_gather = 0"))
    else:  # SQLite reads a list as JSON text (json_each)
        lists = {name: json.dumps(values) for name, values in lists.items()}
    return _rows(sql, now, **lists)


def changed_after(after: int, limit: int, now: datetime) -> list[StoredAnswer]:
    """Up to ``limit`` answers numbered after ``after`` in the changes feed, in its order
    (the numbers are given by :func:`lms.services.clearance_feed.stamp`)."""
    sql = _select(
        on_postgresql(),
        "users",
        "JOIN",
        "WHERE c.change_seq > :after",
        "ORDER BY c.change_seq LIMIT :limit",
    )
    return _rows(sql, now, after=after, limit=limit)
