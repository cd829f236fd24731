"""The revocation form carries a CSRF token; a post without it changes nothing."""

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.models import Certification
from lms.models import Role
from tests.helpers import PASSWORD
from tests.helpers import certify
from tests.helpers import csrf_token_of
from tests.helpers import events


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def test_a_post_without_the_forms_token_is_refused(app, client, make_user):
    person = make_user()
    certify(person)
    cert = db.session.scalars(sa.select(Certification).where(Certification.user_id == person.id))
    cert = cert.one()
    hr = make_user(roles=[Role.HR])
    login = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={"email": hr.email, "password": PASSWORD, "csrf_token": csrf_token_of(login)},
    )
    url = f"/hr/certifications/{cert.id}/revoke"
    assert client.post(url, data={"reason": "No token"}).status_code == 400
    db.session.expire_all()
    assert cert.status == "active" and events("certification.revoked") == []

    page = client.get(f"/hr/people/{person.employee_id}").get_data(as_text=True)
    response = client.post(url, data={"reason": "With token", "csrf_token": csrf_token_of(page)})
    assert response.status_code == 302
    db.session.expire_all()
    assert cert.status == "revoked"
