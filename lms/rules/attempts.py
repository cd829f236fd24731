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

    With ``quiz.per_module`` set, at least that many come from every module that has
    questions (``Question.module``) and the rest at random from what is left, so no
    attempt can skip a module; the validator makes sure the draw fits. Questions and
    answers, true/false included, are shuffled unless ``quiz.shuffle`` is false, which
    keeps the file's order (and then takes each module's first questions).

    Returns the JSON stored on the attempt: ``[{"id": …, "answers": [answer ids]}]``.
    """
    drawn = _choose(list(quiz.questions), quiz.pool, quiz.per_module, rng, quiz.shuffle)
    if quiz.shuffle:
        rng.shuffle(drawn)
    else:
        drawn.sort(key=quiz.questions.index)
    result = []
    for q in drawn:
        answer_ids = [a.id for a in q.answers]
        if quiz.shuffle:
            rng.shuffle(answer_ids)
        result.append({"id": q.id, "answers": answer_ids})
    return result


def _choose(questions: list, count: int, per_module: int, rng: random.Random, shuffle: bool):
    """``count`` questions: ``per_module`` from each module first, then any of the rest."""

    def take(candidates: list, n: int) -> list:
        n = max(0, min(n, len(candidates)))
        return rng.sample(candidates, n) if shuffle else candidates[:n]

    chosen: list = []
    if per_module:
        by_module: dict[str, list] = {}
        for q in questions:
            if q.module is not None:
                by_module.setdefault(q.module, []).append(q)
        for found in by_module.values():
            chosen += take(found, per_module)
    taken = {id(q) for q in chosen}
    rest = [q for q in questions if id(q) not in taken]
    return chosen[:count] + take(rest, count - len(chosen))
