"""Writing to the append-only audit trail."""

from lms.extensions import db
from lms.models import AuditEvent
from lms.models import User


def record(
    action: str,
    *,
    actor: User | None = None,
    subject: User | None = None,
    subject_id: int | None = None,
    course_id: str | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    """Add an event to the current transaction; it lands with the change it describes.

    :param action: dotted name, e.g. ``certification.issued``.
    :param actor: who did it; None for the system (a scheduled job, a content sync).
    :param subject: whose records it concerns (or ``subject_id``, their id, for bulk jobs
        that hold no loaded person).
    """
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor else None,
        subject_user_id=subject.id if subject else subject_id,
        course_id=course_id,
        before=before,
        after=after,
    )
    db.session.add(event)
    return event
