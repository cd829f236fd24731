"""Helpers for the authoring tests."""

import sqlalchemy as sa

from lms.extensions import db
from lms.models import AuditEvent
from lms.queries import workspaces
from lms.services import authoring
from tests.author.conftest import COURSE
from tests.author.conftest import edit_url
from tests.helpers import answer_form
from tests.helpers import latest_attempt
from tests.helpers import read_all_modules


def draft_text(path: str, course_id: str = COURSE) -> str:
    db.session.expire_all()
    return workspaces.workspace(course_id).files[path].decode()


def save(client, path: str, text: str, **extra):
    """Post the editor form as the page would, with the file's current fingerprint."""
    db.session.expire_all()
    ws = workspaces.workspace(COURSE)
    data = {"text": text, "base": authoring.fingerprint(ws.files[path]), "save": "Save draft"}
    data.update(extra)
    return client.post(edit_url(path), data=data)


def publish(client, kind: str, grace_days: int | None = None):
    data = {"kind": kind, "submit": "Publish"}
    if grace_days is not None:
        data["grace_days"] = str(grace_days)
    return client.post(f"/author/{COURSE}/publish", data=data)


def certify(client, employee) -> None:
    """``employee`` passes the current version of the course, through the learner pages."""
    from tests.author.conftest import sign_in

    sign_in(client, employee)
    read_all_modules(client, COURSE, ["say-who-you-are", "keep-secrets"])
    client.post(f"/training/{COURSE}/quiz")
    attempt = latest_attempt(employee)
    response = client.post(f"/training/attempts/{attempt.id}", data=answer_form(attempt))
    assert response.status_code == 302
    client.post("/logout")


def events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)
                                   .order_by(AuditEvent.id)))
