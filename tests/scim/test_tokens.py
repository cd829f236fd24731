"""SCIM tokens: their own scope, separate from the clearance API's, created by the CLI."""

from lms.models import ApiToken
from tests.helpers import events


def test_without_a_scim_token_nothing_opens(client, token, scim_token):
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": f"Bearer {token}"}):
        response = client.get("/scim/v2/Users", headers=headers)
        assert response.status_code == 401
        assert response.mimetype == "application/scim+json"
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="SCIM"'
        assert response.get_json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
        assert client.post("/scim/v2/Users", json={}, headers=headers).status_code == 401
    opened = client.get("/scim/v2/Users", headers={"Authorization": f"Bearer {scim_token}"})
    assert opened.status_code == 200


def test_a_scim_token_opens_no_clearance_answer(client, employee, token, scim_token):
    path = f"/api/v1/clearance/{employee.email}"
    assert client.get(path, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    refused = client.get(path, headers={"Authorization": f"Bearer {scim_token}"})
    assert refused.status_code == 401


def test_cli_creates_lists_and_revokes_scim_tokens(runner, client):
    result = runner.invoke(args=["lms", "token", "create", "Entra ID", "--scope", "scim"])
    assert result.exit_code == 0, result.output
    plain = result.output.strip().splitlines()[-1]
    assert plain.startswith("lms_") and "(scim;" in result.output
    row = ApiToken.query.filter_by(name="Entra ID").one()
    assert row.scope == "scim" and row.token_hash != plain  # stored hashed
    assert events("api_token.created")[-1].after["scope"] == "scim"
    assert "scim" in runner.invoke(args=["lms", "token", "list"]).output
    headers = {"Authorization": f"Bearer {plain}"}
    assert client.get("/scim/v2/ServiceProviderConfig", headers=headers).status_code == 200
    runner.invoke(args=["lms", "token", "revoke", str(row.id)])
    assert client.get("/scim/v2/ServiceProviderConfig", headers=headers).status_code == 401
    bad = runner.invoke(args=["lms", "token", "create", "x", "--scope", "everything"])
    assert bad.exit_code != 0
