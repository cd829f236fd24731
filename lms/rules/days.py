"""Calendar days and time zones: due dates are whole days in the company's zone.

"Due 31 March" means the end of 31 March where the company is, for everyone, wherever
they read it; times (a quiz submitted, a file uploaded) are shown in the reader's zone.
"""

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from datetime import tzinfo
from functools import cache
from zoneinfo import ZoneInfo
from zoneinfo import ZoneInfoNotFoundError
from zoneinfo import available_timezones

#: Longest IANA zone name we store (the column's width).
MAX_ZONE = 64


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def valid_zone(name: str | None) -> str | None:
    """``name`` if it is an IANA time zone this machine knows ("Asia/Tokyo"), else None."""
    if not name or len(name) > MAX_ZONE or name not in _known_zones():
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def zone(name: str | None, fallback: str = "UTC") -> ZoneInfo:
    """The zone ``name`` names, or ``fallback`` for a missing or unknown one."""
    return ZoneInfo(valid_zone(name) or valid_zone(fallback) or "UTC")


def day_in(moment: datetime, tz: tzinfo) -> date:
    """The calendar day ``moment`` falls on in ``tz``."""
    return moment.astimezone(tz).date()


def end_of_day(day: date, tz: tzinfo) -> datetime:
    """The last second of ``day`` in ``tz``, in UTC: what "due on ``day``" means."""
    return datetime.combine(day, time(23, 59, 59), tz).astimezone(UTC)


def week_start(moment: datetime, tz: tzinfo) -> date:
    """The Monday of the week ``moment`` falls in, in ``tz``."""
    day = day_in(moment, tz)
    return day - timedelta(days=day.weekday())


def overdue_days(due_at: datetime, now: datetime, tz: tzinfo) -> int:
    """Whole days between the due day and today in ``tz`` (0 or less: not overdue)."""
    return (day_in(now, tz) - day_in(due_at, tz)).days
