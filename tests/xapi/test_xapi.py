"""xAPI: a learner who passes the quiz through the pages is reported to a real Learning
Record Store (an HTTP server in a thread): attempted, completed, passed, in order, by the
job that reads the outbox, never blocking the learner; an LRS that is down gets the same
statements later, none lost and none twice."""

import base64
import json
import re
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms import jobs
from lms.extensions import db
from lms.models import OutboxEvent
from lms.models import XapiSend
from lms.models import utcnow
from lms.services import xapi_delivery
from tests.helpers import COURSE
from tests.helpers import answer_form
from tests.helpers import at_once
from tests.helpers import latest_attempt
from tests.helpers import read_all_modules
from tests.helpers import sign_in
from tests.xapi.statement_shape import spec_shape
from tests.xapi.statement_shape import unknown_paths


@pytest.fixture
def app_config(receiver):
    return {
        "XAPI_LRS_URL": receiver.url,
        "XAPI_LRS_USERNAME": "lrs-key",
        "XAPI_LRS_PASSWORD": "lrs-secret",
        "XAPI_ALLOW_PRIVATE": True,  # the receiver listens on 127.0.0.1
        "BASE_URL": "https://lms.example.com",
    }


def take_quiz(client, person, right=True) -> None:
    sign_in(client, person)
    read_all_modules(client, COURSE, ["say-who-you-are", "keep-secrets"])
    client.post(f"/training/{COURSE}/quiz")
    attempt = latest_attempt(person)
    response = client.post(f"/training/attempts/{attempt.id}", data=answer_form(attempt, right))
    assert response.status_code == 302


def send(at=None):
    job = jobs.start("xapi", {"now": at.isoformat()} if at else {}, None)
    assert job.status == "succeeded", job.error
    return job.result


def verbs(statements) -> list[str]:
    return [s["verb"]["id"].rsplit("/", 1)[1] for s in statements]


def test_a_passed_quiz_reaches_the_lrs_in_order(client, employee, receiver):
    take_quiz(client, employee)
    assert receiver.requests == []  # nothing is sent while the learner waits
    result = send()
    assert result["sent"] == 2 and result["failed"] == 0

    statements = [s for r in receiver.requests for s in json.loads(r["body"])]
    assert verbs(statements) == ["attempted", "completed", "passed"]
    for request in receiver.requests:
        assert request["path"] == "/hooks/lms/statements"
        assert request["headers"]["x-experience-api-version"] == "1.0.3"
        basic = base64.b64encode(b"lrs-key:lrs-secret").decode()
        assert request["headers"]["authorization"] == f"Basic {basic}"
        assert employee.email.encode() not in request["body"]
    for statement in statements:
        uuid.UUID(statement["id"])
        assert statement["actor"]["account"] == {
            "homePage": "https://lms.example.com",
            "name": employee.employee_id,
        }
        assert statement["object"]["id"] == f"https://lms.example.com/training/{COURSE}/quiz"
        assert statement["object"]["definition"]["name"]["en"]
    assert len({s["context"]["registration"] for s in statements}) == 1
    passed = statements[2]["result"]
    assert passed["success"] is True and passed["completion"] is True
    assert passed["score"]["scaled"] == 1.0
    assert passed["score"]["raw"] == passed["score"]["max"] > passed["score"]["min"] == 0
    assert re.fullmatch(r"PT(\d+H)?(\d+M)?[\d.]+S", passed["duration"])

    assert send()["sent"] == 0  # sent once: a second run finds nothing
    assert len(receiver.requests) == 2


def test_statements_have_the_shape_of_the_specs_examples(client, employee, receiver):
    spec = spec_shape()
    assert len(spec) > 100  # every example statement was read
    take_quiz(client, employee, right=False)
    send()
    statements = [s for r in receiver.requests for s in json.loads(r["body"])]
    assert verbs(statements) == ["attempted", "completed", "failed"]
    assert statements[2]["result"]["success"] is False
    for statement in statements:
        assert {"id", "actor", "verb", "object"} <= statement.keys()
        assert unknown_paths(statement, spec) == []
    # The check bites: a property no statement has is reported.
    assert unknown_paths(statements[0] | {"grade": "A"}, spec) == ["$.grade: {'str'}"]


def test_an_lrs_that_is_down_gets_everything_later_once(client, employee, receiver):
    receiver.answers = [503]
    take_quiz(client, employee)
    first = send()
    assert first["sent"] == 0 and first["failed"] == 1
    assert len(receiver.requests) == 1  # the run stopped: the rest waits in order
    # Until the failed one is retried (30 s on), the person's later event waits behind it.
    assert send()["sent"] == 0
    assert len(receiver.requests) == 1
    db.session.expire_all()
    assert sorted(s.status for s in db.session.scalars(sa.select(XapiSend))) == [
        "pending",
        "pending",
    ]

    later = send(utcnow() + timedelta(hours=1))
    assert later["sent"] == 2
    delivered = [s for r in receiver.requests[1:] for s in json.loads(r["body"])]
    assert verbs(delivered) == ["attempted", "completed", "passed"]
    ids = [s["id"] for s in delivered]
    assert len(set(ids)) == 3
    # The retried request carried the very statement that failed: idempotent at the LRS.
    assert json.loads(receiver.requests[0]["body"])[0]["id"] == ids[0]
    assert send(utcnow() + timedelta(hours=2))["sent"] == 0
    assert len(receiver.requests) == 3


@pytest.mark.fresh_database
def test_two_runs_at_once_send_each_statement_once(app, client, employee, receiver):
    take_quiz(client, employee)
    reports = at_once(app, xapi_delivery.run)
    assert sorted(r.sent for r in reports) in ([0, 2], [1, 1])
    ids = [s["id"] for r in receiver.requests for s in json.loads(r["body"])]
    assert len(ids) == len(set(ids)) == 3


def test_an_event_pruned_before_sending_is_given_up_not_retried(client, employee, receiver):
    take_quiz(client, employee)
    assert send()["sent"] == 2
    later = OutboxEvent(kind="attempt.started", user_id=employee.id, course_id=COURSE)
    later.payload = {"attempt_id": 0, "version": "1.0", "lang": "en"}
    db.session.add(later)
    db.session.commit()
    xapi_delivery.fan_out(utcnow())
    db.session.delete(db.session.get(OutboxEvent, later.id))  # pruned before it was sent
    db.session.commit()
    assert send()["given_up"] == 1
    assert len(receiver.requests) == 2
