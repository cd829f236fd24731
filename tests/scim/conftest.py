"""SCIM fixtures: a token of scope scim, and a client that sends it."""

import threading

import pytest
from werkzeug.serving import make_server

from lms.extensions import db
from lms.models import ApiToken
from lms.services import api_tokens


@pytest.fixture
def scim_token(app):
    """A live SCIM token (the plain text, as the identity provider holds it)."""
    row, plain = ApiToken.issue("identity provider", "scim")
    db.session.add(row)
    db.session.commit()
    return plain


class ScimClient:
    """Sends SCIM requests (JSON, the token) through the app's test client."""

    def __init__(self, client, token):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def request(self, method, path, body=None, **kwargs):
        kwargs.setdefault("headers", {}).update(self.headers)
        if body is not None:
            kwargs["json"] = body
            kwargs["content_type"] = "application/scim+json"
        return self.client.open(f"/scim/v2{path}", method=method, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, body, **kwargs):
        return self.request("POST", path, body, **kwargs)

    def put(self, path, body, **kwargs):
        return self.request("PUT", path, body, **kwargs)

    def patch(self, path, *operations, **kwargs):
        body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}
        return self.request("PATCH", path, body | {"Operations": list(operations)}, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)


@pytest.fixture
def scim(client, scim_token):
    return ScimClient(client, scim_token)


@pytest.fixture
def live_scim(app):
    """The SCIM base URL of the app served by a real HTTP server on 127.0.0.1 (a thread;
    the test must be ``fresh_database``), and a SCIM token."""
    _, token = api_tokens.issue("scim2-tester", scope="scim")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/scim/v2", token
    server.shutdown()
    thread.join()
