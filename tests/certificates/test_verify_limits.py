"""The public certificate check is rate-limited per client address."""

import pytest


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True, "CERTIFICATE_LOOKUPS_PER_CLIENT": "3 per minute"}


def ask(client, address, path="/verify/ABCD-EFGH-JKMN-PQRS-TVWX-YZ23"):
    return client.get(path, environ_base={"REMOTE_ADDR": address}).status_code


def test_one_client_is_limited_others_are_not(client):
    assert [ask(client, "10.0.1.1") for _ in range(4)] == [404, 404, 404, 429]
    assert ask(client, "10.0.1.2") == 404  # another client
    assert ask(client, "10.0.1.1", "/verify") == 200  # the empty form is not a lookup
    assert ask(client, "10.0.1.1", "/verify?code=ABCD") == 429  # the form's lookups count
