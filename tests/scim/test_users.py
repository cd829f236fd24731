"""/scim/v2/Users: the RFC samples, what Entra ID and Okta send, filters, pages, errors."""

import threading

import httpx2
import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.models import OutboxEvent
from lms.models import UserSession
from tests.helpers import events
from tests.helpers import user as person
from tests.scim.samples import ENTERPRISE
from tests.scim.samples import new_user
from tests.scim.samples import sample

SCIM_JSON = "application/scim+json"


def created(scim, body) -> dict:
    response = scim.post("/Users", body)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def error_of(response, status: int, scim_type: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == SCIM_JSON
    body = response.get_json()
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert body["status"] == str(status)
    assert body.get("scimType") == scim_type
    return body


def outbox(kind: str) -> list[OutboxEvent]:
    return list(db.session.scalars(sa.select(OutboxEvent).where(OutboxEvent.kind == kind)))


# --- The RFC samples ---------------------------------------------------------------------


def test_rfc_minimal_user_is_created_with_its_email_as_the_person(scim):
    response = scim.post(
        "/Users",
        sample("rfc7643-8.1-user-minimal") | {"emails": [{"value": "bjensen@example.com"}]},
    )
    assert response.status_code == 201
    assert response.mimetype == SCIM_JSON
    body = response.get_json()
    assert response.headers["Location"] == f"http://localhost/scim/v2/Users/{body['id']}"
    assert body["userName"] == "bjensen@example.com" and body["active"] is True
    employee = person(body[ENTERPRISE]["employeeNumber"]) if ENTERPRISE in body else None
    assert employee is None  # no employeeNumber was sent: none is shown
    db.session.expire_all()
    assert events("user.created")[-1].after["source"] == "scim"
    assert outbox("person.created")[-1].payload == {"active": True}  # ids, no personal data


def test_rfc_full_and_enterprise_users_keep_what_they_sent(scim):
    full = created(scim, sample("rfc7643-8.2-user-full"))
    assert full["name"]["givenName"] == "Barbara"
    assert full["phoneNumbers"][0]["value"] == "555-555-5555"
    assert full["emails"][0]["value"] == "bjensen@example.com"
    assert person_of(full).email == "bjensen@example.com"
    assert person_of(full).name == "Babs Jensen"  # its displayName
    assert person_of(full).country is None  # "USA": RFC 7643 asks for two letters
    assert full["addresses"][0]["country"] == "USA"  # returned as sent
    enterprise = sample("rfc7643-8.3-enterprise_user")
    enterprise["userName"] = "bjensen2"
    enterprise["emails"] = [{"value": "babs2@example.com", "type": "work", "primary": True}]
    enterprise[ENTERPRISE]["manager"]["value"] = full["id"]
    body = created(scim, enterprise)
    assert body[ENTERPRISE]["employeeNumber"] == "701984"
    assert body[ENTERPRISE]["department"] == "Tour Operations"
    assert body[ENTERPRISE]["manager"]["value"] == full["id"]
    employee = person("701984")
    assert employee.department == "Tour Operations" and employee.manager_id == int(full["id"])


def person_of(body: dict):
    from lms.models import User

    db.session.expire_all()
    return db.session.get(User, int(body["id"]))


def test_a_user_without_any_email_is_refused_and_nothing_is_written(scim):
    from tests.helpers import counts

    before = counts()
    response = scim.post("/Users", sample("rfc7644-3.3-user-post_request"))
    error_of(response, 400, "invalidValue")
    assert counts() == before


def test_rfc_post_and_put_requests(scim):
    body = created(
        scim,
        sample("rfc7644-3.3-user-post_request") | {"emails": [{"value": "bjensen@example.com"}]},
    )
    assert body["externalId"] == "bjensen"
    assert person_of(body).name == "Ms. Barbara J Jensen III"
    response = scim.put(f"/Users/{body['id']}", sample("rfc7644-3.5.1-user-put_request"))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["name"]["middleName"] == "Jane"
    assert [e["value"] for e in response.get_json()["emails"]] == [
        "bjensen@example.com",
        "babs@jensen.org",
    ]


def test_rfc_patch_of_the_work_address_sets_the_country(scim):
    body = created(scim, new_user("ana@example.com", addresses=[{"type": "work", "country": "DE"}]))
    assert person_of(body).country == "DE"
    response = scim.request(
        "PATCH",
        f"/Users/{body['id']}",
        sample("rfc7644-3.5.2.3-patch_op-replace_user_work_address"),
    )
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    assert person_of(body).country == "US"
    assert scim.get(f"/Users/{body['id']}").get_json()["addresses"][0]["locality"] == "Hollywood"


def test_entra_adds_a_country_to_a_user_without_an_address(scim):
    body = created(scim, new_user("ana@example.com"))
    response = scim.patch(
        f"/Users/{body['id']}",
        {"op": "Add", "path": 'addresses[type eq "work"].country', "value": "FR"},
    )
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    assert person_of(body).country == "FR"


# --- Uniqueness and not found ------------------------------------------------------------


def test_taken_user_name_email_or_employee_number_is_409(scim, make_user):
    make_user(email="roster@example.com", employee_id="E77")
    created(scim, new_user("ana@example.com"))
    error_of(
        scim.post("/Users", new_user("ANA@example.com", "other@example.com")), 409, "uniqueness"
    )
    error_of(scim.post("/Users", new_user("ana2", "ana@example.com")), 409, "uniqueness")
    error_of(scim.post("/Users", new_user("roster@example.com")), 409, "uniqueness")
    taken = new_user("x@example.com") | {ENTERPRISE: {"employeeNumber": "E77"}}
    error_of(scim.post("/Users", taken), 409, "uniqueness")


def test_unknown_users_are_404(scim):
    for path in ("/Users/999999", "/Users/abc", "/Users/99999999999999999999"):
        error_of(scim.get(path), 404)
        error_of(scim.patch(path, {"op": "replace", "path": "active", "value": False}), 404)
        error_of(scim.delete(path), 404)


def test_bad_bodies_are_400_and_change_nothing(scim):
    error_of(scim.request("POST", "/Users", data="{not json", headers={}), 400, "invalidSyntax")
    error_of(
        scim.post("/Users", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}),
        400,
        "invalidValue",
    )
    body = created(scim, new_user("ana@example.com"))
    response = scim.patch(f"/Users/{body['id']}", {"op": "jump", "path": "active", "value": False})
    assert response.status_code == 400
    response = scim.patch(
        f"/Users/{body['id']}",
        {"op": "add", "path": ENTERPRISE + ":manager", "value": {"value": "424242"}},
    )
    error_of(response, 400, "invalidValue")
    nul = new_user("nul@example.com") | {"displayName": "A\u0000B"}
    error_of(scim.post("/Users", nul), 400, "invalidValue")


# --- What Entra ID and Okta send --------------------------------------------------------


def test_entra_patch_forms(scim, make_user):
    boss = make_user(employee_id="B1")
    body = created(scim, new_user("ana@contoso.com"))
    path = f"/Users/{body['id']}"
    response = scim.patch(
        path,
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "ana.silva@contoso.com"},
        {"op": "Add", "path": f"{ENTERPRISE}:department", "value": "Sales"},
        {"op": "Add", "path": f"{ENTERPRISE}:employeeNumber", "value": "E1"},
        {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": {"value": str(boss.id)}},
        {"op": "Replace", "path": "name.givenName", "value": "Anabela"},
        {"op": "Replace", "path": "preferredLanguage", "value": "pt-BR"},
    )
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    ana = person("E1")
    assert ana.email == "ana.silva@contoso.com" and ana.department == "Sales"
    assert ana.manager_id == boss.id and ana.preferred_language == "pt_BR"
    change = events("user.updated")[-1]
    assert change.after["department"] == "Sales" and change.after["source"] == "scim"
    assert outbox("person.changed")[-1].payload["manager_id"] == [None, boss.id]
    response = scim.patch(path, {"op": "Replace", "path": "active", "value": "False"})
    assert response.status_code in (200, 204)
    assert person("E1").active is False
    assert events("user.deactivated")[-1].after == {
        "active": False,
        "source": "scim",
        "reason": "scim",
    }
    assert outbox("person.deactivated")[-1].user_id == person("E1").id
    # Entra's other form: no path, the values in an object, booleans as strings.
    response = scim.patch(
        path, {"op": "Replace", "value": {"active": "True", "displayName": "Ana S."}}
    )
    assert response.status_code in (200, 204)
    ana = person("E1")
    assert ana.active is True and ana.name == "Ana S."
    assert outbox("person.reactivated")[-1].user_id == person("E1").id


def test_okta_deactivates_with_a_value_object_and_updates_with_put(scim):
    body = created(scim, new_user("okta@example.com"))
    path = f"/Users/{body['id']}"
    response = scim.patch(path, {"op": "replace", "value": {"active": False}})
    assert response.status_code == 200  # with the user: Okta reads it back
    assert response.get_json()["active"] is False and response.get_json()["id"] == body["id"]
    assert person_of(body).active is False
    body = scim.get(path).get_json()
    body |= {"active": True, "displayName": "Okta Person", "title": "Engineer"}
    response = scim.put(path, body)
    assert response.status_code == 200
    assert response.get_json()["title"] == "Engineer"
    assert person_of(body).active is True and person_of(body).name == "Okta Person"


def test_rfc_remove_of_the_work_email_leaves_the_other_one(scim):
    body = new_user("ana@example.com", "work@example.com")
    body["emails"].append({"value": "ana@home.example.org", "type": "home"})
    body = created(scim, body)
    remove = sample("rfc7644-3.5.2.2-patch_op-remove_multi_complex_value")
    response = scim.request("PATCH", f"/Users/{body['id']}", remove)
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    assert person_of(body).email == "ana@home.example.org"
    # Removing the last email is refused: every person has one.
    response = scim.request(
        "PATCH",
        f"/Users/{body['id']}",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "remove", "path": "emails"}],
        },
    )
    error_of(response, 400, "mutability")
    assert person_of(body).email == "ana@home.example.org"


# --- DELETE deactivates -------------------------------------------------------------------


def test_delete_deactivates_and_the_resource_is_gone(scim):
    body = created(scim, new_user("leaver@example.com"))
    path = f"/Users/{body['id']}"
    response = scim.delete(path)
    assert response.status_code == 204
    error_of(scim.get(path), 404)
    leaver = person_of(body)
    assert leaver is not None and leaver.active is False  # kept, as evidence
    assert events("user.deactivated")[-1].after["reason"] == "scim_deleted"
    listed = scim.get("/Users", query_string={"filter": 'userName eq "leaver@example.com"'})
    assert listed.get_json()["totalResults"] == 0
    # Hired again: the same person comes back, with their records.
    again = created(scim, new_user("leaver@example.com"))
    assert again["id"] == body["id"] and person_of(body).active is True


def test_deactivation_ends_the_persons_sign_ins(scim, client):
    from tests.helpers import PASSWORD
    from tests.helpers import sign_in

    body = created(scim, new_user("signed-in@example.com"))
    set_password(person_of(body), PASSWORD)
    browser = client.application.test_client()
    sign_in(browser, person_of(body))
    assert sessions_of(body) == 1
    scim.patch(f"/Users/{body['id']}", {"op": "Replace", "path": "active", "value": "False"})
    assert sessions_of(body) == 0
    assert browser.get("/training").status_code == 302


def set_password(user, password) -> None:
    from werkzeug.security import generate_password_hash

    user.password_hash = generate_password_hash(password, "pbkdf2:sha256:1000")
    db.session.commit()


def sessions_of(body: dict) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(UserSession.user_id == int(body["id"]))
    )


# --- Filters and pages --------------------------------------------------------------------


def test_filters(scim, make_user):
    roster = make_user(email="roster@example.com")
    ana = created(scim, new_user("Ana@Contoso.com", externalId="ext-ana"))
    created(scim, new_user("bo@contoso.com", externalId="ext-bo"))

    def ids(expression: str) -> list[str]:
        response = scim.get("/Users", query_string={"filter": expression})
        assert response.status_code == 200, response.get_data(as_text=True)
        return [r["id"] for r in response.get_json().get("Resources", [])]

    assert ids('userName eq "ana@contoso.com"') == [ana["id"]]
    assert ids('userName eq "ROSTER@example.com"') == [str(roster.id)]  # never written by SCIM
    assert ids('externalId eq "ext-ana"') == [ana["id"]]
    assert ids('externalId eq "EXT-ANA"') == []  # externalId is case-exact
    assert ids('emails.value eq "ana@contoso.com"') == [ana["id"]]
    assert ids('emails[value eq "ana@contoso.com"]') == [ana["id"]]
    assert len(ids('userName sw "ana" or userName ew "contoso.com"')) == 2
    assert ids('userName co "contoso" and not (externalId eq "ext-bo")') == [ana["id"]]
    assert ids("active eq false") == []
    assert ids(f'id eq "{ana["id"]}"') == [ana["id"]]


def test_bad_and_unsupported_filters_are_invalid_filter(scim):
    for expression in (
        "userName eq",
        'userName zz "a"',
        "(",
        'title eq "x"',
        'emails[type eq "work"]',
    ):
        response = scim.get("/Users", query_string={"filter": expression})
        error_of(response, 400, "invalidFilter")


def test_pages(scim):
    made = [created(scim, new_user(f"p{n}@example.com"))["id"] for n in range(5)]
    page = scim.get("/Users", query_string={"startIndex": 2, "count": 2}).get_json()
    assert page["totalResults"] == 5 and page["startIndex"] == 2 and page["itemsPerPage"] == 2
    assert [r["id"] for r in page["Resources"]] == made[1:3]
    page = scim.get("/Users", query_string={"count": 0}).get_json()
    assert page["totalResults"] == 5 and not page.get("Resources")
    page = scim.get("/Users", query_string={"startIndex": 5, "count": 10}).get_json()
    assert [r["id"] for r in page["Resources"]] == made[4:]


def test_discovery_endpoints(scim):
    config = scim.get("/ServiceProviderConfig").get_json()
    assert config["patch"]["supported"] is True and config["filter"]["maxResults"] == 200
    assert config["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    types = {r["name"]: r for r in scim.get("/ResourceTypes").get_json()["Resources"]}
    assert types["User"]["schemaExtensions"][0]["schema"] == ENTERPRISE
    schemas = {s["id"] for s in scim.get("/Schemas").get_json()["Resources"]}
    assert ENTERPRISE in schemas
    user = scim.get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User").get_json()
    emails = next(a for a in user["attributes"] if a["name"] == "emails")
    assert emails["required"] is True


@pytest.mark.fresh_database
def test_the_same_person_created_twice_at_once_is_one_201_and_one_409(live_scim):
    url, token = live_scim
    statuses = []

    def create():
        with httpx2.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as http:
            statuses.append(http.post("/Users", json=new_user("twice@example.com")).status_code)

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201, 409]
