"""Grading a quiz attempt (docs/content-format.md, "Grading")."""

from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class GradedQuestion:
    id: str
    points: float  # 0..1
    chosen: frozenset[str]
    correct: frozenset[str]


@dataclass(frozen=True)
class Grade:
    score: float  # percent, 0..100
    passed: bool
    questions: tuple[GradedQuestion, ...]


def question_points(kind: str, correct: frozenset[str], chosen: frozenset[str]) -> float:
    """Points for one question, 0..1.

    Single and true/false: all or nothing. Multiple: each correct tick earns a share, each
    wrong tick costs one, never below zero, so ticking everything earns nothing.
    """
    if kind != "multiple":
        return 1.0 if chosen == correct else 0.0
    right = len(chosen & correct)
    wrong = len(chosen - correct)
    return max(0.0, (right - wrong) / len(correct))


def grade(questions: Iterable, answers: Mapping[str, Iterable[str]], pass_mark: int) -> Grade:
    """Grade ``answers`` (question id -> chosen answer ids) against the drawn ``questions``.

    :param questions: content ``Question`` objects, as drawn for the attempt.
    :param pass_mark: percent needed to pass.
    """
    graded = []
    for q in questions:
        chosen = frozenset(answers.get(q.id, ()))
        graded.append(
            GradedQuestion(
                q.id, question_points(q.kind, q.correct_ids, chosen), chosen, q.correct_ids
            )
        )
    score = percent([g.points for g in graded])
    return Grade(score=score, passed=passes(score, pass_mark), questions=tuple(graded))


def percent(points: Sequence[float]) -> float:
    """The attempt's score: its questions' points as a percentage, to two decimals."""
    return round(100 * sum(points) / len(points), 2) if points else 0.0


def passes(score: float, pass_mark: int) -> bool:
    """A score at least the pass mark passes."""
    return score >= pass_mark
