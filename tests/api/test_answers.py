"""What every API answer carries, and input that must not break it."""

import inspect
import re
import typing

import pytest

from lms.api import schemas
from lms.rules import clearance as rules


def get(client, path, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(path, headers=headers)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/clearance/a%00b",
        "/api/v1/clearance/%00",
        "/api/v1/clearance/employee@example.com%00",
    ],
)
@pytest.mark.parametrize("with_token", [True, False])
def test_a_nul_byte_in_the_identifier_is_a_bad_request(client, employee, token, path, with_token):
    """Malformed input is refused as such, token or not: it reveals no one."""
    response = get(client, path, token if with_token else None)
    assert response.status_code == 400 and response.is_json
    assert response.json["error"] == "Bad Request"


@pytest.mark.parametrize(
    "path, with_token, status",
    [
        ("/api/v1/clearance/employee@example.com", True, 200),
        ("/api/v1/clearance/employee@example.com", False, 401),
        ("/api/v1/clearance/nobody@example.com", True, 404),
        ("/api/v1/nothing-here", True, 404),
        ("/api/v1/openapi.json", False, 200),
    ],
)
def test_no_api_answer_may_be_stored_by_a_cache(client, employee, token, path, with_token, status):
    response = get(client, path, token if with_token else None)
    assert response.status_code == status
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("method", ["POST", "DELETE", "TRACE"])
def test_a_wrong_method_is_refused_saying_which_are_allowed(client, employee, token, method):
    response = client.open(
        "/api/v1/clearance/employee@example.com",
        method=method,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 405 and response.is_json
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"  # required by RFC 9110
    assert response.headers["Cache-Control"] == "no-store"


def _module_constants(module) -> set[str]:
    return {
        value for name, value in vars(module).items() if name.isupper() and isinstance(value, str)
    }


def test_the_described_codes_are_the_rules_codes():
    """The description lists the statuses and reasons the rules can give, no more, no less."""
    statuses = _module_constants(rules)
    assert set(typing.get_args(schemas.CourseStatusCode)) == statuses
    person_reasons = set(re.findall(r'Reason\("(\w+)"', inspect.getsource(rules)))
    assert person_reasons == {"inactive", "no_required_courses"}
    assert set(typing.get_args(schemas.ReasonCode)) == statuses - {rules.CLEARED} | person_reasons
