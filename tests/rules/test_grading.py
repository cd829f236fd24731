from dataclasses import dataclass

import pytest

from lms.rules.grading import grade
from lms.rules.grading import question_points


@dataclass(frozen=True)
class Q:
    id: str
    kind: str
    correct_ids: frozenset


@pytest.mark.parametrize(
    ("kind", "correct", "chosen", "points"),
    [
        ("single", {"b"}, {"b"}, 1.0),
        ("single", {"b"}, {"a"}, 0.0),
        ("single", {"b"}, set(), 0.0),
        ("true-false", {"a"}, {"a"}, 1.0),
        ("true-false", {"a"}, {"b"}, 0.0),
        ("multiple", {"a", "b"}, {"a", "b"}, 1.0),
        ("multiple", {"a", "b"}, {"a"}, 0.5),
        ("multiple", {"a", "b"}, {"a", "c"}, 0.0),
        ("multiple", {"a", "b"}, {"a", "b", "c"}, 0.5),
        ("multiple", {"a", "b"}, {"a", "b", "c", "d"}, 0.0),  # ticking everything earns nothing
        ("multiple", {"a", "b", "c"}, {"c", "d", "e"}, 0.0),  # never below zero
    ],
)
def test_question_points(kind, correct, chosen, points):
    assert question_points(kind, frozenset(correct), frozenset(chosen)) == points


def test_grade_percent_and_pass_mark():
    questions = [
        Q("q1", "single", frozenset("a")),
        Q("q2", "single", frozenset("b")),
        Q("q3", "multiple", frozenset("ab")),
        Q("q4", "true-false", frozenset("a")),
        Q("q5", "single", frozenset("c")),
    ]
    answers = {"q1": ["a"], "q2": ["b"], "q3": ["a"], "q4": ["a"], "q5": ["a"]}
    result = grade(questions, answers, pass_mark=70)
    assert result.score == 70.0  # 1 + 1 + 0.5 + 1 + 0 = 3.5 of 5
    assert result.passed
    assert not grade(questions, answers, pass_mark=71).passed


def test_unanswered_questions_score_zero():
    result = grade([Q("q1", "single", frozenset("a"))], {}, pass_mark=80)
    assert result.score == 0 and not result.passed
