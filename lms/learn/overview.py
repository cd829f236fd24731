"""Read-side queries for the learner's pages: what is required, by when, and how far along."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from lms import content
from lms.extensions import db
from lms.models import Certification
from lms.models import CourseVersion
from lms.models import Enrollment
from lms.models import User
from lms.services import content_store
from lms.services import learning


@dataclass(frozen=True)
class CourseCard:
    """One course on "My training"."""

    course: content.Course
    version: CourseVersion
    enrollment: Enrollment | None  # the open one, else the latest
    progress: learning.Progress
    certification: Certification | None  # the newest valid one

    @property
    def due_at(self) -> datetime | None:
        e = self.enrollment
        return e.due_at if e is not None and e.completed_at is None else None

    def overdue(self, now: datetime) -> bool:
        return self.due_at is not None and self.due_at < now

    @property
    def in_progress(self) -> bool:
        return self.enrollment is not None and self.enrollment.completed_at is None


def course_cards(user: User, now: datetime) -> list[CourseCard]:
    """Every current course, required ones first."""
    cards = []
    for version in content_store.current_versions():
        course = content_store.course_of(version)
        enrollment = (learning.open_enrollment(user, course.id)
                      or learning.latest_enrollment(user, course.id))
        cert = valid_certification(user, course.id, now)
        quiz_passed = enrollment is not None and enrollment.completed_at is not None
        cards.append(CourseCard(course, version, enrollment,
                                learning.progress_of(enrollment, course, quiz_passed), cert))
    return sorted(cards, key=lambda c: (not c.course.meta.required, c.course.id))


def valid_certification(user: User, course_id: str, now: datetime) -> Certification | None:
    return db.session.scalar(
        sa.select(Certification)
        .where(Certification.user_id == user.id, Certification.course_id == course_id,
               Certification.status == "active", Certification.expires_at > now)
        .order_by(Certification.expires_at.desc()).limit(1))


def enrollment_for_reading(user: User, course_id: str) -> Enrollment:
    """The enrolment reading counts towards: the open one, else the latest completed one
    (reviewing a finished course), else a new self-enrolment."""
    return (learning.open_enrollment(user, course_id)
            or learning.latest_enrollment(user, course_id)
            or learning.enroll_self(user, course_id))
