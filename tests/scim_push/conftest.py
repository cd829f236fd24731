"""A real SCIM server for the push to talk to: scim2-server's in-memory application (the
library's own test server, with a bearer token), served over HTTP by Werkzeug in a thread
on a free loopback port; it can be stopped and started again on the same port with the
same data, as an advocacy tool that goes down for a while."""

import socket
import threading

import httpx2
import pytest
from scim2_server.memory import InMemoryStorage
from scim2_server.testserver.application import BearerTokenApplication
from scim2_server.utils import load_default_provider
from werkzeug.serving import WSGIRequestHandler
from werkzeug.serving import make_server

from tests.helpers import free_port

TOKEN = "push-token"
GROUP = "Cleared representatives"


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        """One line per request would drown the test output."""


class ScimTarget:
    """The advocacy tool: its SCIM base URL, and what a person sees in it."""

    def __init__(self) -> None:
        self.app = BearerTokenApplication(
            InMemoryStorage(), load_default_provider(), bearer_tokens=[TOKEN]
        )
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v2"
        self.server = None
        self.thread = None
        self.placeholder: socket.socket | None = None

    def start(self) -> None:
        if self.placeholder is not None:
            self.placeholder.close()
            self.placeholder = None
        self.server = make_server("127.0.0.1", self.port, self.app, request_handler=_Quiet)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Down: connections are refused. The port stays bound (not listening), so no
        other test's server can take it meanwhile."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(5)
            self.server = None
            self.placeholder = socket.socket()
            self.placeholder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.placeholder.bind(("127.0.0.1", self.port))

    def close(self) -> None:
        self.stop()
        if self.placeholder is not None:
            self.placeholder.close()

    def get(self, path: str, **params) -> dict:
        with httpx2.Client(base_url=self.url, headers=self._auth()) as http:
            response = http.get(path, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def send(self, method: str, path: str, body: dict) -> dict:
        with httpx2.Client(base_url=self.url, headers=self._auth()) as http:
            response = http.request(
                method, path, json=body, headers={"Content-Type": "application/scim+json"}
            )
        assert response.status_code in (200, 201, 204), response.text
        return response.json() if response.content else {}

    def _auth(self) -> dict:
        return {"Authorization": f"Bearer {TOKEN}"}

    def group(self) -> dict | None:
        found = self.get("/Groups", filter=f'displayName eq "{GROUP}"')["Resources"]
        return found[0] if found else None

    def user(self, user_name: str) -> dict | None:
        found = self.get("/Users", filter=f'userName eq "{user_name}"').get("Resources", [])
        return found[0] if found else None

    def members(self) -> set[str]:
        """The group's members, by userName."""
        group = self.group()
        ids = {member["value"] for member in (group or {}).get("members", [])}
        return {self.get(f"/Users/{user_id}")["userName"] for user_id in ids}


@pytest.fixture
def target(app):
    """The advocacy tool, running, and the app set to push to it."""
    tool = ScimTarget()
    tool.start()
    app.config.update(SCIM_PUSH_URL=tool.url, SCIM_PUSH_TOKEN=TOKEN)
    yield tool
    tool.close()
