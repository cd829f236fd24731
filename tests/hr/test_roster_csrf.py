"""The roster forms need their CSRF token: a forged apply changes nothing."""

import re

import pytest

from lms.extensions import db
from lms.models import Role
from lms.services import roster
from tests.helpers import PASSWORD
from tests.helpers import counts
from tests.helpers import csrf_token_of
from tests.helpers import roster_text


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def sign_in(client, person) -> None:
    token = csrf_token_of(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"email": person.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_apply_and_upload_without_csrf_token_are_refused(client, make_user):
    hr = make_user(roles=[Role.HR])
    sign_in(client, hr)
    stored = roster.store_upload(roster_text().encode(), "roster.csv", hr.id)
    before = counts()
    assert client.post(f"/hr/roster/uploads/{stored.id}/apply").status_code == 400
    assert client.post("/hr/roster", data={}).status_code == 400
    assert counts() == before
    db.session.expire_all()
    assert db.session.get(roster.RosterUpload, stored.id).applied_at is None


def test_apply_with_the_pages_token_works(client, make_user):
    hr = make_user(roles=[Role.HR])
    sign_in(client, hr)
    stored = roster.store_upload(roster_text().encode(), "roster.csv", hr.id)
    page = client.get(f"/hr/roster/uploads/{stored.id}").get_data(as_text=True)
    fingerprint = re.search(r'name="fingerprint"[^>]*value="([^"]*)"', page).group(1)
    response = client.post(
        f"/hr/roster/uploads/{stored.id}/apply",
        data={"csrf_token": csrf_token_of(page), "fingerprint": fingerprint},
    )
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    assert counts()[0] == 4
