"""Enrolments and module progress: what a learner must do, and what they have done."""

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms import content
from lms.extensions import db
from lms.models import CourseVersion
from lms.models import Enrollment
from lms.models import ModuleProgress
from lms.models import User
from lms.models import utcnow
from lms.models.types import iso
from lms.queries import catalog
from lms.rules import clearance as rules
from lms.services import audit
from lms.services import clearance
from lms.services import person_status

# Why a required course needs doing again, by clearance status.
REASON_BY_STATUS = {
    rules.NOT_CERTIFIED: "required",
    rules.REVOKED: "required",
    rules.EXPIRED: "renewal",
    rules.CLEARED: "renewal",
    rules.GRACE: "recertify",
    rules.SUPERSEDED: "recertify",
}


@dataclass(frozen=True)
class Progress:
    modules_done: int
    modules_total: int
    quiz_passed: bool
    seconds_spent: int

    @property
    def percent(self) -> int:
        steps = self.modules_total + 1  # the quiz is the last step
        return round(100 * (self.modules_done + self.quiz_passed) / steps)


def open_enrollment(user: User, course_id: str) -> Enrollment | None:
    return _one_with_progress(
        sa.select(Enrollment).where(
            Enrollment.user_id == user.id,
            Enrollment.course_id == course_id,
            Enrollment.completed_at.is_(None),
        )
    )


def latest_enrollment(user: User, course_id: str) -> Enrollment | None:
    return _one_with_progress(
        sa.select(Enrollment)
        .where(Enrollment.user_id == user.id, Enrollment.course_id == course_id)
        .order_by(Enrollment.assigned_at.desc(), Enrollment.id.desc())
        .limit(1)
    )


def _one_with_progress(query) -> Enrollment | None:
    # Every page that reads an enrolment shows its progress: one joined read, not two.
    return (
        db.session.execute(query.options(so.joinedload(Enrollment.progress)))
        .unique()
        .scalar_one_or_none()
    )


def ensure_required_enrollments(user: User, now: datetime | None = None) -> None:
    """Enrol ``user`` in every required course they must do (again), and commit.

    A course is due when it was never passed, when the certification has expired or
    enters its renewal window, or when a new major version asks for recertification.
    """
    now = now or utcnow()
    # The courses required of this person (their audience, not exempt): the rule's list.
    versions = {v.course_id: v for v in catalog.current_versions()}
    result = clearance.evaluate(user, now)
    created = False
    for status in result.courses:
        version = versions.get(status.course_id)
        if status.status == rules.EXEMPT:
            continue
        if version is None or open_enrollment(user, status.course_id):
            continue
        meta = catalog.course_of(version).meta
        due_at = due_date(status, meta, now)
        if due_at is not None:
            _enroll(user, status.course_id, REASON_BY_STATUS[status.status], due_at, now)
            created = True
    if created:
        db.session.commit()


def due_date(
    status: rules.CourseStatus, meta: content.CourseMeta, now: datetime
) -> datetime | None:
    if status.status == rules.CLEARED:
        assert status.valid_until is not None, "a cleared course is cleared until a date"
        renewal_opens = status.valid_until - timedelta(days=meta.renewal_window_days)
        return status.valid_until if now >= renewal_opens else None
    if status.status == rules.GRACE:
        return status.valid_until
    return now + timedelta(days=meta.due_days)


def enroll_self(user: User, course_id: str, now: datetime | None = None) -> Enrollment:
    """The learner's own enrolment in an optional course (or the open one), committed."""
    enrollment = open_enrollment(user, course_id)
    if enrollment is None:
        enrollment = _enroll(user, course_id, "self", None, now or utcnow())
        db.session.commit()
    return enrollment


def _enroll(user, course_id, reason, due_at, now) -> Enrollment:
    enrollment = Enrollment(
        user_id=user.id, course_id=course_id, reason=reason, assigned_at=now, due_at=due_at
    )
    db.session.add(enrollment)
    db.session.flush()
    person_status.refresh([user.id])
    audit.record(
        "enrollment.created",
        subject=user,
        course_id=course_id,
        after={"enrollment_id": enrollment.id, "reason": reason, "due_at": iso(due_at)},
    )
    return enrollment


def progress_of(
    enrollment: Enrollment | None, course: content.Course, quiz_passed: bool = False
) -> Progress:
    module_ids = set(course.module_ids)
    rows = [p for p in (enrollment.progress if enrollment else []) if p.module_id in module_ids]
    done = sum(1 for p in rows if p.completed_at is not None)
    return Progress(done, len(module_ids), quiz_passed, sum(p.seconds_spent for p in rows))


def start_reading(
    enrollment: Enrollment,
    version: CourseVersion,
    module: content.Module,
    now: datetime | None = None,
) -> ModuleProgress:
    """The progress row for ``module``, created (and committed) on first view."""
    row = _progress_row(enrollment, module.id)
    if row is None:
        row = ModuleProgress(
            module_id=module.id,
            course_version_id=version.id,
            lang=module.lang,
            started_at=now or utcnow(),
        )
        enrollment.progress.append(row)
        db.session.commit()
    return row


def finish_reading(
    enrollment: Enrollment,
    version: CourseVersion,
    module: content.Module,
    viewed_since: datetime,
    max_seconds: int,
    now: datetime | None = None,
) -> ModuleProgress:
    """Count the reading since ``viewed_since`` (at most ``max_seconds``) and mark the module
    read; commit. The first completion is an audit event: completion gates the quiz.
    """
    now = now or utcnow()
    row = start_reading(enrollment, version, module, now)
    since = max(viewed_since, row.counted_until or viewed_since)
    row.seconds_spent += int(min(max_seconds, max(0.0, (now - since).total_seconds())))
    row.counted_until = now
    row.course_version_id, row.lang = version.id, module.lang
    if row.completed_at is None:
        row.completed_at = now
        user = db.session.get(User, enrollment.user_id)
        audit.record(
            "module.completed",
            subject=user,
            course_id=enrollment.course_id,
            after={
                "module_id": module.id,
                "version": version.version,
                "lang": module.lang,
                "seconds_spent": row.seconds_spent,
            },
        )
    db.session.commit()
    return row


def _progress_row(enrollment: Enrollment, module_id: str) -> ModuleProgress | None:
    # The enrolment's progress rows are loaded with it: no query needed.
    return next((p for p in enrollment.progress if p.module_id == module_id), None)
