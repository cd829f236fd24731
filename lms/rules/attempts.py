"""When a learner may start a quiz attempt, and which questions it draws."""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta


@dataclass(frozen=True)
class AttemptWindow:
    """Whether another attempt may start now, and if not, when."""

    allowed: bool
    used: int  # attempts counted against the limit
    limit: int | None
    next_allowed_at: datetime | None = None


def attempt_window(
    started: Sequence[datetime], limit: int | None, cooldown_hours: int | None, now: datetime
) -> AttemptWindow:
    """Apply the course's attempt limit and cool-down.

    ``limit`` attempts may start within any ``cooldown_hours`` window; with no cool-down the
    limit counts for the whole enrolment; with no limit there is nothing to enforce.

    :param started: when this enrolment's previous attempts started.
    """
    if limit is None:
        return AttemptWindow(True, len(started), None)
    if cooldown_hours is None:
        return AttemptWindow(len(started) < limit, len(started), limit)
    window = timedelta(hours=cooldown_hours)
    recent = sorted(t for t in started if t > now - window)
    if len(recent) < limit:
        return AttemptWindow(True, len(recent), limit)
    # The window frees a slot when the oldest attempt that fills it ages out.
    return AttemptWindow(False, len(recent), limit, recent[-limit] + window)


def draw_questions(quiz, rng: random.Random) -> list[dict]:
    """Draw ``quiz.pool`` questions and fix their display order and answer order.

    Returns the JSON stored on the attempt: ``[{"id": …, "answers": [answer ids]}]``.
    True/false answers keep their order (true first) even when shuffling.
    """
    questions = list(quiz.questions)
    drawn = rng.sample(questions, quiz.pool) if quiz.shuffle else questions[: quiz.pool]
    result = []
    for q in drawn:
        answer_ids = [a.id for a in q.answers]
        if quiz.shuffle and q.kind != "true-false":
            rng.shuffle(answer_ids)
        result.append({"id": q.id, "answers": answer_ids})
    return result
