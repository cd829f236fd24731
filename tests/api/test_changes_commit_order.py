"""The changes feed skips no change when transactions commit in another order than they
wrote: two overlapping transactions on PostgreSQL (SQLite has a single writer, so two
writing transactions cannot overlap there)."""

import threading

import pytest

from lms.extensions import db
from lms.models import Clearance
from lms.models import User
from lms.services import clearance
from lms.services import users
from tests.api.test_changes import Follower
from tests.helpers import at_once

pytestmark = pytest.mark.fresh_database
WAIT = 30  # seconds: only reached if the other thread is stuck


@pytest.fixture
def two(app, make_user):
    made = [make_user(employee_id=eid) for eid in ("LATE", "EARLY")]
    for person in made:
        clearance.refresh(person)
    db.session.commit()
    return [person.id for person in made]


def test_a_change_that_commits_after_a_later_one_was_read_is_not_skipped(
    app, database_url, client, token, two
):
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has a single writer: two writing transactions cannot overlap")
    follower = Follower(client, token)
    follower.follow()  # the full copy; from here on, only changes
    late_id, early_id = two
    late_wrote, early_read = threading.Event(), threading.Event()
    roles = iter(["late", "early"])
    pick = threading.Lock()
    seen_while_late_was_open = []

    def server():
        with pick:
            role = next(roles)
        if role == "late":
            # Writes first, so a number taken when writing would be the lower one ...
            users.set_active(db.session.get(User, late_id), False, source="test")
            db.session.flush()
            late_wrote.set()
            assert early_read.wait(WAIT)
            db.session.commit()  # ... and commits last, after the reader moved past it.
        else:
            assert late_wrote.wait(WAIT)
            users.set_active(db.session.get(User, early_id), False, source="test")
            db.session.commit()
            seen_while_late_was_open.extend(follower.follow())
            early_read.set()
        return role

    at_once(app, server)

    assert seen_while_late_was_open == ["EARLY"]
    assert follower.follow() == ["LATE"]  # not skipped
    assert follower.copy["LATE"]["reasons"][0]["code"] == "inactive"
    db.session.expire_all()
    places = {row.user_id: row.change_seq for row in db.session.query(Clearance)}
    assert places[late_id] > places[early_id]  # numbered in the order they committed
