"""The event outbox: every change to a person, a certification, a clearance or published
content lands with its domain event, in the same transaction; a refused change leaves none.
Driven through the CLI and HTTP, as the changes happen in real use."""

from datetime import timedelta

import sqlalchemy as sa

from lms.extensions import db
from lms.models import OutboxEvent
from lms.models import utcnow
from lms.services import assignments
from lms.services import events
from tests.helpers import GOOD_ROWS
from tests.helpers import answer_form
from tests.helpers import certify
from tests.helpers import latest_attempt
from tests.helpers import read_all_modules
from tests.helpers import user
from tests.helpers import write_roster

COURSE = "policy-basics"
MODULES = ["say-who-you-are", "keep-secrets"]


def outbox(kind: str | None = None) -> list[OutboxEvent]:
    db.session.expire_all()
    query = sa.select(OutboxEvent).order_by(OutboxEvent.id)
    if kind:
        query = query.where(OutboxEvent.kind == kind)
    return list(db.session.scalars(query))


def import_roster(runner, path):
    result = runner.invoke(args=["lms", "roster", "import", str(path)])
    assert result.exit_code == 0, result.output
    return result


def test_a_roster_import_announces_each_new_person(runner, tmp_path):
    import_roster(runner, write_roster(tmp_path))
    created = outbox("person.created")
    assert sorted(e.user_id for e in created) == sorted(user(e).id for e in ("E1", "E2", "E3"))
    # Payloads carry ids, never personal data: consumers read the person by user_id.
    assert {tuple(e.payload.items()) for e in created} == {(("active", True),)}


def test_a_changed_row_announces_the_fields_with_before_and_after(runner, tmp_path):
    import_roster(runner, write_roster(tmp_path))
    rows = [GOOD_ROWS[0], GOOD_ROWS[1].replace("Sales", "Marketing"), GOOD_ROWS[2]]
    import_roster(runner, write_roster(tmp_path, rows, name="changed.csv"))
    [changed] = outbox("person.changed")
    assert changed.user_id == user("E2").id
    assert changed.payload == {"changed": ["department"], "department": ["Sales", "Marketing"]}


def test_a_changed_name_is_announced_without_the_names(runner, tmp_path):
    import_roster(runner, write_roster(tmp_path))
    rows = [GOOD_ROWS[0], GOOD_ROWS[1].replace("Ben Report", "Benjamin Report"), GOOD_ROWS[2]]
    import_roster(runner, write_roster(tmp_path, rows, name="changed.csv"))
    [changed] = outbox("person.changed")
    assert changed.payload == {"changed": ["name"]}


def test_a_leaver_is_announced_and_their_lost_clearance_too(runner, tmp_path):
    import_roster(runner, write_roster(tmp_path))
    certify(user("E2"))
    assert outbox("clearance.changed")[-1].payload["after"]["cleared"] is True
    import_roster(runner, write_roster(tmp_path, [GOOD_ROWS[0], GOOD_ROWS[2]], name="left.csv"))
    [left] = outbox("person.deactivated")
    assert left.payload == {"reason": "not_in_file"}
    lost = outbox("clearance.changed")[-1]
    assert lost.user_id == user("E2").id
    assert (lost.payload["before"]["cleared"], lost.payload["after"]["cleared"]) == (True, False)


def test_a_refused_import_announces_nothing(runner, tmp_path):
    before = outbox()  # the test content's publication
    bad = write_roster(tmp_path, [*GOOD_ROWS, "E4,not-an-email,Dee,Sales,DE,,en,,"])
    result = runner.invoke(args=["lms", "roster", "import", str(bad)])
    assert result.exit_code != 0
    assert outbox() == before


def test_an_account_made_by_the_cli_is_announced(runner):
    result = runner.invoke(
        args=[
            "lms",
            "user",
            "create",
            "--email",
            "Root@Example.com",
            "--name",
            "Root",
            "--employee-id",
            "A1",
            "--role",
            "admin",
        ],
        input="pw-123456789\npw-123456789\n",
    )
    assert result.exit_code == 0, result.output
    [created] = outbox("person.created")
    assert created.payload == {"active": True}


def test_passing_the_quiz_announces_the_certification_and_the_clearance(client, auth, employee):
    auth.login(employee)
    client.get("/training")
    read_all_modules(client, COURSE, MODULES)
    client.post(f"/training/{COURSE}/quiz")
    attempt = latest_attempt(employee)
    client.post(f"/training/attempts/{attempt.id}", data=answer_form(attempt))
    [issued] = outbox("certification.issued")
    assert (issued.user_id, issued.course_id) == (employee.id, COURSE)
    assert issued.payload["version"] == "1.0"
    cleared = outbox("clearance.changed")[-1]
    assert cleared.user_id == employee.id and cleared.payload["after"]["cleared"] is True
    assert cleared.id > issued.id


def test_a_failed_quiz_announces_nothing(client, auth, employee):
    auth.login(employee)
    client.get("/training")
    read_all_modules(client, COURSE, MODULES)
    client.post(f"/training/{COURSE}/quiz")
    attempt = latest_attempt(employee)
    client.post(f"/training/attempts/{attempt.id}", data=answer_form(attempt, right=False))
    assert outbox("certification.issued") == [] and outbox("clearance.changed") == []


def test_publishing_announces_the_version(app):
    published = outbox("content.published")
    assert {e.course_id for e in published} >= {COURSE}
    assert next(e for e in published if e.course_id == COURSE).payload["kind"] == "first"


def test_every_kind_recorded_is_a_known_kind(runner, tmp_path):
    import_roster(runner, write_roster(tmp_path))
    assert {e.kind for e in outbox()} <= set(events.KINDS)


def test_a_certification_that_runs_out_is_announced_once(employee):
    """The daily run's lapse (or any recompute after the expiry) says which validity ran
    out; a later recompute, or a superseded version, announces nothing more."""
    certify(employee, expires_in=timedelta(days=1))
    assert outbox("certification.expired") == []
    later = utcnow() + timedelta(days=2)
    assignments.refresh_lapsed_clearances(later)
    [expired] = outbox("certification.expired")
    assert (expired.user_id, expired.course_id) == (employee.id, COURSE)
    assert expired.payload["version"] == "1.0" and expired.payload["expired_at"]
    assignments.refresh_lapsed_clearances(later + timedelta(days=1))
    assert len(outbox("certification.expired")) == 1
