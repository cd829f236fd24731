"""The public check is rate-limited per client address, page and JSON alike."""

import pytest


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True, "HANDLE_LOOKUPS_PER_CLIENT": "3 per minute"}


def ask(client, address, path="/verify-handle?platform=x&handle=ana"):
    return client.get(path, environ_base={"REMOTE_ADDR": address}).status_code


def test_one_client_is_limited_others_are_not(client):
    assert [ask(client, "10.0.0.1") for _ in range(4)] == [200, 200, 200, 429]
    assert ask(client, "10.0.0.2") == 200  # another client
    assert ask(client, "10.0.0.1", "/verify-handle") == 200  # the empty form is not a lookup
    assert ask(client, "10.0.0.3", "/api/v1/handles/x/ana") == 200


def test_the_json_endpoint_is_limited_too_and_says_so_in_json(client):
    codes = [ask(client, "10.0.0.4", "/api/v1/handles/x/ana") for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get("/api/v1/handles/x/ana", environ_base={"REMOTE_ADDR": "10.0.0.4"})
    assert response.is_json and response.json["error"] == "Too Many Requests"
    assert "noindex" in response.headers["X-Robots-Tag"]
