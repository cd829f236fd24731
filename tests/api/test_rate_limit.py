"""Each API token has a rate limit of its own: its requests count together, whichever
route they reach; above the limit, 429 JSON with Retry-After; other tokens carry on."""

import pytest
from werkzeug.test import Client

from lms.extensions import db
from lms.models import ApiToken
from tests.helpers import each_request_alone


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True, "API_RATE_LIMIT": "3 per minute"}


def issue(name, rate_limit=None) -> str:
    row, plain = ApiToken.issue(name, rate_limit=rate_limit)
    db.session.add(row)
    db.session.commit()
    return plain


def call(client, token, n):
    """The n-th request, to each route in turn: they share the token's count."""
    headers = {"Authorization": f"Bearer {token}"}
    route = n % 3
    if route == 0:
        return client.get("/api/v1/clearance/employee@example.com", headers=headers)
    if route == 1:
        return client.post("/api/v1/clearance/batch", json={"ids": ["E1"]}, headers=headers)
    return client.get("/api/v1/clearance/changes", headers=headers)


def test_above_its_limit_a_token_gets_429_with_retry_after(client, employee):
    token = issue("busy tool")
    assert [call(client, token, n).status_code for n in range(3)] == [200, 200, 200]
    refused = call(client, token, 3)
    assert refused.status_code == 429 and refused.is_json
    assert refused.json["error"] == "Too Many Requests"
    assert refused.json["message"].startswith(
        "This token has made too many requests (at most 3 per minute). Try again in"
    )
    assert 0 < int(refused.headers["Retry-After"]) <= 60


def test_each_token_counts_alone(client, employee):
    busy, calm = issue("busy tool"), issue("calm tool")
    for n in range(4):
        call(client, busy, n)
    assert call(client, busy, 0).status_code == 429
    assert call(client, calm, 0).status_code == 200


def test_a_token_with_a_limit_of_its_own_keeps_to_it(client, employee):
    token = issue("bulk sync", rate_limit="5 per minute")
    codes = [call(client, token, n).status_code for n in range(6)]
    assert codes == [200] * 5 + [429]


def test_requests_without_a_valid_token_are_not_counted_against_anyone(client, employee):
    token = issue("tool")
    for _ in range(5):
        response = client.get(
            "/api/v1/clearance/employee@example.com", headers={"Authorization": "Bearer nope"}
        )
        assert response.status_code == 401
    assert call(client, token, 0).status_code == 200


def test_a_scim_token_keeps_to_its_limit_too(client):
    row, plain = ApiToken.issue("identity provider", "scim", rate_limit="2 per minute")
    db.session.add(row)
    db.session.commit()
    headers = {"Authorization": f"Bearer {plain}"}
    codes = [client.get("/scim/v2/Users", headers=headers).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    refused = client.get("/scim/v2/Users", headers=headers)
    assert 0 < int(refused.headers["Retry-After"]) <= 60


def test_requests_served_apart_count_and_never_fail(app):
    """As on a server, each request in a context of its own (nothing left on ``g`` from
    the one before): the limiter reads the limit of SCIM's route before the token is
    found, and must neither fail nor let the requests through uncounted."""
    row, plain = ApiToken.issue("identity provider", ["scim", "clearance:read"])
    db.session.add(row)
    db.session.commit()
    server = Client(each_request_alone(app))
    headers = {"Authorization": f"Bearer {plain}"}
    codes = [server.get("/scim/v2/Users", headers=headers).status_code for _ in range(3)]
    codes.append(server.get("/api/v1/clearance/changes", headers=headers).status_code)
    assert codes == [200, 200, 200, 429]
