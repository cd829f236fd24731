import random
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta

from lms.rules.attempts import attempt_window
from lms.rules.attempts import draw_questions

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def hours_ago(*hours):
    return [NOW - timedelta(hours=h) for h in hours]


def test_no_limit_always_allows():
    assert attempt_window(hours_ago(1, 2, 3, 4), None, 24, NOW).allowed


def test_limit_within_cooldown_window():
    window = attempt_window(hours_ago(1, 5, 30), limit=3, cooldown_hours=24, now=NOW)
    assert window.allowed and window.used == 2


def test_limit_reached_gives_next_allowed_time():
    window = attempt_window(hours_ago(1, 5, 20), limit=3, cooldown_hours=24, now=NOW)
    assert not window.allowed
    assert window.next_allowed_at == NOW - timedelta(hours=20) + timedelta(hours=24)


def test_limit_without_cooldown_counts_for_the_whole_enrolment():
    assert not attempt_window(hours_ago(100, 200), 2, None, NOW).allowed
    assert attempt_window(hours_ago(100), 2, None, NOW).allowed


@dataclass(frozen=True)
class A:
    id: str


@dataclass(frozen=True)
class Q:
    id: str
    kind: str
    answers: tuple


@dataclass(frozen=True)
class Quiz:
    questions: tuple
    pool: int
    shuffle: bool


def make_quiz(shuffle=True, pool=3):
    questions = tuple(Q(f"q{i}", "single", (A("a"), A("b"), A("c"), A("d"))) for i in range(8))
    tf = Q("tf", "true-false", (A("a"), A("b")))
    return Quiz(questions + (tf,), pool, shuffle)


def test_draw_takes_pool_size_distinct_questions():
    drawn = draw_questions(make_quiz(pool=5), random.Random(1))
    ids = [d["id"] for d in drawn]
    assert len(ids) == 5 and len(set(ids)) == 5


def test_draw_shuffles_questions_and_answers_but_not_true_false():
    quiz = make_quiz(pool=9)
    orders = {
        tuple(d["id"] for d in draw_questions(quiz, random.Random(seed))) for seed in range(20)
    }
    assert len(orders) > 1
    for seed in range(20):
        for d in draw_questions(quiz, random.Random(seed)):
            if d["id"] == "tf":
                assert d["answers"] == ["a", "b"]
            else:
                assert sorted(d["answers"]) == ["a", "b", "c", "d"]
    answer_orders = {
        tuple(d["answers"])
        for seed in range(20)
        for d in draw_questions(quiz, random.Random(seed))
        if d["id"] == "q0"
    }
    assert len(answer_orders) > 1


def test_no_shuffle_keeps_file_order():
    drawn = draw_questions(make_quiz(shuffle=False, pool=2), random.Random(0))
    assert drawn == [
        {"id": "q0", "answers": ["a", "b", "c", "d"]},
        {"id": "q1", "answers": ["a", "b", "c", "d"]},
    ]
