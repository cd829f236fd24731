"""GET /api/v1/clearance/changes: a full copy of everyone's answer, then each change, with an
opaque cursor; each person once per page with their current answer."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.api.schemas import Changes
from lms.extensions import db
from lms.models import ApiToken
from lms.models import Certification
from lms.models import Clearance
from lms.models import User
from lms.models import utcnow
from lms.services import clearance
from lms.services import users
from tests.helpers import certify
from tests.helpers import certify_through_pages
from tests.helpers import events

CHANGES = "/api/v1/clearance/changes"


class Follower:
    """Another system keeping a copy of everyone's clearance through the feed."""

    def __init__(self, client, token, limit=None):
        self.client, self.token, self.limit = client, token, limit
        self.copy: dict[str, dict] = {}
        self.cursor: str | None = None
        self.pages: list[list[dict]] = []

    def page(self, cursor=None, limit=None):
        query = {k: v for k, v in {"cursor": cursor, "limit": limit}.items() if v is not None}
        response = self.client.get(
            CHANGES, query_string=query, headers={"Authorization": f"Bearer {self.token}"}
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        return Changes.model_validate(response.json).model_dump()

    def follow(self) -> list[str]:
        """Read until nothing more waits; the employee ids seen, in order."""
        seen = []
        while True:
            body = self.page(self.cursor, self.limit)
            self.pages.append(body["changes"])
            for answer in body["changes"]:
                self.copy[answer["employee_id"]] = answer
                seen.append(answer["employee_id"])
            self.cursor = body["cursor"]
            if not body["has_more"]:
                return seen


@pytest.fixture
def people(make_user):
    """Seven people: cleared, not yet certified, and one who left; each with the answer
    that adding a person computes (make_user adds the row alone)."""
    made = {}
    for n in range(1, 8):
        made[n] = make_user(employee_id=f"E{n}", email=f"p{n}@example.com")
        clearance.refresh(made[n])
    for n in (1, 2, 3):
        certify(made[n])
    users.set_active(made[7], False, source="test")
    db.session.commit()
    return made


@pytest.fixture
def follower(client, token, people):
    follower = Follower(client, token, limit=3)
    follower.follow()
    return follower


def employee_ids() -> set[str]:
    return set(db.session.scalars(sa.select(User.employee_id)))


def test_without_a_cursor_the_pages_hold_everyones_current_answer(client, token, follower):
    assert set(follower.copy) == employee_ids()  # everyone, once
    assert sum(len(page) for page in follower.pages) == len(employee_ids())
    assert [len(page) for page in follower.pages[:-1]] == [3] * (len(follower.pages) - 1)
    for employee_id, answer in follower.copy.items():
        single = client.get(
            f"/api/v1/clearance/{employee_id}", headers={"Authorization": f"Bearer {token}"}
        )
        assert answer == single.json


def test_people_who_left_are_in_the_copy_as_not_cleared(follower):
    assert follower.copy["E7"]["cleared"] is False
    assert follower.copy["E7"]["reasons"][0]["code"] == "inactive"
    assert follower.copy["E1"]["cleared"] is True


def test_with_the_last_cursor_nothing_changed_is_an_empty_page(follower):
    body = follower.page(follower.cursor)
    assert body == {"changes": [], "cursor": follower.cursor, "has_more": False}


def test_a_certification_that_lapses_appears_after_the_cursor(follower, people):
    """Time passes: E1's certification expires while nothing runs; the next read of the
    feed says so (and the lapse is in the audit trail, as the daily run would record it)."""
    past = utcnow() - timedelta(seconds=1)
    person = people[1]
    db.session.execute(
        sa.update(Certification).where(Certification.user_id == person.id).values(expires_at=past)
    )
    db.session.execute(
        sa.update(Clearance).where(Clearance.user_id == person.id).values(valid_until=past)
    )
    db.session.commit()
    assert follower.follow() == ["E1"]
    assert follower.copy["E1"]["cleared"] is False
    assert follower.copy["E1"]["reasons"][0]["code"] == "expired"
    assert events("clearance.changed")[-1].subject_user_id == person.id


def test_passing_the_course_and_leaving_appear_in_the_order_they_happened(app, follower, people):
    certify_through_pages(app.test_client(), people[5])
    users.set_active(people[2], False, source="test")
    db.session.commit()
    assert follower.follow() == ["E5", "E2"]
    assert follower.copy["E5"]["cleared"] is True
    assert follower.copy["E2"]["reasons"][0]["code"] == "inactive"


def test_a_person_who_changed_twice_appears_once_with_the_latest_answer(follower, people):
    certify(people[4])
    users.set_active(people[6], False, source="test")
    users.set_active(people[4], False, source="test")
    db.session.commit()
    assert follower.follow() == ["E6", "E4"]
    assert follower.copy["E4"]["reasons"][0]["code"] == "inactive"


def test_recomputing_everyone_without_a_change_adds_nothing(follower, people):
    clearance.recompute_everyone()
    assert follower.follow() == []


def test_recomputing_everyone_adds_the_people_whose_answer_changed(follower, people):
    db.session.execute(
        sa.update(Certification)
        .where(Certification.user_id == people[3].id)
        .values(status="revoked")
    )
    db.session.commit()
    clearance.recompute_everyone()
    assert follower.follow() == ["E3"]
    assert follower.copy["E3"]["reasons"][0]["code"] == "revoked"


def test_a_new_follower_gets_the_current_answers_only(client, token, follower, people):
    users.set_active(people[1], False, source="test")
    db.session.commit()
    late = Follower(client, token, limit=1000)
    seen = late.follow()
    assert sorted(seen) == sorted(employee_ids())  # each once, not once per change
    assert late.copy == follower.copy | {"E1": late.copy["E1"]}
    assert late.copy["E1"]["reasons"][0]["code"] == "inactive"


@pytest.mark.parametrize(
    "query, message",
    [
        ({"limit": "0"}, "“limit” must be a whole number from 1 to 1,000."),
        ({"limit": "1001"}, "“limit” must be a whole number from 1 to 1,000."),
        ({"limit": "ten"}, "“limit” must be a whole number from 1 to 1,000."),
        ({"limit": "-1"}, "“limit” must be a whole number from 1 to 1,000."),
        ({"cursor": "nonsense"}, "“cursor” is not one this feed gave."),
        ({"cursor": "djE6LTE"}, "“cursor” is not one this feed gave."),  # v1:-1
        ({"cursor": "a" * 101}, "“cursor” is not one this feed gave."),
        ({"cursor": "dj!6MQ"}, "“cursor” is not one this feed gave."),
    ],
)
def test_a_bad_cursor_or_limit_is_400_naming_it(client, token, query, message):
    response = client.get(CHANGES, query_string=query, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400 and response.is_json
    assert response.json["message"].startswith(message)


def test_the_cursor_is_opaque_and_a_later_one_is_an_empty_page(client, token, follower):
    assert follower.cursor.isascii() and not follower.cursor.isdigit()
    from lms.api.inputs import cursor_for

    body = follower.page(cursor_for(10**12))
    assert body["changes"] == [] and body["has_more"] is False


def test_without_a_token_or_with_another_scope_it_is_401(client, people):
    assert client.get(CHANGES).status_code == 401
    row, scim = ApiToken.issue("provisioning", "scim")
    db.session.add(row)
    db.session.commit()
    response = client.get(CHANGES, headers={"Authorization": f"Bearer {scim}"})
    assert response.status_code == 401 and response.is_json
