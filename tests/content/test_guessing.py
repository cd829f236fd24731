"""Can the quiz be passed without reading the course? Test-taking guessers played through
the real draw and grading (lms.rules.guessing): on every language's bundled quiz, and on
small quizzes built to be guessable in one way each."""

from __future__ import annotations

import random

import pytest

from lms.config import LANGUAGES
from lms.config import PROJECT_ROOT
from lms.content import Answer
from lms.content import Question
from lms.content import Quiz
from lms.content import load_course
from lms.content import render_inline
from lms.content.cues import echo
from lms.content.cues import echo_tokens
from lms.content.cues import hedges
from lms.rules import grading
from lms.rules import guessing
from lms.rules.attempts import draw_questions

ATTEMPTS = 2000


@pytest.fixture(scope="module")
def bundled():
    course, problems = load_course(PROJECT_ROOT, "social-media-policy")
    assert course is not None, problems
    return course


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_guesser_passes_the_bundled_quiz(bundled, lang):
    """Each guesser passes under 5% of attempts, blind guessing under 1%."""
    outcomes = guessing.simulate(bundled.quizzes[lang], bundled.meta.pass_mark, ATTEMPTS)
    too_often = [f"{o.guesser.name}: {o.pass_rate:.1%}" for o in outcomes if o.too_high]
    assert too_often == [], f"{lang}: guessers pass too often: " + ", ".join(too_often)


# -- Small quizzes, each guessable in one way ------------------------------------------------


def question(qid: str, answers: list[tuple[str, bool]], kind: str = "single", prompt: str = "Q?"):
    return Question(
        id=qid,
        kind=kind,  # type: ignore[arg-type]
        prompt_html=render_inline(prompt),
        scenario_html="",
        answers=tuple(
            Answer(chr(ord("a") + i), render_inline(text), right, "")
            for i, (text, right) in enumerate(answers)
        ),
        explanation_html="",
        reading_seconds=10,
        line=1 + 10 * int(qid.removeprefix("q")),
        module=f"m{int(qid.removeprefix('q')) % 2}",
    )


def quiz(questions: list[Question], pool: int = 10, lang: str = "en", shuffle: bool = True):
    return Quiz(lang, "Quiz", pool, shuffle, tuple(questions), "0" * 12, None, "q.md", 1)


def rates(q: Quiz, attempts: int = 400, seed: int = 0) -> dict[str, float]:
    return {o.guesser.name: o.pass_rate for o in guessing.simulate(q, 80, attempts, seed)}


def balanced(n: int = 20) -> list[Question]:
    """Four options of equal length and wording; the key moves around."""
    return [
        question(f"q{i}", [(f"Option {c}", c == "ABCD"[i % 4]) for c in "ABCD"]) for i in range(n)
    ]


def test_a_bank_whose_key_is_always_the_longest_option_is_caught():
    bank = quiz([
        question(f"q{i}", [("No.", False), ("Ask the press team first.", True), ("Yes.", False)])
        for i in range(20)
    ])  # fmt: skip
    found = rates(bank)
    assert found["longest (multiple: two)"] == 1.0
    assert found["shortest (multiple: two)"] == 0.0


def test_a_balanced_bank_defeats_every_guesser():
    found = rates(quiz(balanced()))
    assert all(rate < 0.01 for rate in found.values()), found


def test_always_false_is_caught_on_a_bank_of_false_statements():
    bank = quiz(
        [question(f"q{i}", [("True", False), ("False", True)], "true-false") for i in range(12)]
    )
    found = rates(bank)
    assert found["always-false (multiple: one)"] == 1.0
    assert found["always-true (multiple: one)"] == 0.0


def test_blind_guessing_passes_true_false_only_banks_too_often():
    # 10 coin flips with 8 right: 5.5% of attempts. A gate of true/false alone is weak.
    bank = quiz([
        question(f"q{i}", [("True", i % 2 == 0), ("False", i % 2 == 1)], "true-false")
        for i in range(12)
    ])  # fmt: skip
    outcome = next(o for o in guessing.simulate(bank, 80, 2000) if o.guesser.heuristic == "random")
    assert 0.03 < outcome.pass_rate < 0.08 and outcome.too_high


def test_the_only_cautious_option_is_caught():
    bank = quiz([
        question(f"q{i}", [("Post it now", False), ("Check with legal", True),
                           ("Delete it today", False), ("Reply in public", False)])
        for i in range(20)
    ])  # fmt: skip
    assert rates(bank)["hedged (multiple: two)"] == 1.0


def test_the_option_repeating_the_question_is_caught():
    bank = quiz([
        question(
            f"q{i}",
            [("Wait a day", False), ("Disclose your employment clearly", True),
             ("Say nothing", False), ("Block them", False)],
            prompt="How do you disclose your employment in a review?",
        )
        for i in range(20)
    ])  # fmt: skip
    assert rates(bank)["echo (multiple: two)"] == 1.0


def test_position_guessers_are_caught_when_answers_are_not_shuffled():
    bank = quiz(
        [question(f"q{i}", [("A", True), ("B", False), ("C", False)]) for i in range(20)],
        shuffle=False,
    )
    found = rates(bank)
    assert found["first (multiple: two)"] == 1.0 and found["last (multiple: two)"] == 0.0
    assert rates(quiz(bank.questions))["first (multiple: two)"] < 0.01  # shuffled


def test_multiple_answer_questions_are_played_three_ways():
    """The two right answers are the two longest: taking two passes, one earns half each
    question and fails, taking all earns nothing (a wrong tick costs a right one)."""
    bank = quiz([
        question(
            f"q{i}",
            [("Unpublished sales figures", True), ("A customer's order details", True),
             ("Menu", False), ("Logo", False)],
            "multiple",
        )
        for i in range(20)
    ])  # fmt: skip
    found = rates(bank)
    assert found["longest (multiple: two)"] == 1.0
    assert found["longest (multiple: one)"] == 0.0
    assert found["longest (multiple: all)"] == 0.0


def test_a_guesser_is_graded_as_a_real_attempt():
    bank = quiz(
        [question(f"q{i}", [("x", i < 7), ("yy", i >= 7)]) for i in range(10)], shuffle=False
    )
    drawn = draw_questions(bank, random.Random(0))
    by_id = {q.id: q for q in bank.questions}
    longest = {d["id"]: ["b"] for d in drawn}
    expected = grading.grade([by_id[d["id"]] for d in drawn], longest, 80)
    (outcome,) = guessing.simulate(bank, 80, 1, guessers=[guessing.Guesser("longest", "two")])
    assert outcome.mean_score == expected.score == 30.0 and outcome.passed == 0


def test_runs_repeat_with_a_seed():
    bank = quiz(balanced())
    assert rates(bank, seed=3) == rates(bank, seed=3)


def test_the_draw_is_the_real_one_every_module_in_every_attempt():
    # One question on module m1, nineteen on m0, one per module per attempt: the m1
    # question is always drawn, so a bank whose only m1 question is guessable is caught.
    questions = [question("q1", [("Ask first, then post", True), ("No", False)])] + [
        question(f"q{2 * i}", [(f"Option {c}", c == "A") for c in "ABCD"]) for i in range(19)
    ]
    stratified = quiz(questions, pool=2)
    found = {o.guesser.name: o.passed for o in guessing.simulate(stratified, 50, 400)}
    assert found["longest (multiple: two)"] == 400  # q1 right is half of two questions


# -- The cues, in every language ----------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "cautious", "plain"),
    [
        ("en", "Ask your manager first", "Post the photo"),
        ("de", "Frag zuerst deine Führungskraft", "Poste das Foto"),
        ("es", "Pregunte primero a su responsable", "Publique la foto"),
        ("fr", "Demandez d'abord à votre responsable", "Publiez la photo"),
        ("pt_BR", "Pergunte primeiro ao seu gestor", "Publique a foto"),
        ("he", "ושאל קודם את המנהל", "פרסם את התמונה"),
        ("ja", "まず上司に確認する", "写真を投稿する"),
        ("zh_Hans", "先向经理确认", "发布照片"),
    ],
)
def test_cautious_wording_is_found_in_every_language(lang, cautious, plain):
    assert hedges(cautious, lang) >= 1 and hedges(plain, lang) == 0


def test_the_echo_of_the_question_counts_words_or_cjk_characters():
    assert echo("Disclose your employer", "Must you disclose your employer?", "en") == 3
    assert echo_tokens("披露你的雇主", "zh_Hans") == {"披", "露", "雇", "主"}  # 你, 的: grammar
    assert echo("披露雇主", "你要披露雇主吗？", "zh_Hans") == 4
