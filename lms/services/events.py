"""The one seam for "something changed": domain events, written to the outbox.

Every service that changes a certification, a clearance, a person or published content
records the event here, inside its own transaction, before it commits. Later consumers
(webhooks, SCIM pushes, xAPI, notifications, the job queue) subscribe by reading the
outbox (:class:`lms.models.OutboxEvent`), never by being called from inside the services.
"""

from datetime import datetime

from lms.extensions import db
from lms.models import OutboxEvent
from lms.models import utcnow
from lms.services import bulk

#: Every kind of event, with what its payload holds.
KINDS = {
    "person.created": "employee_id, email, active",
    "person.changed": "employee_id and the changed fields, each [before, after]",
    "person.deactivated": "employee_id, reason",
    "person.reactivated": "employee_id",
    "certification.issued": "certification_id, version, issued_at, expires_at",
    "certification.expired": "employee_id, version, expired_at (the validity that ran out)",
    "certification.revoked": "certification_id, version, reason",
    "clearance.changed": "before and after: {cleared, valid_until, reasons}",
    "content.published": "version, kind (first, minor, major), required",
    "attempt.started": "attempt_id, version, lang, started_at",
    "attempt.submitted": (
        "attempt_id, version, lang, score (percent), points, questions, passed, "
        "started_at, submitted_at"
    ),
}


def record(
    kind: str,
    *,
    user_id: int | None = None,
    course_id: str | None = None,
    payload: dict | None = None,
    at: datetime | None = None,
) -> None:
    """Add one event to the caller's transaction; it lands with the change or not at all."""
    db.session.add(_event(kind, user_id, course_id, payload or {}, at or utcnow()))


def record_many(
    kind: str, rows: list[tuple[int | None, dict]], *, at: datetime | None = None
) -> None:
    """Add one event per ``(user_id, payload)`` with one bulk insert (roster imports)."""
    at = at or utcnow()
    _check(kind)
    bulk.insert(
        OutboxEvent.__table__,
        [
            {
                "kind": kind,
                "occurred_at": at,
                "user_id": user_id,
                "course_id": None,
                "payload": payload,
            }
            for user_id, payload in rows
        ],
    )


def _event(kind: str, user_id, course_id, payload: dict, at: datetime) -> OutboxEvent:
    _check(kind)
    return OutboxEvent(
        kind=kind, user_id=user_id, course_id=course_id, payload=payload, occurred_at=at
    )


def _check(kind: str) -> None:
    if kind not in KINDS:  # a programming error, never user input
        raise ValueError(f"unknown event kind {kind!r}")
