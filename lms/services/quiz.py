"""Quiz attempts: starting one, submitting it once, and certifying on a pass.

A course that asks for a written attestation certifies only when the learner affirms
its policy (:mod:`lms.services.attestation`); the pass waits for that until then.
"""

import random
import re
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import cast

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms import content
from lms import services
from lms.extensions import db
from lms.models import Certification
from lms.models import CourseVersion
from lms.models import Enrollment
from lms.models import QuizAttempt
from lms.models import User
from lms.models import utcnow
from lms.models.certification import new_verification_code
from lms.models.types import iso
from lms.queries import attestations
from lms.queries import audiences
from lms.queries import catalog
from lms.rules import attempts as attempt_rules
from lms.rules import grading
from lms.rules import recertification
from lms.services import audit
from lms.services import clearance
from lms.services import events
from lms.services import learning
from lms.services import responses


class Refused(services.Refused):
    """A quiz request refused; ``next_allowed_at`` says when a new attempt may start."""

    def __init__(self, message, next_allowed_at: datetime | None = None):
        super().__init__(message)
        self.next_allowed_at = next_allowed_at


@dataclass(frozen=True)
class Readiness:
    """Whether the quiz may start for an enrolment, and the attempt counts to show."""

    modules_done: bool
    seat_time_met: bool
    window: attempt_rules.AttemptWindow
    open_attempt: QuizAttempt | None
    awaiting: QuizAttempt | None = None  # a pass awaiting the written attestation
    seconds_spent: int = 0  # on the modules, counted towards the minimum seat time
    min_seat_minutes: int = 0

    @property
    def may_start(self) -> bool:
        return self.open_attempt is not None or (
            self.awaiting is None
            and self.modules_done
            and self.seat_time_met
            and self.window.allowed
        )


def attempts_of(enrollment: Enrollment) -> list[QuizAttempt]:
    return list(
        db.session.scalars(
            sa.select(QuizAttempt)
            .where(QuizAttempt.enrollment_id == enrollment.id)
            .order_by(QuizAttempt.started_at)
        )
    )


def readiness(enrollment: Enrollment, course: content.Course, now: datetime) -> Readiness:
    previous = attempts_of(enrollment)
    progress = learning.progress_of(enrollment, course)
    meta = course.meta
    return Readiness(
        modules_done=progress.modules_done == progress.modules_total,
        seat_time_met=progress.seconds_spent >= 60 * meta.min_seat_time_minutes,
        window=attempt_rules.attempt_window(
            [a.started_at for a in previous], meta.attempt_limit, meta.cooldown_hours, now
        ),
        open_attempt=next((a for a in previous if a.status == "open"), None),
        awaiting=attestations.awaiting_in(enrollment, now),
        seconds_spent=progress.seconds_spent,
        min_seat_minutes=meta.min_seat_time_minutes,
    )


def start(
    user: User,
    enrollment: Enrollment,
    lang: str,
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> QuizAttempt:
    """Start an attempt (or resume the open one) and commit.

    The limit and cool-down are checked in the transaction that creates the attempt, after
    touching the enrolment row, which serialises concurrent starts on every database.

    :raise Refused: modules unread, seat time not met, limit reached, or course completed.
    """
    now = now or utcnow()
    touched = db.session.execute(
        sa.update(Enrollment)
        .where(Enrollment.id == enrollment.id, Enrollment.completed_at.is_(None))
        .values(last_attempt_at=now)
    )
    if cast(sa.CursorResult, touched).rowcount != 1:  # typed as Result; is a CursorResult
        db.session.rollback()
        raise Refused(_l("You have already completed this course."))
    version = catalog.latest_version(enrollment.course_id)
    assert version is not None, "enrolments are made in published courses; versions stay"
    course = catalog.course_of(version)
    ready = readiness(enrollment, course, now)
    if ready.open_attempt is not None:
        db.session.commit()
        return ready.open_attempt
    _check_ready(ready)
    quiz = course.quiz(lang)
    attempt = QuizAttempt(
        enrollment_id=enrollment.id,
        user_id=user.id,
        course_id=enrollment.course_id,
        course_version_id=version.id,
        lang=quiz.lang,
        status="open",
        started_at=now,
        questions=attempt_rules.draw_questions(quiz, rng or random.SystemRandom()),
    )
    db.session.add(attempt)
    db.session.flush()
    audit.record(
        "quiz.started",
        actor=user,
        subject=user,
        course_id=enrollment.course_id,
        after={
            "attempt_id": attempt.id,
            "version": version.version,
            "lang": quiz.lang,
            "questions": [q["id"] for q in attempt.questions],
        },
    )
    events.record(
        "attempt.started",
        user_id=user.id,
        course_id=enrollment.course_id,
        at=now,
        payload={
            "attempt_id": attempt.id,
            "version": version.version,
            "lang": quiz.lang,
            "started_at": iso(now),
        },
    )
    db.session.commit()
    return attempt


def _check_ready(ready: Readiness) -> None:
    if ready.awaiting is not None:
        raise Refused(_l("You passed the quiz: one step left, affirm the policy."))
    if not ready.modules_done:
        raise Refused(_l("Read every module before you take the quiz."))
    if not ready.seat_time_met:
        raise Refused(
            _l(
                "Spend at least %(minutes)d minutes on the modules before you take the quiz.",
                minutes=ready.min_seat_minutes,
            )
        )
    if not ready.window.allowed:
        raise Refused(_l("You have used all your attempts for now."), ready.window.next_allowed_at)


def drawn_questions(attempt: QuizAttempt) -> list[tuple[content.Question, list[content.Answer]]]:
    """The attempt's questions in display order, each with its answers in display order."""
    quiz = course_for(attempt).quiz(attempt.lang)
    result: list[tuple[content.Question, list[content.Answer]]] = []
    for drawn in attempt.questions:
        question = quiz.question(drawn["id"])
        assert question is not None, "questions are drawn from the attempt's version"
        by_id = {a.id: a for a in question.answers}
        result.append((question, [by_id[a] for a in drawn["answers"]]))
    return result


def course_for(attempt: QuizAttempt) -> content.Course:
    return catalog.course_of(db.session.get_one(CourseVersion, attempt.course_version_id))


def parse_submission(attempt: QuizAttempt, form: dict[str, list[str]]) -> dict[str, list[str]]:
    """Turn the posted form (``q-<question id>`` -> display positions) into answer ids.

    :raise Refused: an unknown question, a question not drawn for this attempt, an
        unanswered question, a choice out of range, or two choices for a one-answer question.
    """
    drawn = {q.id: (q, answers) for q, answers in drawn_questions(attempt)}
    chosen: dict[str, list[str]] = {}
    for key, values in form.items():
        if not key.startswith("q-"):
            continue
        question_id = key[2:]
        if question_id not in drawn:
            raise Refused(
                _l(
                    "The submission names a question that is not part of this "
                    "attempt (%(id)s). Nothing was recorded.",
                    id=question_id[:80],
                )
            )
        question, answers = drawn[question_id]
        chosen[question_id] = _answer_ids(question, answers, values)
    missing = [qid for qid in drawn if not chosen.get(qid)]
    if missing:
        raise Refused(
            _l("Answer every question before you submit (%(count)d left).", count=len(missing))
        )
    return chosen


#: A display position as the page sends it. Not str.isdigit()/int(): they also take "²",
#: full-width and Arabic-Indic digits, and int() fails on 5,000 of them.
_POSITION = re.compile(r"[0-9]{1,3}")


def _answer_ids(question, answers, values: list[str]) -> list[str]:
    positions = set()
    for value in values:
        if not _POSITION.fullmatch(value) or int(value) >= len(answers):
            raise Refused(
                _l("The submission contains an answer that was not offered. Nothing was recorded.")
            )
        positions.add(int(value))
    if question.kind != "multiple" and len(positions) > 1:
        raise Refused(_l("Choose one answer for each single-answer question."))
    return sorted(answers[p].id for p in positions)


def submit(
    user: User, attempt: QuizAttempt, form: dict[str, list[str]], now: datetime | None = None
) -> QuizAttempt:
    """Grade and close ``attempt`` exactly once, certifying on a pass (unless the course
    asks for a written attestation first); commit.

    :raise Refused: the attempt is not the user's or is already submitted, or the
        submission is malformed (see :func:`parse_submission`). Nothing changes then.
    """
    now = now or utcnow()
    if attempt.user_id != user.id:
        raise Refused(_l("This attempt is not yours."))
    if attempt.status != "open":
        raise Refused(_l("This attempt was already submitted; it counts once."))
    answers = parse_submission(attempt, form)
    course = course_for(attempt)
    drawn = [q for q, _ in drawn_questions(attempt)]
    result = grading.grade(drawn, answers, course.meta.pass_mark)
    closed = db.session.execute(
        sa.update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.status == "open")
        .values(
            status="submitted",
            answers=answers,
            score=result.score,
            passed=result.passed,
            submitted_at=now,
        )
    )
    # A double click or a second tab got there first:
    if cast(sa.CursorResult, closed).rowcount != 1:
        db.session.rollback()
        raise Refused(_l("This attempt was already submitted; it counts once."))
    responses.record(attempt, result)
    audit.record(
        "quiz.submitted",
        actor=user,
        subject=user,
        course_id=attempt.course_id,
        after={
            "attempt_id": attempt.id,
            "score": result.score,
            "passed": result.passed,
            "answers": answers,
        },
    )
    events.record(
        "attempt.submitted",
        user_id=user.id,
        course_id=attempt.course_id,
        at=now,
        payload={
            "attempt_id": attempt.id,
            "version": course.meta.version,
            "lang": attempt.lang,
            "score": result.score,
            "points": round(sum(q.points for q in result.questions), 2),
            "questions": len(result.questions),
            "passed": result.passed,
            "started_at": iso(attempt.started_at),
            "submitted_at": iso(now),
        },
    )
    if result.passed and not course.meta.attestation_required:
        certify(user, attempt, course, now)
    db.session.commit()
    db.session.refresh(attempt)
    return attempt


def _expiry(user: User, course_id: str, course: content.Course, now: datetime) -> datetime:
    """The course file's rolling validity, or the calendar anchor of the requirement that
    covers the person (every year in a month, or on a day)."""
    anchor = audiences.recertification_anchor(user.id, course_id)
    if anchor is None:
        return now + timedelta(days=course.meta.validity_days)
    return recertification.anchored_expiry(now, *anchor, course.meta.renewal_window_days)


def certify(
    user: User, attempt: QuizAttempt, course: content.Course, now: datetime
) -> Certification:
    """Step: issue the certification a passed ``attempt`` earns, close its enrolment and
    refresh the clearance, with the audit and outbox events. The only place that issues
    one: after the submission, or after the attestation a course asks for."""
    version = db.session.get_one(CourseVersion, attempt.course_version_id)
    enrollment = db.session.get_one(Enrollment, attempt.enrollment_id)
    cert = Certification(
        user_id=user.id,
        course_id=attempt.course_id,
        course_version_id=version.id,
        major=version.major,
        minor=version.minor,
        attempt_id=attempt.id,
        issued_at=now,
        expires_at=_expiry(user, attempt.course_id, course, now),
        status="active",
        verification_code=new_verification_code(),  # printed on the certificate, /verify
    )
    db.session.add(cert)
    enrollment.completed_at = now
    db.session.flush()
    audit.record(
        "certification.issued",
        subject=user,
        course_id=attempt.course_id,
        after={
            "certification_id": cert.id,
            "version": version.version,
            "attempt_id": attempt.id,
            "expires_at": iso(cert.expires_at),
            # The language of the text studied: the quiz, and each module as last read.
            "lang": attempt.lang,
            "module_langs": {p.module_id: p.lang for p in enrollment.progress},
        },
    )
    events.record(
        "certification.issued",
        user_id=user.id,
        course_id=attempt.course_id,
        at=now,
        payload={
            "certification_id": cert.id,
            "version": version.version,
            "issued_at": iso(now),
            "expires_at": iso(cert.expires_at),
        },
    )
    clearance.refresh(user, now)
    return cert
