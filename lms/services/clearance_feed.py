"""The clearance changes feed (``GET /api/v1/clearance/changes``): every person whose
answer changed, each once with their current answer, in an order a reader can follow with
a cursor without ever missing a change.

How a change gets its place
---------------------------
A write that changes someone's answer (:func:`lms.services.clearance.refresh`, the
set-based recompute) sets the row's ``change_seq`` to NULL: "changed, no place yet". Then
:func:`stamp`, run by every read of the feed, numbers the NULL rows *that have committed*
after the highest number ever given (``clearance_feed.last_seq``) and commits. A reader
asks for ``change_seq > cursor`` in order; its cursor is the last number it received.

Why not number a change when it is written: on PostgreSQL, numbers taken in the writing
transaction (an autoincrement id, a sequence, a counter) are not in commit order. A
transaction that took 10 may commit after one that took 11 was read: the reader's cursor
is already past 10, and that change would never reach it. SQLite has a single writer, so
there the order would hold, but one design serves both.

Why this gives no gaps: stamps run one at a time (the counter row is locked by an UPDATE
until the stamp commits), each numbers only rows already committed, above every number
before it. So any snapshot a reader takes sees the numbers of some first stamps in full
and none of the later ones: no number can appear later below one already seen. A change
still in flight keeps its row's old number until it commits as NULL, and is numbered by
the next stamp. A row that changes again leaves its place and takes a new, higher one:
readers follow to the current answer, not through each step (as Kubernetes' watch and
Stripe's event lists do).

Alternatives weighed: handing out only rows written by transactions older than the oldest
one still running (``pg_snapshot_xmin``) needs no writes on reading, but xmin is the whole
server's (any long or idle-in-transaction session, in any database on it, holds the feed
back) and does not exist on SQLite; a scheduled stamping job makes every reader wait for
its next run. A short safety lag with re-reading only makes a gap unlikely.

What a stamp costs: nothing changed, one index probe and no write. Rows locked by a writer
at that moment are skipped (PostgreSQL ``SKIP LOCKED``: a stamp never waits for, or
deadlocks with, a writer) and numbered by the next one.
"""

from datetime import datetime
from typing import cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from lms.extensions import db
from lms.extensions import on_postgresql
from lms.models import Clearance
from lms.models import ClearanceFeed
from lms.models import utcnow
from lms.services import assignments

COUNTER_ID = 1
#: A stamp that numbers this many answers refreshes the planner's statistics.
ANALYZE_AFTER = 10_000

# Every changed row, numbered after :last in the order the answers were computed (the
# order of the changes, as near as the rows tell). PostgreSQL locks the rows it numbers
# and skips those a writer holds (a window function cannot take FOR UPDATE itself).
_NUMBER_POSTGRESQL = sa.text(
    "UPDATE clearances SET change_seq = :last + n.place "
    "FROM (SELECT p.user_id, ROW_NUMBER() OVER (ORDER BY p.computed_at, p.user_id) AS place "
    "      FROM (SELECT user_id, computed_at FROM clearances WHERE change_seq IS NULL "
    "            FOR UPDATE SKIP LOCKED) AS p) AS n "
    "WHERE clearances.user_id = n.user_id"
)
_NUMBER_SQLITE = sa.text(
    "UPDATE clearances SET change_seq = :last + n.place "
    "FROM (SELECT user_id, ROW_NUMBER() OVER (ORDER BY computed_at, user_id) AS place "
    "      FROM clearances WHERE change_seq IS NULL) AS n "
    "WHERE clearances.user_id = n.user_id"
)


def catch_up(now: datetime | None = None) -> int:
    """Operation: bring the feed up to the present before it is read: recompute answers
    that lapsed by themselves since the daily run (as it would, with their audit and
    domain events), then :func:`stamp`; commits. Returns how many changes were numbered."""
    now = now or utcnow()
    # One probe of the expiry index first: the sweep's own statement walks people in id
    # order (right for the nightly run, hundreds of milliseconds at 100,000 people).
    lapsed = sa.select(Clearance.user_id).where(Clearance.valid_until <= now).limit(1)
    if db.session.scalar(lapsed) is not None:
        assignments.refresh_lapsed_clearances(now)
    return stamp()


def stamp() -> int:
    """Operation: give every committed, changed clearance its place in the feed, after all
    places given so far; commit. Returns how many were numbered."""
    pending = sa.select(Clearance.user_id).where(Clearance.change_seq.is_(None)).limit(1)
    if db.session.scalar(pending) is None:
        return 0  # the usual case: nothing locked, nothing written
    last = _lock_counter()
    statement = _NUMBER_POSTGRESQL if on_postgresql() else _NUMBER_SQLITE
    # An UPDATE's result is a CursorResult (typed as a plain Result): it has the rowcount.
    numbered = cast(sa.CursorResult, db.session.execute(statement, {"last": last})).rowcount
    db.session.execute(
        sa.update(ClearanceFeed)
        .where(ClearanceFeed.id == COUNTER_ID)
        .values(last_seq=last + numbered)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if numbered >= ANALYZE_AFTER and on_postgresql():
        # The share of NULLs changed at once (after the upgrade that adds the feed, or a
        # change to everyone): until autovacuum analyzes, PostgreSQL would believe the
        # NULLs are many and read the whole table for every probe above (120 ms a read
        # of the feed at 100,000 people, instead of one index step).
        db.session.execute(sa.text("ANALYZE clearances"))
        db.session.commit()
    return numbered


def _lock_counter() -> int:
    """The last number given, with the counter row locked until this transaction ends (on
    SQLite, the write takes the database's single write lock)."""
    touch = (
        sa.update(ClearanceFeed)
        .where(ClearanceFeed.id == COUNTER_ID)
        .values(last_seq=ClearanceFeed.last_seq)
        .returning(ClearanceFeed.last_seq)
        .execution_options(synchronize_session=False)
    )
    last = db.session.scalar(touch)
    if last is None:  # the first stamp in this database
        insert = postgresql.insert if on_postgresql() else sqlite.insert
        db.session.execute(
            insert(ClearanceFeed)
            .values(id=COUNTER_ID, last_seq=0)
            .on_conflict_do_nothing(index_elements=["id"])
        )
        last = db.session.scalar(touch)
    assert last is not None, "the counter row exists: inserted above if it did not"
    return int(last)
