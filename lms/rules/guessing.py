"""Can the quiz be passed without the course? Test-taking heuristics played many times
through the real draw (:func:`lms.rules.attempts.draw_questions`) and the real grading
rules (those :func:`lms.rules.grading.grade` applies), with a seeded random generator so
runs repeat.

Each guesser never reads the modules. On a one-answer question it takes the option its
heuristic scores highest (ties: the first shown, a blind guess since options are
shuffled). A guesser does not know how many answers a multiple-answer question has, so
each heuristic is played three ways there: the two best-scored options, one, or all.

The heuristics (the cues are measured by :mod:`lms.content.cues`, see its limits):
``longest`` and ``shortest`` option; ``hedged``, the option with the most cautious or
absolute words; ``echo``, the option that repeats most of the question's words;
``always-true`` and ``always-false`` on true/false questions (elsewhere a blind guess);
``first`` and ``last`` option shown; ``random``, a uniform guess.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lms.content import cues
from lms.rules.attempts import draw_questions
from lms.rules.grading import passes
from lms.rules.grading import percent
from lms.rules.grading import question_points

if TYPE_CHECKING:
    from lms.content.model import Question
    from lms.content.model import Quiz

HEURISTICS = (
    "longest", "shortest", "hedged", "echo", "always-true", "always-false", "first", "last",
    "random",
)  # fmt: skip
#: How a guesser answers a multiple-answer question: its two best options, one, or all.
MULTIPLE = ("two", "one", "all")
MULTIPLE_PICKS = {"two": 2, "one": 1}

#: A guesser passing this share of attempts (or more) shows a quiz that can be gamed;
#: blind guessing must stay under the lower one.
LIMIT = 0.05
RANDOM_LIMIT = 0.01

Scores = dict[str, float]  # answer id -> how much the heuristic likes it


@dataclass(frozen=True)
class Guesser:
    heuristic: str
    multiple: str  # one of MULTIPLE

    @property
    def name(self) -> str:
        return f"{self.heuristic} (multiple: {self.multiple})"

    @property
    def limit(self) -> float:
        """The share of attempts this guesser may pass in a quiz that proves reading."""
        return RANDOM_LIMIT if self.heuristic == "random" else LIMIT


GUESSERS = tuple(Guesser(h, m) for h in HEURISTICS for m in MULTIPLE)


@dataclass(frozen=True)
class Outcome:
    """How one guesser did over ``attempts`` simulated attempts."""

    guesser: Guesser
    attempts: int
    passed: int
    mean_score: float  # percent

    @property
    def pass_rate(self) -> float:
        return self.passed / self.attempts if self.attempts else 0.0

    @property
    def too_high(self) -> bool:
        return self.pass_rate >= self.guesser.limit


def _text_scores(question: Question, lang: str) -> dict[str, Scores]:
    """The heuristics that read the text, by heuristic: they never change between attempts."""
    texts = cues.answer_texts(question)
    asked = cues.question_text(question)
    true_false = question.kind == "true-false"
    return {
        "longest": {i: cues.length(t) for i, t in texts.items()},
        "shortest": {i: -cues.length(t) for i, t in texts.items()},
        "hedged": {i: cues.hedges(t, lang) for i, t in texts.items()},
        "echo": {i: cues.echo(t, asked, lang) for i, t in texts.items()},
        # The true answer comes first in the file (docs/content-format.md).
        "always-true": {i: float(true_false and i == "a") for i in texts},
        "always-false": {i: float(true_false and i == "b") for i in texts},
    }


def _pick(kind: str, shown: Sequence[str], scores: Scores, multiple: str) -> list[str]:
    """The best-scored options; ties go to the one shown first (a stable sort)."""
    ranked = sorted(shown, key=lambda i: -scores[i])
    if kind != "multiple":
        return ranked[:1]
    return list(shown) if multiple == "all" else ranked[: MULTIPLE_PICKS[multiple]]


class _Player:
    """Answers a drawn question by a heuristic, each way of answering multiple-answer
    questions at once, and returns the points the grading rule gives each answer.

    Only the order shown changes between attempts, so a heuristic's points for a question
    in an order are worked out once: a simulation answers hundreds of thousands of them.
    """

    def __init__(self, quiz: Quiz, rng: random.Random):
        self.rng = rng
        self.keys = {q.id: (q.kind, q.correct_ids) for q in quiz.questions}
        self.text_scores = {q.id: _text_scores(q, quiz.lang) for q in quiz.questions}
        self.known: dict[tuple[str, str, tuple[str, ...]], tuple[float, ...]] = {}

    def points(self, drawn: dict, heuristic: str) -> tuple[float, ...]:
        """Points for ``drawn`` (as the attempt stores it), one per way in MULTIPLE."""
        key = (drawn["id"], heuristic, tuple(drawn["answers"]))
        found = self.known.get(key)
        if found is None:
            found = self._points(drawn["id"], drawn["answers"], heuristic)
            if heuristic != "random":
                self.known[key] = found
        return found

    def _points(self, question_id: str, shown: Sequence[str], heuristic: str):
        kind, correct = self.keys[question_id]
        scores = self._scores(question_id, shown, heuristic)
        return tuple(
            question_points(kind, correct, frozenset(_pick(kind, shown, scores, multiple)))
            for multiple in MULTIPLE
        )

    def _scores(self, question_id: str, shown: Sequence[str], heuristic: str) -> Scores:
        if heuristic == "first":
            return {i: -position for position, i in enumerate(shown)}
        if heuristic == "last":
            return {i: position for position, i in enumerate(shown)}
        if heuristic == "random":
            return {i: self.rng.random() for i in shown}
        return self.text_scores[question_id][heuristic]


def simulate(
    quiz: Quiz,
    pass_mark: int,
    attempts: int = 2000,
    seed: int = 0,
    guessers: Iterable[Guesser] = GUESSERS,
) -> list[Outcome]:
    """Every guesser's outcome over ``attempts`` draws of ``quiz``.

    Each attempt is drawn once and answered by every guesser, so they are compared on the
    same questions, and graded by the rules ``grading.grade`` applies: points per question
    (``question_points``), the percentage (``percent``) and the pass mark (``passes``).
    """
    guessers = list(guessers)
    heuristics = sorted({g.heuristic for g in guessers}, key=HEURISTICS.index)
    draw_rng, guess_rng = random.Random(seed), random.Random(seed + 1)
    player = _Player(quiz, guess_rng)
    passed = {(h, m): 0 for h in heuristics for m in MULTIPLE}
    total = {(h, m): 0.0 for h in heuristics for m in MULTIPLE}
    for _ in range(attempts):
        drawn = draw_questions(quiz, draw_rng)
        for heuristic in heuristics:
            by_question = [player.points(d, heuristic) for d in drawn]
            for way, multiple in enumerate(MULTIPLE):
                score = percent([points[way] for points in by_question])
                passed[heuristic, multiple] += passes(score, pass_mark)
                total[heuristic, multiple] += score
    return [
        Outcome(
            g,
            attempts,
            passed[g.heuristic, g.multiple],
            total[g.heuristic, g.multiple] / attempts if attempts else 0.0,
        )
        for g in guessers
    ]


def course_outcomes(
    quizzes: Iterable[Quiz], pass_mark: int, attempts: int = 2000, seed: int = 0
) -> dict[str, list[Outcome]]:
    """Language -> every guesser's outcome, for a course's quizzes."""
    return {quiz.lang: simulate(quiz, pass_mark, attempts, seed) for quiz in quizzes}
