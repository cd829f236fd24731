"""Read-side queries for the learner's pages: what is required, by when, and how far along."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms import content
from lms.extensions import db
from lms.models import Certification
from lms.models import CourseVersion
from lms.models import Enrollment
from lms.models import ModuleProgress
from lms.models import QuizAttempt
from lms.models import User
from lms.queries import attestations
from lms.queries import catalog
from lms.queries import company
from lms.services import learning


@dataclass(frozen=True)
class CourseCard:
    """One course on "My training"."""

    course: content.Course
    version: CourseVersion
    enrollment: Enrollment | None  # the open one, else the latest
    progress: learning.Progress
    certification: Certification | None  # the newest valid one
    awaiting: QuizAttempt | None = None  # a pass awaiting the written attestation

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
    awaiting = attestations.awaiting_by_course(user.id, now)
    for version in catalog.current_versions():
        course = catalog.course_of(version)
        enrollment = learning.open_enrollment(user, course.id) or learning.latest_enrollment(
            user, course.id
        )
        cert = valid_certification(user, course.id, now)
        quiz_passed = enrollment is not None and enrollment.completed_at is not None
        cards.append(
            CourseCard(
                course,
                version,
                enrollment,
                learning.progress_of(enrollment, course, quiz_passed),
                cert,
                awaiting.get(course.id),
            )
        )
    return sorted(cards, key=lambda c: (not c.course.meta.required, c.course.id))


def valid_certification(user: User, course_id: str, now: datetime) -> Certification | None:
    return db.session.scalar(
        sa.select(Certification)
        .where(
            Certification.user_id == user.id,
            Certification.course_id == course_id,
            Certification.status == "active",
            Certification.expires_at > now,
        )
        .order_by(Certification.expires_at.desc())
        .limit(1)
    )


@cache  # built once: constructing it cost as much as running it
def _reading_statement() -> sa.Select:
    course_id = sa.bindparam("course_id")
    newest = (
        sa.select(CourseVersion.id)
        .where(CourseVersion.course_id == course_id)
        .order_by(CourseVersion.major.desc(), CourseVersion.minor.desc())
        .limit(1)
        .scalar_subquery()
    )
    return (
        sa.select(CourseVersion, Enrollment)
        .options(so.joinedload(Enrollment.progress))
        .outerjoin(
            Enrollment,
            (Enrollment.course_id == CourseVersion.course_id)
            & (Enrollment.user_id == sa.bindparam("user_id"))
            & Enrollment.completed_at.is_(None),
        )
        .where(CourseVersion.id == newest)
    )


def reading(user: User, course_id: str) -> tuple[CourseVersion, content.Course, Enrollment] | None:
    """The course's current version and the enrolment reading counts towards: the open
    one, else the latest completed one (reviewing a finished course), else a new
    self-enrolment. None when there is no such course (and nobody is enrolled in it).

    The version and the open enrolment with its progress come from one statement: these
    pages are the ones learners load most.
    """
    row = (
        db.session.execute(_reading_statement(), {"user_id": user.id, "course_id": course_id})
        .unique()
        .one_or_none()
    )
    if row is None:
        return None
    version, enrollment = row
    enrollment = (
        enrollment
        or learning.latest_enrollment(user, course_id)
        or learning.enroll_self(user, course_id)
    )
    return version, catalog.course_of(version), enrollment


@dataclass(frozen=True)
class ModuleReading:
    """What a module page needs to know, read without building ORM objects."""

    version_id: int
    content_hash: str
    enrollment_id: int
    reviewing: bool  # the course is completed: the learner reads it again
    started: bool  # this module has its progress row
    read: bool  # this module is marked read
    company_version: str | None = None  # of the company settings the text shows

    @property
    def course(self) -> content.Course:
        return catalog.course_by_id(self.version_id, self.content_hash, self.company_version)

    @property
    def writes(self) -> bool:
        """Viewing the page would record something: the first view of a module."""
        return not (self.reviewing or self.started)


@cache  # built once: constructing it cost as much as running it
def _module_reading_statement() -> sa.Select:
    versions = CourseVersion.__table__.c
    enrollments = Enrollment.__table__.c
    progress = ModuleProgress.__table__.c
    course_id = sa.bindparam("course_id")
    newest = (
        sa.select(versions.id)
        .where(versions.course_id == course_id)
        .order_by(versions.major.desc(), versions.minor.desc())
        .limit(1)
        .scalar_subquery()
    )
    # As reading() picks it: the open enrolment, else the latest.
    mine = Enrollment.__table__.alias("mine")
    enrollment = (
        sa.select(mine.c.id)
        .where(mine.c.user_id == sa.bindparam("user_id"), mine.c.course_id == course_id)
        .order_by(
            sa.case((mine.c.completed_at.is_(None), 0), else_=1),
            mine.c.assigned_at.desc(),
            mine.c.id.desc(),
        )
        .limit(1)
        .scalar_subquery()
    )
    return (
        sa.select(
            versions.id,
            versions.content_hash,
            enrollments.id,
            enrollments.completed_at.is_not(None),
            progress.id.is_not(None),
            progress.completed_at.is_not(None),
            company.version_column(),
        )
        .select_from(CourseVersion.__table__)
        .outerjoin(Enrollment.__table__, enrollments.id == enrollment)
        .outerjoin(
            ModuleProgress.__table__,
            (progress.enrollment_id == enrollments.id)
            & (progress.module_id == sa.bindparam("module_id")),
        )
        .where(versions.id == newest)
    )


def module_reading(user: User, course_id: str, module_id: str) -> ModuleReading | None:
    """The current version of the course and the reader's enrolment (as :func:`reading`
    picks it) with this module's progress, and the company settings' version, in one
    statement: the module page is the page learners load most. None when the course does
    not exist or the user has no enrolment in it (:func:`reading` then enrols them).
    """
    row = (
        db.session.connection()
        .execute(
            _module_reading_statement(),
            {"user_id": user.id, "course_id": course_id, "module_id": module_id},
        )
        .one_or_none()
    )
    if row is None or row[2] is None:
        return None
    return ModuleReading(
        row[0], row[1], row[2], bool(row[3]), bool(row[4]), bool(row[5]), row[6] or ""
    )
