"""Calendar days in a time zone: due dates, overdue days, weeks (no app, no database)."""

from datetime import UTC
from datetime import date
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from lms.rules import days
from lms.services.reminders import reminder_for

TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")


def test_the_end_of_a_day_is_where_the_company_is():
    assert days.end_of_day(date(2030, 3, 31), TOKYO) == datetime(
        2030, 3, 31, 14, 59, 59, tzinfo=UTC
    )
    assert days.end_of_day(date(2030, 1, 15), NEW_YORK) == datetime(
        2030, 1, 16, 4, 59, 59, tzinfo=UTC
    )  # EST
    assert days.end_of_day(date(2030, 7, 15), NEW_YORK).hour == 3  # EDT


def test_the_day_of_a_moment_depends_on_the_zone():
    moment = datetime(2030, 3, 31, 20, 0, tzinfo=UTC)
    assert days.day_in(moment, UTC) == date(2030, 3, 31)
    assert days.day_in(moment, TOKYO) == date(2030, 4, 1)
    assert days.day_in(moment, NEW_YORK) == date(2030, 3, 31)


def test_overdue_days_and_weeks():
    due = days.end_of_day(date(2030, 3, 31), TOKYO)
    assert days.overdue_days(due, due, TOKYO) == 0
    assert days.overdue_days(due, datetime(2030, 3, 31, 15, 0, tzinfo=UTC), TOKYO) == 1
    assert days.week_start(datetime(2030, 6, 16, 12, 0, tzinfo=UTC), UTC) == date(2030, 6, 10)
    # Sunday evening in New York is Monday in Tokyo: another week there.
    sunday = datetime(2030, 6, 16, 22, 0, tzinfo=UTC)
    assert days.week_start(sunday, NEW_YORK) == date(2030, 6, 10)
    assert days.week_start(sunday, TOKYO) == date(2030, 6, 17)


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("Asia/Tokyo", True),
        ("UTC", True),
        ("Mars/Olympus", False),
        ("", False),
        (None, False),
        ("../../etc/passwd", False),
        ("Asia/" + "x" * 80, False),
    ],
)
def test_only_known_zones_are_valid(name, valid):
    assert days.valid_zone(name) == (name if valid else None)
    assert days.zone(name).key == (name if valid else "UTC")


def test_reminders_count_days_in_the_company_zone():
    due = days.end_of_day(date(2030, 3, 31), TOKYO)  # 14:59:59 UTC on 31 March
    evening = datetime(2030, 3, 31, 16, 0, tzinfo=UTC)  # 1 April, 01:00 in Tokyo
    assert reminder_for(due, evening, 7, TOKYO) == ("overdue", 0)
    assert reminder_for(due, evening, 7, UTC) == ("due", 0)  # what a UTC clock would say
