"""The schedule's settings: cron lines, or "off" to leave the run to cron."""

from datetime import datetime

import pytest

from lms.jobs import queue


def test_a_cron_line_runs_at_its_minute():
    daily = queue.schedule("15 2 * * *")
    assert daily(datetime(2030, 6, 10, 2, 15))
    assert not daily(datetime(2030, 6, 10, 2, 16))


def test_off_or_empty_leaves_it_to_cron():
    assert queue.schedule("off") is None and queue.schedule("  ") is None


def test_a_line_without_five_fields_is_refused_at_start():
    with pytest.raises(RuntimeError, match="five fields"):
        queue.schedule("2:15 daily")
