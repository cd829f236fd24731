import random
from collections import Counter
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
    module: str | None = None


@dataclass(frozen=True)
class Quiz:
    questions: tuple
    pool: int
    shuffle: bool
    per_module: int = 0


def make_quiz(shuffle=True, pool=3):
    questions = tuple(Q(f"q{i}", "single", (A("a"), A("b"), A("c"), A("d"))) for i in range(8))
    tf = Q("tf", "true-false", (A("a"), A("b")))
    return Quiz(questions + (tf,), pool, shuffle)


def modular_quiz(pool=5, per_module=1, shuffle=True):
    """Ten questions on module "big", one or two on each of three small ones."""
    sizes = {"big": 10, "small-1": 1, "small-2": 2, "small-3": 2}
    questions = tuple(
        Q(f"{module}-{i}", "single", (A("a"), A("b"), A("c")), module)
        for module, size in sizes.items()
        for i in range(size)
    )
    return Quiz(questions, pool, shuffle, per_module)


def modules_of(quiz, drawn) -> list[str]:
    by_id = {q.id: q.module for q in quiz.questions}
    return [by_id[d["id"]] for d in drawn]


def test_draw_takes_pool_size_distinct_questions():
    drawn = draw_questions(make_quiz(pool=5), random.Random(1))
    ids = [d["id"] for d in drawn]
    assert len(ids) == 5 and len(set(ids)) == 5


def test_draw_shuffles_questions_and_answers_true_false_too():
    quiz = make_quiz(pool=9)
    draws = [draw_questions(quiz, random.Random(seed)) for seed in range(20)]
    assert len({tuple(d["id"] for d in drawn) for drawn in draws}) > 1
    answer_orders = {
        q: {tuple(d["answers"]) for drawn in draws for d in drawn if d["id"] == q}
        for q in ("q0", "tf")
    }
    assert len(answer_orders["q0"]) > 1
    assert answer_orders["tf"] == {("a", "b"), ("b", "a")}  # true is not always first


def test_no_shuffle_keeps_file_order():
    drawn = draw_questions(make_quiz(shuffle=False, pool=2), random.Random(0))
    assert drawn == [
        {"id": "q0", "answers": ["a", "b", "c", "d"]},
        {"id": "q1", "answers": ["a", "b", "c", "d"]},
    ]


def test_stratified_draw_asks_about_every_module_in_every_attempt():
    quiz = modular_quiz(pool=5, per_module=1)
    for seed in range(300):
        drawn = draw_questions(quiz, random.Random(seed))
        ids = [d["id"] for d in drawn]
        assert len(ids) == 5 and len(set(ids)) == 5
        assert set(modules_of(quiz, drawn)) == {"big", "small-1", "small-2", "small-3"}


def test_a_plain_random_draw_often_misses_a_module():
    # Why the draw is stratified: ten of fifteen questions are on one module.
    quiz = modular_quiz(pool=5, per_module=0)
    missed = sum(
        len(set(modules_of(quiz, draw_questions(quiz, random.Random(seed))))) < 4
        for seed in range(300)
    )
    assert missed > 150


def test_stratified_draw_takes_per_module_from_each_and_the_rest_from_all():
    quiz = modular_quiz(pool=9, per_module=2)
    seen = set()
    for seed in range(300):
        drawn = draw_questions(quiz, random.Random(seed))
        counts = Counter(modules_of(quiz, drawn))
        assert len(drawn) == 9 and counts["small-1"] == 1  # it has only one question
        assert counts["big"] >= 2 and counts["small-2"] == counts["small-3"] == 2
        seen.update(d["id"] for d in drawn)
    assert seen == {q.id for q in quiz.questions}


def test_stratified_draw_mixes_the_modules_in_the_display_order():
    quiz = modular_quiz(pool=5, per_module=1)
    firsts = {modules_of(quiz, draw_questions(quiz, random.Random(seed)))[0] for seed in range(100)}
    assert firsts == {"big", "small-1", "small-2", "small-3"}


def test_stratified_draw_without_shuffle_takes_each_module_first_questions_in_file_order():
    quiz = modular_quiz(pool=6, per_module=1, shuffle=False)
    drawn = draw_questions(quiz, random.Random(0))
    assert [d["id"] for d in drawn] == [
        "big-0",
        "big-1",
        "big-2",
        "small-1-0",
        "small-2-0",
        "small-3-0",
    ]
    assert all(d["answers"] == ["a", "b", "c"] for d in drawn)
