"""After a major version, the API answers "grace" for everyone certified on the old one,
until the recertification deadline; everyone else's answer is unchanged."""

from datetime import timedelta

import sqlalchemy as sa

from lms.extensions import db
from lms.models import OutboxEvent
from lms.models import utcnow
from lms.models.types import iso
from lms.queries import catalog
from lms.services import clearance
from tests.helpers import COURSE
from tests.helpers import EN_MODULE
from tests.helpers import certify
from tests.helpers import publish
from tests.helpers import save

CHANGED = "---\ntitle: Say who you work for\n---\n\nAlways disclose that you work for us.\n"


def answer(client, token, person) -> dict:
    response = client.get(
        f"/api/v1/clearance/{person.employee_id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    return response.json


def company(make_user) -> dict:
    people = {name: make_user(name=name.title()) for name in ("certified", "twice", "new")}
    people |= {name: make_user(name=name.title()) for name in ("expired", "revoked", "leaver")}
    certify(people["certified"])
    certify(people["twice"], expires_in=timedelta(days=5))
    certify(people["twice"])
    certify(people["expired"], expires_in=timedelta(days=-1), issued_ago=timedelta(days=366))
    certify(people["revoked"], status="revoked")
    certify(people["leaver"])
    people["leaver"].active = False  # left the company, as in test_api
    clearance.refresh(people["leaver"])
    db.session.commit()
    return people


def statuses(client, token, people) -> dict:
    return {name: answer(client, token, p)["courses"][0]["status"] for name, p in people.items()}


def test_everyone_certified_on_the_old_major_is_in_grace_until_the_deadline(
    app, client, author, make_user, token, runner
):
    people = company(make_user)
    before = statuses(client, token, people)
    assert before == {
        "certified": "cleared",
        "twice": "cleared",
        "new": "not_certified",
        "expired": "expired",
        "revoked": "revoked",
        "leaver": "cleared",
    }
    changes = db.session.scalar(sa.select(sa.func.max(OutboxEvent.id)))

    save(author, EN_MODULE, CHANGED)
    assert publish(author, "major", grace_days=14).status_code == 302
    deadline = catalog.latest_version(COURSE).recertify_by
    assert deadline is not None and deadline > utcnow()

    for name in ("certified", "twice"):
        body = answer(client, token, people[name])
        assert body["cleared"] is True
        assert body["valid_until"] == iso(deadline)  # the deadline comes before the expiry
        assert body["reasons"] == [{"code": "grace", "course_id": COURSE, "until": iso(deadline)}]
        assert body["courses"][0] | {"valid_until": None} == {
            "course_id": COURSE,
            "status": "grace",
            "valid_until": None,
            "certified_version": "1.0",
            "current_version": "2.0",
        }
    in_grace = {"certified": "grace", "twice": "grace", "leaver": "grace"}
    assert statuses(client, token, people) == before | in_grace
    leaver = answer(client, token, people["leaver"])  # in grace, but not cleared: left
    assert leaver["cleared"] is False
    assert [r["code"] for r in leaver["reasons"]] == ["inactive", "grace"]

    # One clearance.changed event each, for exactly the three whose answer changed.
    changed = db.session.scalars(
        sa.select(OutboxEvent.user_id)
        .where(OutboxEvent.id > changes, OutboxEvent.kind == "clearance.changed")
        .order_by(OutboxEvent.user_id)
    ).all()
    assert changed == sorted(people[name].id for name in in_grace)

    # The nightly refresh changes nothing before the deadline...
    assert runner.invoke(args=["lms", "clearance-refresh"]).exit_code == 0
    assert statuses(client, token, people)["certified"] == "grace"
    # ...and after it, the old major no longer counts.
    version = catalog.latest_version(COURSE)
    version.recertify_by = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert runner.invoke(args=["lms", "clearance-refresh"]).exit_code == 0
    after = statuses(client, token, people)
    assert after == before | {name: "superseded" for name in in_grace}
    assert answer(client, token, people["certified"])["cleared"] is False
