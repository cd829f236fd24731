"""Writing to the append-only audit trail.

The trail is kept as compliance evidence for years and can never be changed, so it holds
no personal data: people are named by their user id (``actor_id``, ``subject_user_id``)
and the HR pages join to ``users`` to show names, which erasure can pseudonymise
(docs/privacy.md). :func:`record` refuses the obvious personal keys (:data:`PERSONAL_KEYS`)
so that new code that breaks the rule fails its tests; domain events obey the same rule
(:func:`refuse_personal` in :mod:`lms.services.events`).
"""

from collections.abc import Iterable

from lms.extensions import db
from lms.models import AuditEvent
from lms.models import User

#: Keys that carry a person's identifying data: never in an audit event or an outbox
#: payload. Name the person by id, the handle by its row id, a sign-in attempt by
#: :class:`lms.models.SignInAttempt` id.
PERSONAL_KEYS = frozenset(
    {
        "name",
        "email",
        "employee_id",
        "manager",  # a manager's employee id
        "hire_date",
        "identifier",  # what was typed to sign in
        "client",
        "ip",
        "ip_address",
        "typed_name",
        "handle",
        "display_name",
        "display",
        "user_name",
        "external_id",
        "to_addr",
        "cc_addr",
        "phone",
    }
)


class PersonalDataInAudit(ValueError):
    """A programming error: an audit event or a domain event was given personal data."""


def refuse_personal(*values: dict | None, where: str = "audit event") -> None:
    """Raise :class:`PersonalDataInAudit` if any dict has a top-level key of
    :data:`PERSONAL_KEYS` (nested values are ids and answers keyed by content ids, which
    could look like one)."""
    for value in values:
        found = sorted(PERSONAL_KEYS.intersection(value or ()))
        if found:
            raise PersonalDataInAudit(
                f"{where} carries personal data under {', '.join(found)}: record the "
                "person's id instead (docs/architecture.md, Events; docs/privacy.md)"
            )


def refuse_personal_rows(rows: Iterable[dict]) -> None:
    """:func:`refuse_personal` for rows of a bulk insert into ``audit_events``."""
    for row in rows:
        refuse_personal(row.get("before"), row.get("after"))


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
    :raise PersonalDataInAudit: ``before`` or ``after`` holds a personal key.
    """
    refuse_personal(before, after)
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
