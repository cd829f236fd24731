"""Warnings (never errors) for authors: a key that a rule predicts, located by file and line."""

from __future__ import annotations

import pytest

from lms.content import load_course
from lms.content.quiz import parse_quiz
from tests.helpers import SAMPLE_COURSE
from tests.helpers import line_of

PATH = "quizzes/x/en.md"
EN = f"quizzes/{SAMPLE_COURSE}/en.md"


def warnings(text: str, lang: str = "en") -> list[tuple[int, str]]:
    _, problems, _ = parse_quiz(text, PATH, lang, "0" * 12)
    assert all(p.severity == "warning" for p in problems), problems
    return [(p.line, p.message) for p in problems]


def single(qid: str, options: list[tuple[str, bool]]) -> str:
    answers = "\n".join(f"- [{'x' if right else ' '}] {text}" for text, right in options)
    return f"## Question {qid}? {{#{qid} .single}}\n\n{answers}\n"


def true_false(qid: str, true: bool) -> str:
    return (
        f"## Statement {qid}. {{#{qid} .true-false}}\n\n"
        f"- [{'x' if true else ' '}] True\n- [{' ' if true else 'x'}] False\n"
    )


def quiz(*questions: str) -> str:
    return "---\ntitle: Q\n---\n\n" + "\n".join(questions)


def test_a_key_much_longer_than_every_wrong_option_is_a_warning_at_its_question():
    text = quiz(
        single("fair", [("Post it now", False), ("Save a draft", True), ("Delete it", False)]),
        single("long", [("Post it", False), ("Say that you work here, in the post", True)]),
    )
    found = warnings(text)
    assert [line for line, _ in found] == [line_of(text, "{#long ")]
    assert "question 'long': the right answer is much longer than every wrong one" in found[0][1]


def test_a_key_much_shorter_than_every_wrong_option_is_a_warning():
    text = quiz(single("short", [("Post it with a long caption", False), ("Wait", True)]))
    assert "much shorter than every wrong one" in warnings(text)[0][1]


def test_margins_under_thirty_percent_are_fine():
    text = quiz(single("close", [("Post it on Monday", False), ("Post it on Tuesdays", True)]))
    assert warnings(text) == []


def test_the_only_cautious_option_being_the_key_is_a_warning():
    text = quiz(
        single("careful", [("Post it today", False), ("Ask legal", True), ("Share it", False)])
    )
    found = warnings(text)
    assert len(found) == 1 and "only the right answer(s) use cautious wording" in found[0][1]


@pytest.mark.parametrize(
    ("lang", "option"),
    [
        ("en", "All of the above"),
        ("en", "None of these"),
        ("de", "Keine der oben genannten"),
        ("es", "Todas las anteriores"),
        ("fr", "Toutes les réponses"),
        ("pt_BR", "Nenhuma das anteriores"),
        ("ja", "上記のすべて"),
        ("zh_Hans", "以上都是"),
        ("he", "כל התשובות נכונות"),
    ],
)
def test_all_or_none_of_the_above_is_a_warning(lang, option):
    text = quiz(single("above", [("One thing", False), ("Two thing", False), (option, True)]))
    found = [message for _, message in warnings(text, lang) if "answer c:" in message]
    assert found and "answers are shuffled, so nothing is above" in found[0]


def test_unbalanced_true_false_keys_are_a_quiz_wide_warning():
    text = quiz(*(true_false(f"s{i}", true=i == 0) for i in range(4)))  # 3 of 4 false
    assert warnings(text) == [
        (
            1,
            "3 of 4 true/false questions are false: a guesser who always answers false "
            "gets them right; balance the keys",
        )
    ]
    assert warnings(quiz(*(true_false(f"s{i}", true=i % 2 == 0) for i in range(4)))) == []


def test_a_key_that_is_usually_the_longest_option_is_a_quiz_wide_warning():
    # Each key only a little longer (no warning per question), but in 3 of 5 questions.
    options = [("Post it on Monday", False), ("Post it on Wednesday", True)]
    fair = [("Post it on Wednesday", False), ("Post it on Monday", True)]
    text = quiz(*(single(f"q{i}", options if i < 3 else fair) for i in range(5)))
    found = warnings(text)
    assert [(line, message.split(":")[0]) for line, message in found] == [
        (1, "the right answer is the longest option in 3 of 5 single-answer questions (60%)")
    ]


def test_cue_warnings_never_stop_a_course_from_loading(files, tree):
    files[EN] = files[EN].replace(
        "- [x] Say you can't discuss it.",
        "- [x] Say you cannot talk about unannounced plans and link to the news page.",
    )
    course, problems = load_course(tree(files), SAMPLE_COURSE)
    assert course is not None
    cues = [p for p in problems if "much longer" in p.message]
    assert [(p.path, p.line, p.severity) for p in cues] == [
        (EN, line_of(files[EN], "{#launch-date "), "warning")
    ]
