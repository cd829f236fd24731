"""GET /healthz, what the load balancer asks each server: 200 when the database answers
(and Redis, when configured), 503 naming what does not; public, cookie-less, and never a
URL or an error text in the answer."""

import socket

import pytest
import redis

from tests.helpers import build_app

REDIS_URL = "redis://127.0.0.1:6379/0"


def with_redis(url: str) -> dict:
    # The rate limit keeps counting in memory: one limiter serves every app the suite builds.
    return {"REDIS_URL": url, "RATELIMIT_STORAGE_URI": "memory://"}


def redis_answers() -> bool:
    try:
        with redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1) as client:
            return bool(client.ping())
    except redis.RedisError:
        return False


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def assert_plain_answer(response) -> None:
    """No cookie, no cache, nothing that names a host or a setting."""
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    assert "127.0.0.1" not in body and "://" not in body and "sqlite" not in body


def test_a_healthy_server_without_redis(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "not configured"}
    assert_plain_answer(response)


@pytest.mark.parametrize("app_config", [with_redis(REDIS_URL)])
def test_a_healthy_server_with_redis(client, app_config):
    if not redis_answers():
        pytest.skip(f"no Redis answers at {REDIS_URL}")
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "ok"}


@pytest.mark.parametrize("app_config", [with_redis(f"redis://127.0.0.1:{closed_port()}/0")])
def test_redis_down_is_503_naming_redis(client, app_config):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "ok", "redis": "unavailable"}
    assert_plain_answer(response)


def test_database_down_is_503_naming_the_database(tmp_path):
    app = build_app(f"sqlite:///{tmp_path}/no/such/folder/lms.db")  # cannot be opened
    with app.app_context():
        response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {
        "status": "unavailable",
        "database": "unavailable",
        "redis": "not configured",
    }
    assert_plain_answer(response)


def test_health_needs_no_sign_in_and_ignores_post(client):
    assert client.post("/healthz").status_code == 405
    assert client.head("/healthz").status_code == 200
