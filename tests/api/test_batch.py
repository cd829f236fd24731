"""POST /api/v1/clearance/batch: up to 1,000 employees in one request, each answered as the
single endpoint answers, in a constant number of queries; clear refusals otherwise."""

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.api.schemas import BatchAnswer
from lms.extensions import db
from lms.models import ApiToken
from lms.models import Certification
from lms.models import Clearance
from lms.models import utcnow
from lms.services import clearance
from tests.helpers import certify
from tests.helpers import events

BATCH = "/api/v1/clearance/batch"


def ask(client, token, body, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if "data" in kwargs:
        return client.post(BATCH, headers=headers, **kwargs)
    return client.post(BATCH, headers=headers, json=body)


def single(client, token, identifier):
    return client.get(
        f"/api/v1/clearance/{identifier}", headers={"Authorization": f"Bearer {token}"}
    ).json


@pytest.fixture
def people(make_user):
    """Cleared, never certified, and a leaver."""
    cleared = make_user(employee_id="E1", email="ana@example.com")
    certify(cleared)
    make_user(employee_id="E2", email="ben@example.com")
    leaver = make_user(employee_id="E3", email="cy@example.com")
    certify(leaver)
    leaver.active = False
    clearance.refresh(leaver)
    db.session.commit()
    return cleared


def test_found_and_unknown_ids_are_answered_in_the_order_asked(client, token, people):
    asked = ["E2", "nobody@example.com", "ANA@example.com", "E404", "E3", "E2"]
    response = ask(client, token, {"ids": asked})
    assert response.status_code == 200 and response.is_json
    body = BatchAnswer.model_validate(response.json)  # the shape the description promises
    assert [f.id for f in body.found] == ["E2", "ANA@example.com", "E3"]  # asked twice: once
    assert body.not_found == ["nobody@example.com", "E404"]
    answers = {f.id: f.clearance for f in body.found}
    assert answers["ANA@example.com"].cleared is True
    assert answers["ANA@example.com"].employee_id == "E1"  # emails answer with the id too
    assert answers["E2"].reasons[0].code == "not_certified"
    assert answers["E3"].cleared is False and answers["E3"].reasons[0].code == "inactive"


def test_each_answer_is_the_single_endpoints_answer(client, token, people):
    found = ask(client, token, {"ids": ["E1", "ben@example.com", "E3"]}).json["found"]
    for item in found:
        assert item["clearance"] == single(client, token, item["id"])


def test_an_answer_that_lapsed_by_itself_is_recomputed(client, token, people):
    """The daily run has not passed since the certification expired: the stored answer still
    says yes until its valid_until; the batch answers no, as the single endpoint would."""
    past = utcnow() - timedelta(seconds=1)
    db.session.execute(
        sa.update(Certification).where(Certification.user_id == people.id).values(expires_at=past)
    )
    db.session.execute(
        sa.update(Clearance).where(Clearance.user_id == people.id).values(valid_until=past)
    )
    db.session.commit()
    answer = ask(client, token, {"ids": ["E1"]}).json["found"][0]["clearance"]
    assert answer["cleared"] is False and answer["reasons"][0]["code"] == "expired"
    assert events("clearance.changed")[-1].subject_user_id == people.id


def test_a_thousand_ids_take_as_many_queries_as_one(app, client, token, make_user):
    for n in range(30):
        certify(make_user(employee_id=f"P{n:03d}"))
    statements = []

    def count(*_args):
        statements.append(1)

    def queries_for(ids) -> int:
        statements.clear()
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert ask(client, token, {"ids": ids}).status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    queries_for(["P001"])  # the token's last use is noted once a minute: now, not below
    one = queries_for(["P000"])
    many = queries_for([f"P{n:03d}" for n in range(30)] + [f"x{n}@example.com" for n in range(970)])
    assert many == one


def test_a_thousand_ids_are_allowed_and_one_more_is_413(client, token, people):
    ids = ["E1"] + [f"U{n}" for n in range(999)]
    body = ask(client, token, {"ids": ids}).json
    assert len(body["found"]) == 1 and len(body["not_found"]) == 999
    refused = ask(client, token, {"ids": ids + ["E2"]})
    assert refused.status_code == 413 and refused.is_json
    assert refused.json["message"] == "At most 1,000 ids per request; this one has 1,001. Split it."


def test_a_body_far_larger_than_a_thousand_ids_is_413_before_it_is_read(client, token):
    body = json.dumps({"ids": ["x" * 200] * 3000})
    response = ask(client, token, None, data=body, content_type="application/json")
    assert response.status_code == 413 and response.is_json


@pytest.mark.parametrize(
    "data, content_type, message",
    [
        ('{"ids": ["E1"]}', "text/plain", "Send the body as JSON"),
        ('{"ids": ["E1"]', "application/json", "The body is not valid JSON."),
        ("", "application/json", "The body is not valid JSON."),
        ('["E1"]', "application/json", "The body must be a JSON object with a list “ids”"),
        ('{"id": ["E1"]}', "application/json", "The body must be a JSON object with a list “ids”"),
        ('{"ids": "E1"}', "application/json", "“ids” must be a list"),
        ('{"ids": ["E1"], "more": 1}', "application/json", "Unknown field “more”"),
        ('{"ids": ["E1", 7]}', "application/json", "ids[1] is not a string."),
        ('{"ids": ["E1", null]}', "application/json", "ids[1] is not a string."),
        ('{"ids": [""]}', "application/json", "ids[0] is empty."),
        (json.dumps({"ids": ["x" * 255]}), "application/json", "ids[0] is longer than 254"),
        ('{"ids": ["E\\u0000"]}', "application/json", "ids[0] holds a character"),
        ('{"ids": ["E\\ud800"]}', "application/json", "ids[0] holds a character"),
    ],
)
def test_a_bad_body_is_400_naming_what_is_wrong(client, token, people, data, content_type, message):
    response = ask(client, token, None, data=data, content_type=content_type)
    assert response.status_code == 400 and response.is_json
    assert response.json["error"] == "Bad Request"
    assert response.json["message"].startswith(message)


@pytest.mark.parametrize("header", [None, "Bearer nonsense", "Basic dXNlcjpwYXNz"])
def test_without_a_valid_token_it_is_401(client, people, header):
    headers = {"Authorization": header} if header else {}
    response = client.post(BATCH, json={"ids": ["E1"]}, headers=headers)
    assert response.status_code == 401 and response.is_json
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_without_clearance_read_is_refused(client, people):
    for scopes in (["scim"], ["webhooks"]):
        row, plain = ApiToken.issue("other", scopes)
        db.session.add(row)
        db.session.commit()
        response = ask(client, plain, {"ids": ["E1"]})
        assert response.status_code == 401
        assert "clearance:read" in response.json["message"]
