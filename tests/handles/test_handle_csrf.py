"""The handle forms need their CSRF token: a forged request registers or removes nothing."""

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.models import Role
from lms.models import SocialHandle
from lms.services import handles
from tests.helpers import PASSWORD
from tests.helpers import csrf_token_of


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def sign_in(client, person) -> None:
    token = csrf_token_of(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"email": person.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def count() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count(SocialHandle.id)))


def test_forged_registrations_and_removals_change_nothing(client, make_user, employee):
    kept = handles.register(employee, "x", "kept", "Ana")
    sign_in(client, employee)
    form = {"platform": "x", "handle": "forged", "display_name": "Ana"}
    assert client.post("/training/handles", data=form).status_code == 400
    assert client.post(f"/training/handles/{kept.id}/remove").status_code == 400
    assert count() == 1
    token = csrf_token_of(client.get("/training/handles").get_data(as_text=True))
    assert client.post("/training/handles", data=form | {"csrf_token": token}).status_code == 302
    assert count() == 2
    client.post("/logout", data={"csrf_token": token})

    sign_in(client, make_user(roles=[Role.HR]))
    assert client.post(f"/hr/handles/{kept.id}/remove", data={"reason": "x"}).status_code == 400
    assert count() == 2


def test_the_public_check_needs_no_token(client):
    assert client.get("/verify-handle?platform=x&handle=ana").status_code == 200
