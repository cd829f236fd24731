"""CSRF, cookies, headers and the login rate limit."""

import pytest

from tests.helpers import PASSWORD


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def test_forms_without_csrf_token_are_refused(client, employee):
    response = client.post("/login", data={"email": employee.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_logout_needs_a_post_with_token(client):
    assert client.get("/logout").status_code == 405


def test_security_headers(client):
    headers = client.get("/login").headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


def test_session_cookie_is_httponly_and_samesite(client):
    response = client.get("/login")
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_requires_a_secret_key(monkeypatch):
    from lms import create_app

    monkeypatch.setenv("LMS_ENV", "production")
    monkeypatch.delenv("LMS_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="LMS_SECRET_KEY"):
        create_app()
