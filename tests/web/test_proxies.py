"""X-Forwarded-For and -Proto are believed only from the proxy hops configured
(``LMS_PROXY_FIX_X_FOR``, ``LMS_PROXY_FIX_X_PROTO``): anyone can send the headers, so by
default they change neither the client address (what the rate limit and the audit trail
read) nor the scheme of external links."""

from contextlib import contextmanager

import pytest
from flask import request
from flask import request_started
from flask import url_for

LIMITED = {"RATELIMIT_ENABLED": True, "LOGIN_FAILURES_PER_CLIENT": "2 per minute"}
BEHIND_ONE_PROXY = {**LIMITED, "PROXY_FIX_X_FOR": 1, "PROXY_FIX_X_PROTO": 1}
SPOOFED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}


@pytest.fixture
def app_config(request):
    return getattr(request, "param", LIMITED)


@contextmanager
def seen_by_the_app(app):
    """What the app sees of each request: (client address, scheme, an external link)."""
    seen = []

    def record(sender, **extra):
        seen.append((request.remote_addr, request.scheme, url_for("auth.login", _external=True)))

    request_started.connect(record, app)
    try:
        yield seen
    finally:
        request_started.disconnect(record, app)


def failed_login(client, forwarded_for: str) -> int:
    data = {"email": "nobody@example.com", "password": "wrong"}
    return client.post("/login", data=data, headers={"X-Forwarded-For": forwarded_for}).status_code


def test_without_trusted_proxies_forwarded_headers_change_nothing(app, client):
    with seen_by_the_app(app) as seen:
        client.get("/login", headers=SPOOFED)
    assert seen == [("127.0.0.1", "http", "http://localhost/login")]


def test_without_trusted_proxies_a_new_forwarded_address_does_not_escape_the_limit(client):
    codes = [failed_login(client, f"203.0.113.{n}") for n in range(3)]
    assert codes == [200, 200, 429]


@pytest.mark.parametrize("app_config", [BEHIND_ONE_PROXY], indirect=True)
def test_behind_a_trusted_proxy_its_forwarded_address_and_scheme_count(app, client):
    with seen_by_the_app(app) as seen:
        client.get("/login", headers=SPOOFED)
        # The proxy appends the address it saw; what the client wrote before it is not believed.
        client.get("/login", headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.7"})
    assert seen == [
        ("203.0.113.7", "https", "https://localhost/login"),
        ("203.0.113.7", "http", "http://localhost/login"),
    ]


@pytest.mark.parametrize("app_config", [BEHIND_ONE_PROXY], indirect=True)
def test_behind_a_trusted_proxy_each_client_address_has_its_own_limit(client):
    assert [failed_login(client, "203.0.113.7") for _ in range(3)] == [200, 200, 429]
    assert failed_login(client, "203.0.113.8") == 200
