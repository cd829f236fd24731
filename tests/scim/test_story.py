"""The whole life of a person the identity provider manages, through HTTP only: created
over SCIM, signs in, takes the course, is cleared; deactivated over SCIM, is not cleared
and is signed out everywhere, in the same request."""

from tests.helpers import PASSWORD
from tests.helpers import certify_through_pages
from tests.helpers import sign_in
from tests.scim.samples import ENTERPRISE
from tests.scim.samples import new_user
from tests.scim.test_users import created
from tests.scim.test_users import person_of
from tests.scim.test_users import sessions_of
from tests.scim.test_users import set_password


def test_provisioned_certified_cleared_then_deactivated(app, client, scim, token):
    body = created(
        scim,
        new_user(
            "noa@example.com", **{ENTERPRISE: {"employeeNumber": "N-7", "department": "Sales"}}
        ),
    )
    noa = person_of(body)
    # A password here; test_story_sso.py signs in through the company's provider.
    set_password(noa, PASSWORD)
    api = {"Authorization": f"Bearer {token}"}
    answer = client.get("/api/v1/clearance/N-7", headers=api).get_json()
    assert answer["cleared"] is False

    certify_through_pages(app.test_client(), noa)
    answer = client.get("/api/v1/clearance/noa@example.com", headers=api).get_json()
    assert answer["cleared"] is True and answer["employee_id"] == "N-7"

    browser = app.test_client()
    sign_in(browser, noa)
    assert browser.get("/training").status_code == 200
    assert sessions_of(body) == 1

    clearance = lambda: client.get("/api/v1/clearance/N-7", headers=api)  # noqa: E731
    deactivate_and_check(scim, body, clearance, browser)


def deactivate_and_check(scim, body: dict, ask_clearance, browser) -> None:
    """Entra's way of deactivating ``body``'s person; then ``ask_clearance()`` answers not
    cleared (inactive) and ``browser``, signed in as them, is signed out."""
    response = scim.patch(
        f"/Users/{body['id']}", {"op": "Replace", "path": "active", "value": "False"}
    )
    assert response.status_code in (200, 204)
    answer = ask_clearance().get_json()
    assert answer["cleared"] is False
    assert "inactive" in [reason["code"] for reason in answer["reasons"]]
    assert sessions_of(body) == 0
    response = browser.get("/training")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
