"""Issue 12's whole story with the company's identity provider on both sides: SCIM creates
the person, they sign in through the provider (OpenID Connect, a real one), take the
course and are cleared; SCIM deactivates them and they are neither cleared nor signed in."""

import pytest

from lms.extensions import db
from lms.models import PasswordLink
from tests.helpers import pass_course
from tests.scim.samples import ENTERPRISE
from tests.scim.samples import new_user
from tests.scim.test_story import deactivate_and_check
from tests.scim.test_users import created
from tests.scim.test_users import person_of
from tests.scim.test_users import sessions_of


@pytest.fixture
def app_config(oidc_provider):
    return {
        "OIDC_ISSUER": oidc_provider.issuer,
        "OIDC_CLIENT_ID": "lms-test",
        "OIDC_CLIENT_SECRET": "test-client-secret",
        "OIDC_COMPANY_NAME": "Example Corp",
    }


def test_provisioned_signs_in_through_the_provider_is_cleared_then_deactivated(
    app, client, scim, token, oidc_provider
):
    body = created(
        scim,
        new_user(
            "lea@example.com", **{ENTERPRISE: {"employeeNumber": "L-9", "department": "Sales"}}
        ),
    )
    lea = person_of(body)
    assert (
        db.session.query(PasswordLink).filter_by(user_id=lea.id).count() == 0
    )  # SSO: no invitation
    api = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/clearance/L-9", headers=api).get_json()["cleared"] is False

    browser = app.test_client()
    oidc_provider.next({"sub": "idp-lea", "email": "Lea@Example.com", "email_verified": True})
    response = oidc_provider.sign_in(browser)
    assert response.status_code == 302 and "/login" not in response.location
    pass_course(browser, lea)
    answer = client.get("/api/v1/clearance/lea@example.com", headers=api).get_json()
    assert answer["cleared"] is True and answer["employee_id"] == "L-9"
    assert sessions_of(body) == 1

    clearance = lambda: client.get("/api/v1/clearance/L-9", headers=api)  # noqa: E731
    deactivate_and_check(scim, body, clearance, browser)
    # And the provider cannot sign them back in.
    oidc_provider.next({"sub": "idp-lea", "email": "lea@example.com", "email_verified": True})
    assert oidc_provider.sign_in(app.test_client()).status_code == 403
