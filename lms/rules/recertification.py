"""Calendar-anchored recertification: when a certification expires if its requirement
says "every year in January" (a month) or "all expire on 31 March" (a day each year),
instead of the course's rolling validity."""

import calendar
from datetime import UTC
from datetime import datetime
from datetime import time
from datetime import timedelta


def anchor_in(year: int, month: int, day: int | None) -> datetime:
    """The anchor of ``year``: 23:59:59 UTC on ``day`` of ``month`` (None, or a day the
    month does not have: its last day)."""
    last = calendar.monthrange(year, month)[1]
    return datetime.combine(
        datetime(year, month, min(day or last, last)).date(), time(23, 59, 59), UTC
    )


def anchored_expiry(issued_at: datetime, month: int, day: int | None, window_days: int) -> datetime:
    """The first anchor more than ``window_days`` (the renewal window) after
    ``issued_at``: someone certified inside the window before an anchor (they were just
    asked to renew) is certified until the next year's anchor."""
    earliest = issued_at + timedelta(days=window_days)
    year = issued_at.year
    while anchor_in(year, month, day) <= earliest:
        year += 1
    return anchor_in(year, month, day)


def valid_anchor(month: int | None, day: int | None) -> bool:
    """Whether (month, day) names an anchor: no month (rolling), a month, or a day that
    some year's month has (29 February counts: it lands on the 28th in other years)."""
    if month is None:
        return day is None
    if not 1 <= month <= 12:
        return False
    return day is None or 1 <= day <= calendar.monthrange(2024, month)[1]
