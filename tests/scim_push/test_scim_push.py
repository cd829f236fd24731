"""The cleared people reach the advocacy tool: pushed over SCIM to a real SCIM server
(scim2-server, over HTTP), change by change through the job queue, and compared whole
once a day."""

from datetime import timedelta

import pytest

from lms import jobs
from lms.extensions import db
from lms.models import Job
from lms.models import Role
from lms.models import utcnow
from lms.models.types import iso
from lms.queries import catalog
from lms.queries import scim_push as reads
from lms.services import users
from tests.helpers import COURSE
from tests.helpers import EN_MODULE
from tests.helpers import certify
from tests.helpers import certify_through_pages
from tests.helpers import events
from tests.helpers import publish
from tests.helpers import save
from tests.helpers import sign_in
from tests.helpers import text_of
from tests.scim_push.conftest import GROUP

CHANGED = "---\ntitle: Say who you work for\n---\n\nAlways disclose that you work for us.\n"


def run(kind: str, now=None) -> Job:
    """What the scheduler does every minute (the push) or every night (the comparison)."""
    return jobs.start(kind, {"now": iso(now)} if now else {}, None)


def push(now=None) -> Job:
    job = run("scim_push", now)
    assert job.status == "succeeded", job.error
    return job


def test_a_person_who_certifies_joins_the_group_on_the_tool(client, employee, target):
    assert push().result["reconciled"] is True  # the first push fills the group
    assert target.group() is not None and target.members() == set()

    certify_through_pages(client, employee)
    job = push()
    assert job.result | {"events": 0} == {
        "events": 0,
        "added": 1,
        "removed": 0,
        "created": 1,
        "deactivated": 0,
        "reconciled": False,
    }
    assert target.members() == {"employee@example.com"}
    account = target.user("employee@example.com")
    assert account["externalId"] == employee.employee_id and account["active"] is True
    assert [e.subject_user_id for e in events("scim_push.added")] == [employee.id]
    assert events("scim_push.added")[0].after == {"target": target.url, "group": GROUP}
    assert push().result["added"] == 0  # nothing new: nothing sent


def test_a_person_already_on_the_tool_is_found_not_created_again(employee, target):
    target.send("POST", "/Users", {"userName": "employee@example.com", "active": True})
    certify(employee)
    assert push().result["created"] == 0
    assert target.members() == {"employee@example.com"}
    assert len(target.get("/Users")["Resources"]) == 1


def test_a_certification_that_lapses_after_its_grace_leaves_the_group(author, make_user, target):
    stays, lapses = make_user(), make_user()
    certify(stays)
    certify(lapses)
    push()
    assert target.members() == {stays.email, lapses.email}

    # A new major version: both are in grace (still cleared) until the deadline.
    save(author, EN_MODULE, CHANGED)
    assert publish(author, "major", grace_days=14).status_code == 302
    push()
    assert target.members() == {stays.email, lapses.email}
    deadline = catalog.latest_version(COURSE).recertify_by
    certify(stays)  # recertified on the new version in time

    after = deadline + timedelta(days=1)
    assert run("daily", after).status == "succeeded"  # the nightly run sees the lapse
    push(after)
    assert target.members() == {stays.email}
    assert [e.subject_user_id for e in events("scim_push.removed")] == [lapses.id]


def test_a_leaver_leaves_the_group_and_their_account_is_closed(make_user, target):
    leaver, other = make_user(), make_user()
    certify(leaver)
    certify(other)
    push()
    users.set_active(leaver, False, source="roster", reason="left")  # as a roster import does
    db.session.commit()

    push()
    assert target.members() == {other.email}
    assert target.user(leaver.email)["active"] is False  # this LMS created it
    assert target.user(other.email)["active"] is True
    assert [e.subject_user_id for e in events("scim_push.deactivated")] == [leaver.id]


def test_a_target_that_is_down_gets_every_change_when_it_is_back(app, client, make_user, target):
    first, second, third = make_user(), make_user(), make_user()
    certify(first)
    push()
    admin = make_user(roles=[Role.ADMIN])
    sign_in(client, admin)

    target.stop()
    certify(second)
    job = run("scim_push")
    assert job.status == "failed" and "RequestNetworkException" in job.error
    page = text_of(client.get("/admin/scim-push"))
    assert "Last error" in page and "Changes waiting 1" in page
    certify(third)
    assert run("scim_push").status == "failed"  # still down: nothing lost either
    assert reads.needed() is False  # the scheduler lets it rest a few minutes

    target.start()
    push()
    assert target.members() == {first.email, second.email, third.email}
    page = text_of(client.get("/admin/scim-push"))
    assert "Last error" not in page and "Changes waiting 0" in page
    assert "Members pushed 3" in page


def test_the_daily_comparison_undoes_what_was_changed_by_hand_on_the_tool(make_user, target):
    cleared, stranger = make_user(), make_user()
    certify(cleared)
    push()
    group = target.group()
    # Someone adds a person by hand in the tool, and takes the cleared one out.
    added = target.send("POST", "/Users", {"userName": "someone@example.com"})
    target.send(
        "PATCH",
        f"/Groups/{group['id']}",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                {"op": "add", "path": "members", "value": [{"value": added["id"]}]},
                {"op": "remove", "path": f'members[value eq "{group["members"][0]["value"]}"]'},
            ],
        },
    )
    assert target.members() == {"someone@example.com"}
    assert push().result["added"] == 0  # no event says anything changed

    job = run("scim_reconcile")
    assert job.status == "succeeded", job.error
    assert job.result["added"] == 1 and job.result["removed"] == 1
    assert target.members() == {cleared.email}
    assert stranger.email not in target.members()


def test_the_admin_page_starts_a_push_and_says_how_it_went(client, make_user, employee, target):
    sign_in(client, make_user(roles=[Role.ADMIN]))
    page = text_of(client.get("/admin/scim-push"))
    assert target.url in page and GROUP in page and "Last success Never" in page
    certify(employee)
    response = client.post("/admin/scim-push/push")
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    job = client.get(response.headers["Location"])
    assert "1 added to the group" in text_of(job)
    assert target.members() == {employee.email}
    assert "Last success Never" not in text_of(client.get("/admin/scim-push"))


@pytest.mark.parametrize("role", [Role.HR, Role.MARKETING, Role.EMPLOYEE])
def test_only_admins_see_the_push(client, make_user, role, target):
    sign_in(client, make_user(roles=[role]))
    assert client.get("/admin/scim-push").status_code == 403
    assert client.post("/admin/scim-push/push").status_code == 403


def test_without_a_target_nothing_is_scheduled(app, client, make_user):
    assert app.config["SCIM_PUSH_URL"] == ""
    assert jobs.start_scheduled("scim_push") is None
    assert jobs.start_scheduled("scim_reconcile") is None
    sign_in(client, make_user(roles=[Role.ADMIN]))
    assert "The SCIM push is off" in text_of(client.get("/admin/scim-push"))


def test_the_scheduler_starts_a_push_only_when_there_is_something_to_push(employee, target):
    assert jobs.start_scheduled("scim_push") is not None  # never filled: the first push
    later = utcnow()
    assert run("scim_push", later).status == "succeeded"
    assert reads.needed() is False
    certify(employee)
    assert reads.needed() is True
