"""Passes awaiting the learner's written attestation, and the attestations on record.

A passed attempt *awaits affirmation* when its course version asks for an attestation,
no certification was issued for it yet, its enrolment is still open, and
:func:`lms.rules.attestation.may_affirm` still allows it (30 days, no new major version).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import sqlalchemy as sa

from lms.extensions import db
from lms.models import Attestation
from lms.models import Certification
from lms.models import CourseVersion
from lms.models import Enrollment
from lms.models import QuizAttempt
from lms.queries import catalog
from lms.rules import attestation as rules

State = Literal["awaiting", "lapsed", "certified", "none"]


def awaiting_by_course(user_id: int, now: datetime) -> dict[str, QuizAttempt]:
    """The user's passes awaiting affirmation, newest per course (at most one, since a
    new attempt cannot start while one waits)."""
    found: dict[str, QuizAttempt] = {}
    for attempt, version in _unaffirmed(now, QuizAttempt.user_id == user_id):
        if attempt.course_id not in found and _may_affirm(attempt, version, now):
            found[attempt.course_id] = attempt
    return found


def awaiting_in(enrollment: Enrollment, now: datetime) -> QuizAttempt | None:
    """The pass of ``enrollment`` awaiting affirmation, if any."""
    rows = _unaffirmed(now, QuizAttempt.enrollment_id == enrollment.id)
    return next((a for a, v in rows if _may_affirm(a, v, now)), None)


def state(attempt: QuizAttempt, now: datetime) -> State:
    """Where a submitted attempt stands: ``certified`` (a certification was issued for
    it), ``awaiting`` affirmation, ``lapsed`` (too late to affirm: take the quiz again),
    or ``none`` (not passed)."""
    if not attempt.passed:
        return "none"
    issued = db.session.scalar(
        sa.select(Certification.id).where(
            Certification.user_id == attempt.user_id, Certification.attempt_id == attempt.id
        )
    )
    if issued is not None:
        return "certified"
    rows = _unaffirmed(now, QuizAttempt.id == attempt.id)
    return "awaiting" if any(_may_affirm(a, v, now) for a, v in rows) else "lapsed"


@dataclass(frozen=True)
class Statement:
    """The statement a learner affirms for one pass, as the page shows it."""

    lang: str  # the statement's language (the source language when lang had none)
    text: str
    version: str
    until: datetime  # the last moment the pass may be affirmed


def statement(attempt: QuizAttempt, lang: str) -> Statement:
    """The statement of the version ``attempt`` was taken on, in ``lang`` if it has one."""
    version = db.session.get_one(CourseVersion, attempt.course_version_id)
    used, text = catalog.course_of(version).meta.attestation_statement(lang, version.version)
    assert attempt.submitted_at is not None, "only a submitted pass is affirmed"
    return Statement(used, text, version.version, rules.affirm_until(attempt.submitted_at))


def of_certifications(certification_ids: list[int]) -> dict[int, Attestation]:
    """The attestation behind each of these certifications that has one."""
    if not certification_ids:
        return {}
    rows = db.session.scalars(
        sa.select(Attestation).where(Attestation.certification_id.in_(certification_ids))
    )
    return {row.certification_id: row for row in rows}


def _unaffirmed(now: datetime, *conditions) -> list[tuple[QuizAttempt, CourseVersion]]:
    """Passed attempts in open enrolments with no certification, recent enough, newest
    first, each with its version."""
    rows = db.session.execute(
        sa.select(QuizAttempt, CourseVersion)
        .join(Enrollment, Enrollment.id == QuizAttempt.enrollment_id)
        .join(CourseVersion, CourseVersion.id == QuizAttempt.course_version_id)
        .outerjoin(
            Certification,
            # user_id first: the join walks the person's certifications by index.
            (Certification.user_id == QuizAttempt.user_id)
            & (Certification.attempt_id == QuizAttempt.id),
        )
        .where(
            *conditions,
            QuizAttempt.status == "submitted",
            QuizAttempt.passed.is_(True),
            QuizAttempt.submitted_at >= now - rules.AFFIRM_WITHIN,
            Enrollment.completed_at.is_(None),
            Certification.id.is_(None),
        )
        .order_by(QuizAttempt.submitted_at.desc(), QuizAttempt.id.desc())
    )
    return [(attempt, version) for attempt, version in rows]


def _may_affirm(attempt: QuizAttempt, version: CourseVersion, now: datetime) -> bool:
    if not catalog.course_of(version).meta.attestation_required:
        return False
    latest = catalog.latest_version(attempt.course_id)
    current_major = latest.major if latest is not None else version.major
    assert attempt.submitted_at is not None, "only submitted attempts are read here"
    return rules.may_affirm(attempt.submitted_at, now, version.major, current_major)
