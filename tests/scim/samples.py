"""The RFC 7643/7644 samples (tests/data/scim), and the bodies identity providers send."""

import json
from pathlib import Path

#: RFC 7643/7644 examples by section, from python-scim/scim2-models (samples/ at d5db17c5),
#: Apache-2.0: see LICENSE.scim2-models.txt there.
SAMPLES = Path(__file__).parents[1] / "data" / "scim"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def sample(name: str) -> dict:
    """An RFC sample, as a request body: without what the server assigns (id, meta)."""
    body = json.loads((SAMPLES / f"{name}.json").read_text())
    body.pop("id", None)
    body.pop("meta", None)
    return body


def new_user(user_name: str, email: str | None = None, **extra) -> dict:
    """A User as Entra ID or Okta creates one."""
    return {
        "schemas": [USER, ENTERPRISE],
        "userName": user_name,
        "name": {"givenName": "Ana", "familyName": "Silva"},
        "emails": [{"value": email or user_name, "type": "work", "primary": True}],
        "active": True,
    } | extra
