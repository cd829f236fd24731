"""The RFC 7643/7644 samples in shared/testdata/scim, and the bodies identity providers send."""

import json
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
#: ../shared/testdata/scim beside the repository (or beside its worktrees' folder).
SAMPLES = next(
    (
        folder / "shared" / "testdata" / "scim" / "rfc-samples"
        for folder in (REPOSITORY.parent, REPOSITORY.parent.parent)
        if (folder / "shared" / "testdata" / "scim").is_dir()
    ),
    REPOSITORY.parent / "shared" / "testdata" / "scim" / "rfc-samples",
)
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def sample(name: str) -> dict:
    """An RFC sample, as a request body: without what the server assigns (id, meta)."""
    if not SAMPLES.is_dir():
        pytest.skip(f"the RFC samples are not at {SAMPLES}")
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
