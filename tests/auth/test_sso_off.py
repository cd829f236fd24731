"""Company sign-in switched off (the demo, and any install without an identity provider),
and an identity provider that does not answer. No node needed."""

import socket

import pytest

from tests.helpers import PASSWORD
from tests.helpers import build_app
from tests.helpers import text_of


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_without_a_provider_the_login_page_is_as_before(client, employee):
    page = client.get("/login")
    assert "Sign in with" not in text_of(page)
    assert 'name="password"' in page.get_data(as_text=True)
    assert client.get("/login/sso").status_code == 404
    assert client.get("/login/sso/callback?code=x&state=y").status_code == 404
    response = client.post("/login", data={"email": employee.email, "password": PASSWORD})
    assert response.status_code == 302


def test_passwords_cannot_be_switched_off_without_a_provider(app, client, employee):
    """Nobody could sign in at all: the setting waits for company sign-in to be on."""
    app.config["PASSWORD_SIGN_IN"] = False
    assert 'name="password"' in client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"email": employee.email, "password": PASSWORD})
    assert response.status_code == 302


def test_a_provider_that_does_not_answer_is_a_clear_page(app, client):
    app.config.update(
        OIDC_ISSUER=f"http://127.0.0.1:{closed_port()}", OIDC_CLIENT_ID="lms", OIDC_TIMEOUT=2
    )
    assert "Sign in with your company account" in text_of(client.get("/login"))
    response = client.get("/login/sso")
    assert response.status_code == 503
    assert "does not answer" in text_of(response)


def test_a_server_with_a_column_it_cannot_match_does_not_start(database_url):
    with pytest.raises(RuntimeError, match="LMS_OIDC_MATCH_COLUMN"):
        build_app(database_url, OIDC_MATCH_COLUMN="name")
