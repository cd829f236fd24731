"""/scim/v2/Groups: members, the RFC samples, group -> role and assignment rules by group."""

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.models import Enrollment
from lms.models import Role
from lms.models import User
from tests.helpers import COURSE
from tests.helpers import events
from tests.helpers import sign_in
from tests.scim.samples import GROUP
from tests.scim.samples import new_user
from tests.scim.samples import sample
from tests.scim.test_users import created
from tests.scim.test_users import error_of

GROUP_ROLES = {"LMS HR": "hr", "LMS Admins": "admin", "Broken": "superuser"}


@pytest.fixture
def app_config():
    return {"SCIM_GROUP_ROLES": GROUP_ROLES}


@pytest.fixture
def people(scim):
    """Two people provisioned over SCIM: their ids."""
    return [created(scim, new_user(f"{name}@example.com"))["id"] for name in ("babs", "mandy")]


def new_group(scim, name: str, *member_ids: str) -> dict:
    body = {"schemas": [GROUP], "displayName": name}
    body["members"] = [{"value": m} for m in member_ids]
    response = scim.post("/Groups", body)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def members(scim, group: dict) -> list[str]:
    body = scim.get(f"/Groups/{group['id']}").get_json()
    return sorted(m["value"] for m in body.get("members", []))


def roles_of(user_id: str) -> set[Role]:
    db.session.expire_all()
    return db.session.get_one(User, int(user_id)).roles


def with_ids(body, ids: dict[str, str]):
    """A sample with its example user ids replaced by ours."""
    text = __import__("json").dumps(body)
    for theirs, ours in ids.items():
        text = text.replace(theirs, ours)
    return __import__("json").loads(text)


def test_rfc_group_sample_and_member_patches(scim, people):
    babs, mandy = people
    ids = {
        "2819c223-7f76-453a-919d-413861904646": babs,
        "902c246b-6245-4190-8e05-00816be7344a": mandy,
        "2819c223...413861904646": babs,
        "2819c223...919d-413861904646": babs,
        "08e1d05d...473d93df9210": mandy,
    }
    body = with_ids(sample("rfc7643-8.4-group"), ids)
    response = scim.post("/Groups", body)
    assert response.status_code == 201, response.get_data(as_text=True)
    group = response.get_json()
    assert group["displayName"] == "Tour Guides"
    assert members(scim, group) == sorted([babs, mandy])
    path = f"/Groups/{group['id']}"

    def patch(name):
        response = scim.request("PATCH", path, with_ids(sample(name), ids))
        assert response.status_code in (200, 204), response.get_data(as_text=True)

    patch("rfc7644-3.5.2.2-patch_op-remove_all_members")
    assert members(scim, group) == []
    patch("rfc7644-3.5.2.1-patch_op-add_members")
    assert members(scim, group) == [babs]
    patch("rfc7644-3.5.2.2-patch_op-remove_and_add_one_member")
    assert members(scim, group) == [mandy]
    patch("rfc7644-3.5.2.2-patch_op-remove_one_member")  # babs: not a member, no change
    assert members(scim, group) == [mandy]
    assert events("group.member_added")[-1].after == {"group": "Tour Guides", "source": "scim"}
    assert events("group.member_removed")[-1].subject_user_id == int(babs)
    # The person's resource lists their groups.
    user = scim.get(f"/Users/{mandy}").get_json()
    assert user["groups"] == [
        {
            "value": group["id"],
            "display": "Tour Guides",
            "$ref": f"http://localhost/scim/v2/Groups/{group['id']}",
            "type": "direct",
        }
    ]


def test_entra_member_patches(scim, people):
    babs, mandy = people
    group = new_group(scim, "Sales EMEA")
    path = f"/Groups/{group['id']}"
    response = scim.patch(
        path, {"op": "Add", "path": "members", "value": [{"value": babs}, {"value": mandy}]}
    )
    assert response.status_code in (200, 204)
    assert members(scim, group) == sorted([babs, mandy])
    response = scim.patch(path, {"op": "Remove", "path": "members", "value": [{"value": babs}]})
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    assert members(scim, group) == [mandy]
    response = scim.patch(path, {"op": "Replace", "path": "displayName", "value": "Sales Europe"})
    assert response.status_code in (200, 204)
    assert scim.get(path).get_json()["displayName"] == "Sales Europe"
    found = scim.get("/Groups", query_string={"filter": 'displayName eq "sales europe"'})
    assert [g["id"] for g in found.get_json()["Resources"]] == [group["id"]]
    found = scim.get("/Groups", query_string={"filter": f'members[value eq "{mandy}"]'})
    assert [g["id"] for g in found.get_json()["Resources"]] == [group["id"]]


def test_group_errors(scim, people):
    new_group(scim, "Tour Guides")
    error_of(
        scim.post("/Groups", {"schemas": [GROUP], "displayName": "tour guides"}), 409, "uniqueness"
    )
    unknown = {"schemas": [GROUP], "displayName": "Ghosts", "members": [{"value": "424242"}]}
    error_of(scim.post("/Groups", unknown), 400, "invalidValue")
    error_of(scim.get("/Groups/424242"), 404)
    error_of(scim.get("/Groups", query_string={"filter": 'title eq "x"'}), 400, "invalidFilter")


def test_groups_give_and_take_roles(scim, people, make_user):
    babs, mandy = people
    hr = new_group(scim, "LMS HR", babs)
    assert Role.HR in roles_of(babs) and Role.HR not in roles_of(mandy)
    granted = events("role.granted")[-1]
    assert granted.subject_user_id == int(babs) and granted.after == {"role": "hr", "via": "scim"}
    # A group whose role is not a role gives nothing (and breaks nothing).
    new_group(scim, "Broken", mandy)
    assert roles_of(mandy) == {Role.EMPLOYEE}
    scim.patch(
        f"/Groups/{hr['id']}", {"op": "replace", "path": "members", "value": [{"value": mandy}]}
    )
    assert Role.HR not in roles_of(babs) and Role.HR in roles_of(mandy)
    revoked = events("role.revoked")[-1]
    assert revoked.before == {"role": "hr"} and revoked.after == {"via": "scim"}
    # Deleting the group, or the person, takes the role away.
    admins = new_group(scim, "LMS Admins", babs)
    assert Role.ADMIN in roles_of(babs)
    # The last active admin keeps the role: the provider is told why, nothing changes.
    error_of(scim.delete(f"/Groups/{admins['id']}"), 400, "invalidValue")
    assert Role.ADMIN in roles_of(babs) and members(scim, admins) == [babs]
    make_user(roles=[Role.ADMIN], employee_id="A-OTHER", email="other-admin@example.com")
    assert scim.delete(f"/Groups/{admins['id']}").status_code == 204
    assert Role.ADMIN not in roles_of(babs)
    error_of(scim.get(f"/Groups/{admins['id']}"), 404)
    assert scim.delete(f"/Users/{mandy}").status_code == 204
    assert Role.HR not in roles_of(mandy) and members(scim, hr) == []


def test_a_role_from_a_group_opens_the_pages_of_that_role(scim, people, app):
    babs, _ = people
    new_group(scim, "LMS HR", babs)
    user = db.session.get_one(User, int(babs))
    from tests.helpers import PASSWORD
    from tests.scim.test_users import set_password

    set_password(user, PASSWORD)
    browser = app.test_client()
    sign_in(browser, user)
    assert browser.get("/hr/assignments").status_code == 200


def test_assignment_rule_by_group(scim, people, app, make_user):
    babs, mandy = people
    group = new_group(scim, "Sales EMEA", babs)
    hr = make_user(roles=[Role.HR])
    browser = app.test_client()
    sign_in(browser, hr)
    form = {
        "course_id": COURSE,
        "scope_kind": "group",
        "scope_value": "sales emea",
        "due_kind": "after_assignment",
        "due_days": "30",
        "submit": "Save and assign",
    }
    response = browser.post("/hr/assignments", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert "Group: Sales EMEA" in browser.get("/hr/assignments").get_data(as_text=True)
    assert enrolled(babs) and not enrolled(mandy)
    # A new member gets the course when they join the group.
    scim.patch(
        f"/Groups/{group['id']}", {"op": "add", "path": "members", "value": [{"value": mandy}]}
    )
    assert enrolled(mandy)
    assert events("enrollment.created")[-1].subject_user_id == int(mandy)
    # A rule for a group that does not exist is refused, with a message.
    page = browser.post(
        "/hr/assignments", data=form | {"scope_value": "Nobody"}, follow_redirects=True
    )
    assert "No group named Nobody." in page.get_data(as_text=True)


def enrolled(user_id: str) -> bool:
    db.session.expire_all()
    return (
        db.session.scalar(
            sa.select(sa.func.count()).where(
                Enrollment.user_id == int(user_id), Enrollment.course_id == COURSE
            )
        )
        > 0
    )
