"""One employee's whole record, as evidence: enrolments, attempts, certifications, events."""

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.extensions import db
from lms.models import AuditEvent
from lms.models import Certification
from lms.models import Clearance
from lms.models import CourseVersion
from lms.models import Enrollment
from lms.models import ModuleProgress
from lms.models import QuizAttempt
from lms.models import User
from lms.queries import attestations
from lms.queries.reporting import Scope

#: The transcript shows this many audit events; the audit trail has them all.
EVENTS_SHOWN = 200


@dataclass
class Transcript:
    person: User
    cleared_now: bool
    clearance: Clearance | None
    enrollments: list  # (Enrollment, seconds spent on modules)
    attempts: list  # (QuizAttempt, version, seconds spent on the enrolment's modules)
    certifications: list  # (Certification, status now)
    events: Sequence[sa.Row]  # (AuditEvent, actor name or None)
    more_events: bool
    attestations: dict = field(default_factory=dict)  # certification id -> Attestation


def find_person(scope: Scope, employee_id: str) -> User | None:
    """The employee, if the viewer's scope includes them (a lead: the departments they lead)."""
    return db.session.scalar(
        sa.select(User).where(User.employee_id == employee_id, scope.condition())
    )


def transcript(scope: Scope, employee_id: str, now: datetime) -> Transcript | None:
    """Everything about one person, newest first; None when out of scope or unknown."""
    person = find_person(scope, employee_id)
    if person is None:
        return None
    row = db.session.get(Clearance, person.id)
    cleared = bool(row and row.cleared and (row.valid_until is None or row.valid_until > now))
    seconds = _seconds_by_enrollment(person)
    enrollments = [
        (e, seconds.get(e.id, 0))
        for e in db.session.scalars(
            sa.select(Enrollment)
            .where(Enrollment.user_id == person.id)
            .order_by(Enrollment.assigned_at.desc(), Enrollment.id.desc())
        )
    ]
    attempts = [
        (a, f"{major}.{minor}", seconds.get(a.enrollment_id, 0))
        for a, major, minor in db.session.execute(
            sa.select(QuizAttempt, CourseVersion.major, CourseVersion.minor)
            .join(CourseVersion, CourseVersion.id == QuizAttempt.course_version_id)
            .where(QuizAttempt.user_id == person.id)
            .order_by(QuizAttempt.started_at.desc(), QuizAttempt.id.desc())
        )
    ]
    certifications = [
        (c, certification_status(c, now))
        for c in db.session.scalars(
            sa.select(Certification)
            .where(Certification.user_id == person.id)
            .order_by(Certification.issued_at.desc(), Certification.id.desc())
        )
    ]
    events = _events(person)
    return Transcript(
        person,
        cleared,
        row,
        enrollments,
        attempts,
        certifications,
        events[:EVENTS_SHOWN],
        len(events) > EVENTS_SHOWN,
        attestations.of_certifications([c.id for c, _ in certifications]),
    )


def certification_status(cert: Certification, now: datetime) -> str:
    """``revoked``, ``expired`` (time-based, needs no job) or ``active``."""
    if cert.status != "active":
        return cert.status
    return "expired" if cert.expires_at <= now else "active"


def _seconds_by_enrollment(person: User) -> dict[int, int]:
    return dict(
        db.session.execute(
            sa.select(ModuleProgress.enrollment_id, sa.func.sum(ModuleProgress.seconds_spent))
            .join(Enrollment, Enrollment.id == ModuleProgress.enrollment_id)
            .where(Enrollment.user_id == person.id)
            .group_by(ModuleProgress.enrollment_id)
        ).all()
    )


def _events(person: User) -> Sequence[sa.Row]:
    actor = so.aliased(User)
    return db.session.execute(
        sa.select(AuditEvent, actor.name)
        .outerjoin(actor, actor.id == AuditEvent.actor_id)
        .where(AuditEvent.subject_user_id == person.id)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(EVENTS_SHOWN + 1)
    ).all()
