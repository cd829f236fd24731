"""The one seam for "something changed": domain events, written to the outbox.

Every service that changes a certification, a clearance, a person or published content
records the event here, inside its own transaction, before it commits. Later consumers
(webhooks, SCIM pushes, xAPI, notifications, the job queue) subscribe by reading the
outbox (:class:`lms.models.OutboxEvent`), never by being called from inside the services.

Payloads carry ids and facts, never personal data (names, e-mail addresses, employee ids:
:data:`lms.services.audit.PERSONAL_KEYS` are refused): the event's ``user_id`` names the
person, and a consumer that needs more reads it at delivery time (webhooks add the
employee id as it is then), so an erased person is not kept in old events.
"""

from datetime import datetime

from lms.extensions import db
from lms.models import OutboxEvent
from lms.models import utcnow
from lms.services import bulk
from lms.services.audit import refuse_personal

#: Every kind of event, with what its payload holds.
KINDS = {
    "person.created": "active",
    "person.changed": "changed (field names); non-personal fields, each [before, after]",
    "person.deactivated": "reason",
    "person.reactivated": "(nothing beyond user_id)",
    "certification.issued": "certification_id, version, issued_at, expires_at",
    "certification.expired": "version, expired_at (the validity that ran out)",
    "certification.revoked": "certification_id, version, reason",
    "clearance.changed": "before and after: {cleared, valid_until, reasons}",
    "content.published": "version, kind (first, minor, major), required",
    "attempt.started": "attempt_id, version, lang, started_at",
    "attempt.submitted": (
        "attempt_id, version, lang, score (percent), points, questions, passed, "
        "started_at, submitted_at"
    ),
    "person.erased": "(nothing beyond user_id: the person's data was pseudonymised)",
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
    for _, payload in rows:
        refuse_personal(payload, where=f"{kind} event")
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
    refuse_personal(payload, where=f"{kind} event")
    return OutboxEvent(
        kind=kind, user_id=user_id, course_id=course_id, payload=payload, occurred_at=at
    )


def _check(kind: str) -> None:
    if kind not in KINDS:  # a programming error, never user input
        raise ValueError(f"unknown event kind {kind!r}")
