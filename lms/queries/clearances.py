"""Stored clearance answers, many at a time: the API's batch and its changes feed.

Both read the answers as the clearance table holds them, the JSON columns as their text
(``reasons`` and ``courses`` are stored in the API's own shape), so that a thousand answers
become JSON without decoding and re-encoding two thousand lists.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa

from lms.extensions import db
from lms.models import Clearance
from lms.models import User


class StoredAnswer(NamedTuple):
    """One person's stored clearance; ``reasons`` and ``courses`` are JSON text."""

    user_id: int
    employee_id: str
    email: str
    cleared: bool | None  # None: no stored answer yet
    valid_until: datetime | None
    reasons: str
    courses: str
    computed_at: datetime
    change_seq: int | None

    def outdated(self, now: datetime) -> bool:
        """Never computed, or it may have lapsed by itself: recompute before answering."""
        return self.cleared is None or (self.valid_until is not None and self.valid_until <= now)


_COLUMNS = (
    Clearance.user_id,
    User.employee_id,
    User.email,
    Clearance.cleared,
    Clearance.valid_until,
    sa.cast(Clearance.reasons, sa.Text),
    sa.cast(Clearance.courses, sa.Text),
    Clearance.computed_at,
    Clearance.change_seq,
)


def by_identifiers(employee_ids: Sequence[str], emails: Sequence[str]) -> list[StoredAnswer]:
    """The people with these employee ids or (lower-case) emails and their stored answers,
    in one statement. A person with no stored answer yet (rare: every way of adding one
    computes it) comes with ``cleared`` None."""
    named = []
    if employee_ids:
        named.append(User.employee_id.in_(employee_ids))
    if emails:
        named.append(User.email.in_(emails))
    if not named:
        return []
    statement = (
        sa.select(User.id, *_COLUMNS[1:])
        .outerjoin(Clearance, Clearance.user_id == User.id)
        .where(sa.or_(*named))
    )
    return [StoredAnswer(*row) for row in db.session.execute(statement)]


def changed_after(after: int, limit: int) -> list[StoredAnswer]:
    """Up to ``limit`` answers numbered after ``after`` in the changes feed, in its order
    (the numbers are given by :func:`lms.services.clearance_feed.stamp`)."""
    statement = (
        sa.select(*_COLUMNS)
        .join(User, User.id == Clearance.user_id)
        .where(Clearance.change_seq > after)
        .order_by(Clearance.change_seq)
        .limit(limit)
    )
    return [StoredAnswer(*row) for row in db.session.execute(statement)]
