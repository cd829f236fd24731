"""The API's OpenAPI description: served, valid, and true of what the server answers.

Schemathesis generates requests from the description (valid and invalid ones), sends them
to the app in-process, and checks every answer: no server error, a documented status code
and content type, and a body that matches the documented schema.
"""

from collections import Counter
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from schemathesis import GenerationMode

from lms.api.inputs import cursor_for
from tests import helpers

SPEC = "/api/v1/openapi.json"
EXAMPLES = 40  # per operation and mode
KNOWN = ["E-CLEARED", "Cleared.Person@EXAMPLE.com", "E-NEW", "E-LAPSED", "E-REVOKED", "E-LEFT"]


def certify(person, **kwargs):
    """Certified long ago (so a lapsed one looks like a real lapse)."""
    helpers.certify(person, issued_ago=timedelta(days=400), **kwargs)


@pytest.fixture
def people(make_user):
    """Cleared, never certified, lapsed, revoked, and a leaver: every kind of answer."""
    cleared = make_user(employee_id="E-CLEARED", email="cleared.person@example.com")
    certify(cleared)
    make_user(employee_id="E-NEW", email="new@example.com")
    certify(make_user(employee_id="E-LAPSED"), expires_in=-timedelta(days=1))
    certify(make_user(employee_id="E-REVOKED"), status="revoked")
    leaver = make_user(employee_id="E-LEFT", active=False)
    certify(leaver)
    return cleared


#: What the checks accept beyond their defaults, and why. A batch above 1,000 ids is
#: refused with 413 (Payload Too Large), which the negative-data check does not expect by
#: default. A cursor is opaque: one made up, though a string as described, is refused (400).
CONFIG = """
[[operations]]
include-path = "/api/v1/clearance/batch"
checks.negative_data_rejection.expected-statuses = [400, 401, 413]

[[operations]]
include-path = "/api/v1/clearance/changes"
checks.positive_data_acceptance.expected-statuses = ["2xx", 400, 401]
"""
#: Every operation, and the statuses a run must reach (not only the token check).
OPERATIONS = {
    "GET /api/v1/clearance/changes": {
        GenerationMode.POSITIVE: {200},
        GenerationMode.NEGATIVE: {400, 401},
    },
    "POST /api/v1/clearance/batch": {
        GenerationMode.POSITIVE: {200},
        GenerationMode.NEGATIVE: {400, 401},
    },
    "GET /api/v1/clearance/{identifier}": {
        GenerationMode.POSITIVE: {200, 404},
        GenerationMode.NEGATIVE: {401},
    },
    # The public handle check: no token, and any text is a handle, so nothing is invalid;
    # made-up handles are nobody's ("not a registered representative").
    "GET /api/v1/handles/{platform}/{handle}": {
        GenerationMode.POSITIVE: {404},
        GenerationMode.NEGATIVE: set(),
    },
}


def requests_to_try(operation, mode, token):
    """Valid requests carry the token, and half of them ask about the people above (else a
    made-up identifier is nearly always a 404) or continue from a real cursor; half the
    invalid ones also make up the token, the others carry it, to reach the input checks."""
    auth = {"Authorization": f"Bearer {token}"}
    if mode is GenerationMode.NEGATIVE:
        return st.one_of(
            operation.as_strategy(generation_mode=mode),
            operation.as_strategy(generation_mode=mode, headers=auth),
        )
    if "{handle}" in operation.path:
        return operation.as_strategy()
    if operation.path.endswith("{identifier}"):
        known = st.sampled_from(KNOWN).flatmap(
            lambda identifier: operation.as_strategy(
                headers=auth, path_parameters={"identifier": identifier}
            )
        )
    elif operation.path.endswith("batch"):
        known = st.lists(st.sampled_from(KNOWN + ["nobody@example.com"])).flatmap(
            lambda ids: operation.as_strategy(headers=auth, body={"ids": ids})
        )
    else:
        known = st.sampled_from([cursor_for(n) for n in (0, 1, 3, 10**6)]).flatmap(
            lambda cursor: operation.as_strategy(headers=auth, query={"cursor": cursor})
        )
    return st.one_of(known, operation.as_strategy(headers=auth))


@pytest.mark.parametrize(
    "mode",
    [GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    ids=["valid-requests", "invalid-requests"],
)
def test_every_answer_matches_the_description(app, people, token, mode):
    """Bounded and derandomized: the same requests on every run, in a few seconds."""
    config = schemathesis.Config.from_str(CONFIG)
    schema = schemathesis.openapi.from_wsgi(SPEC, helpers.each_request_alone(app), config=config)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert sorted(op.label for op in operations) == sorted(OPERATIONS)

    for operation in operations:
        if mode is GenerationMode.NEGATIVE and "{handle}" in operation.path:
            continue  # the public handle check takes any text: nothing invalid to make up
        statuses = statuses_of(operation, requests_to_try(operation, mode, token))
        # The run reached the answers it is meant to check, not only the token check.
        expected = OPERATIONS[operation.label][mode]
        assert expected <= set(statuses), (operation.label, statuses)


def statuses_of(operation, requests) -> Counter:
    """Send the requests, check each answer against the description; count the statuses."""
    statuses = Counter()

    @given(case=requests)
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def answers_as_described(case):
        response = case.call_and_validate()
        statuses[response.status_code] += 1

    answers_as_described()
    return statuses


def test_the_description_is_valid_openapi(client):
    response = client.get(SPEC)
    assert response.status_code == 200 and response.is_json
    validate(response.json)  # raises, naming the offending part, if invalid


def test_the_description_documents_the_token_and_every_answer(client):
    described = client.get(SPEC).json  # no token: the description is public
    assert described["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert described["security"] == [{"bearer": []}]
    answers = described["paths"]["/api/v1/clearance/{identifier}"]["get"]["responses"]
    assert {"200", "401", "404"} <= set(answers)
    for answer in answers.values():
        assert answer["description"] and answer["content"]["application/json"]["schema"]
    # Only the API: neither the description itself nor any page.
    assert sorted(described["paths"]) == [
        "/api/v1/clearance/batch",
        "/api/v1/clearance/changes",
        "/api/v1/clearance/{identifier}",
        "/api/v1/handles/{platform}/{handle}",
    ]
    # The handle check is public: its route overrides the token requirement.
    assert described["paths"]["/api/v1/handles/{platform}/{handle}"]["get"]["security"] == []
