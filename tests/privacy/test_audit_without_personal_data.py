"""New audit events and outbox payloads name people by id only: the main flows (roster
import and change, sign-in, a failed one, a reset request, certification, a handle, a
role grant) leave no name, email address, employee id or IP address in them; and
``audit.record`` refuses personal keys, so new code that breaks the rule fails."""

import json

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.models import AuditEvent
from lms.models import OutboxEvent
from lms.models import Role
from lms.models import User
from lms.services import audit
from lms.services import events
from lms.services import handles
from tests.helpers import GOOD_ROWS
from tests.helpers import attesting_content
from tests.helpers import pass_course
from tests.helpers import sign_in
from tests.helpers import user
from tests.helpers import write_roster

ADDRESS = "198.51.100.23"


@pytest.fixture(scope="session")
def attesting_root(tmp_path_factory):
    return attesting_content(tmp_path_factory.mktemp("attesting"))


@pytest.fixture
def content_root(attesting_root):
    return attesting_root


def trail_text() -> str:
    db.session.expire_all()
    rows = db.session.execute(sa.select(AuditEvent.before, AuditEvent.after)).all()
    payloads = db.session.scalars(sa.select(OutboxEvent.payload)).all()
    return json.dumps([list(r) for r in rows] + list(payloads), ensure_ascii=False).lower()


def test_the_main_flows_leave_no_personal_data_in_the_trail(runner, client, make_user, tmp_path):
    imported = runner.invoke(args=["lms", "roster", "import", str(write_roster(tmp_path))])
    assert imported.exit_code == 0, imported.output
    renamed = [GOOD_ROWS[0], GOOD_ROWS[1].replace("ben@", "benjamin@"), GOOD_ROWS[2]]
    changed = write_roster(tmp_path, renamed, name="changed.csv")
    assert runner.invoke(args=["lms", "roster", "import", str(changed)]).exit_code == 0
    admin = make_user(roles=[Role.ADMIN], name="Ada Lovelace-Admin", email="ada@example.com")
    learner = make_user(name="Lena Learner-Zed", email="lena@example.com", employee_id="LZ-42")
    client.environ_base["REMOTE_ADDR"] = ADDRESS
    client.post("/login", data={"email": learner.email, "password": "not-the-password"})
    client.post("/password/forgot", data={"email": "LZ-42"})
    sign_in(client, learner)
    pass_course(client, learner)  # quiz, attestation with the typed name, certification
    handles.register(learner, "x", "lena_learns", "Lena at work")
    client.post("/logout")
    sign_in(client, admin)
    response = client.post("/admin/people/LZ-42/grant", data={"role": "hr"})
    assert response.status_code == 302
    assert user("E2").email == "benjamin@example.com"

    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {
        "roster.user_added",
        "roster.user_updated",
        "auth.sign_in_failed",
        "password_reset.requested",
        "auth.signed_in",
        "certification.attested",
        "certification.issued",
        "handle.registered",
        "role.granted",
    } <= actions
    text = trail_text()
    people = db.session.scalars(sa.select(User)).all()
    needles = {ADDRESS, "lena_learns", "lena at work", "ben@example.com", '"manager"'}
    for person in people:  # employee ids as JSON strings: "e1" is part of many a hash
        needles |= {person.name.lower(), person.email.lower(), f'"{person.employee_id.lower()}"'}
    assert [needle for needle in sorted(needles) if needle in text] == []
    updated = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "roster.user_updated")
    ).one()
    assert updated.subject_user_id == user("E2").id and updated.after["changed"] == ["email"]


@pytest.mark.parametrize("key", ["email", "name", "employee_id", "ip_address", "typed_name"])
def test_recording_personal_data_fails_loudly(app, key):
    with pytest.raises(audit.PersonalDataInAudit, match=key):
        audit.record("test.action", after={key: "x"})
    with pytest.raises(audit.PersonalDataInAudit, match=key):
        events.record("person.changed", user_id=1, payload={key: "x"})
    with pytest.raises(audit.PersonalDataInAudit, match=key):
        events.record_many("person.changed", [(1, {key: "x"})])


def test_ids_and_facts_are_recorded(app):
    audit.record("test.action", before={"department": "Sales"}, after={"certification_id": 1})
    db.session.rollback()
