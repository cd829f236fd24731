"""The clearance API: bearer tokens, JSON answers, JSON errors."""

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.models import ApiToken
from tests.helpers import answer_form
from tests.helpers import latest_attempt
from tests.helpers import read_all_modules


def get(client, path, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(path, headers=headers)


def test_no_token_is_401_json(client, employee):
    response = get(client, f"/api/v1/clearance/{employee.employee_id}")
    assert response.status_code == 401
    assert response.is_json and "token" in response.json["message"].lower()
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer ", "lms_x"])
def test_bad_token_is_401_json(client, employee, header):
    response = client.get(
        f"/api/v1/clearance/{employee.employee_id}", headers={"Authorization": header}
    )
    assert response.status_code == 401 and response.is_json


def test_revoked_token_is_401(client, employee, token):
    db.session.execute(sa.update(ApiToken).values(revoked_at=sa.func.now()))
    db.session.commit()
    assert get(client, f"/api/v1/clearance/{employee.employee_id}", token).status_code == 401


def test_session_cookie_is_not_enough(client, auth, employee):
    auth.login(employee)
    assert get(client, f"/api/v1/clearance/{employee.employee_id}").status_code == 401


def test_unknown_employee_is_404_json(client, token):
    response = get(client, "/api/v1/clearance/nobody@example.com", token)
    assert response.status_code == 404 and response.is_json
    assert response.json["error"] == "Not Found"


def test_unknown_api_path_is_json_too(client, token):
    response = get(client, "/api/v1/nothing-here", token)
    assert response.status_code == 404 and response.is_json


def test_not_cleared_until_certified_then_cleared(client, auth, employee, token):
    body = get(client, f"/api/v1/clearance/{employee.email}", token).json
    assert body["cleared"] is False
    assert body["valid_until"] is None
    assert body["reasons"][0]["code"] == "not_certified"
    assert body["courses"][0]["course_id"] == "policy-basics"

    auth.login(employee)
    read_all_modules(client, "policy-basics", ["say-who-you-are", "keep-secrets"])
    client.post("/training/policy-basics/quiz")
    attempt = latest_attempt(employee)
    client.post(f"/training/attempts/{attempt.id}", data=answer_form(attempt))
    auth.logout()

    for identifier in (employee.employee_id, employee.email.upper()):
        body = get(client, f"/api/v1/clearance/{identifier}", token).json
        assert body["cleared"] is True
        assert body["valid_until"] is not None
        assert body["reasons"] == []
        assert body["courses"][0]["status"] == "cleared"
        assert "email" not in body and "name" not in body  # no personal data it doesn't need


def test_deactivated_employee_is_not_cleared(client, employee, token):
    from lms.services import clearance

    employee.active = False
    clearance.refresh(employee)
    db.session.commit()
    body = get(client, f"/api/v1/clearance/{employee.employee_id}", token).json
    assert body["cleared"] is False and body["reasons"][0]["code"] == "inactive"
