"""The narrow per-question rows of a submitted attempt, for the item analysis."""

import sqlalchemy as sa

from lms.extensions import db
from lms.models import AttemptResponse
from lms.models import QuizAttempt
from lms.rules.grading import Grade


def rows_of(attempt: QuizAttempt, grade: Grade) -> list[dict]:
    """One row per drawn question: right or not, what was chosen, and the share right on
    the attempt's other questions (:class:`lms.models.AttemptResponse`)."""
    total = sum(g.points for g in grade.questions)
    others = len(grade.questions) - 1
    return [
        {
            "attempt_id": attempt.id,
            "question_id": g.id,
            "course_id": attempt.course_id,
            "course_version_id": attempt.course_version_id,
            "lang": attempt.lang,
            "correct": g.points >= 1.0,
            "chosen": ",".join(sorted(g.chosen)),
            "rest_score": (total - g.points) / others if others else None,
        }
        for g in grade.questions
    ]


def record(attempt: QuizAttempt, grade: Grade) -> None:
    """Step: write ``attempt``'s responses in the caller's transaction (at submission)."""
    db.session.execute(sa.insert(AttemptResponse), rows_of(attempt, grade))
