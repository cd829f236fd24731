"""Aiken question banks (Moodle's ``question/format/aiken``): the parser, the conversion to
our quiz format (checked by loading it as a course), and ``flask lms quiz import-aiken``."""

from __future__ import annotations

from pathlib import Path

import pytest

from lms.content import load_course
from lms.content.aiken import aiken_to_quiz
from lms.content.aiken import parse_aiken
from lms.content.render import html_text

COURSE = "aiken-import"
COURSE_YML = f"""\
id: {COURSE}
version: "1.0"
source_language: en
title:
  en: Aiken import
pass_mark: 80
validity_days: 365
"""
BANK = """\
What is the correct answer to this question?
A. Is it this one?
B. Maybe this answer?
C. Possibly this one?
D. Must be this one!
ANSWER: D

Which LMS has the most quiz import formats?
A) Moodle
B) ATutor
C) Claroline
ANSWER: A
"""


def _load(tmp_path: Path, markdown: str):
    """Load ``markdown`` as the quiz of a one-module course; no error may be reported."""
    files = {
        f"courses/{COURSE}/course.yml": COURSE_YML,
        f"courses/{COURSE}/en/01-intro.md": "---\ntitle: Intro\n---\n\nText.\n",
        f"quizzes/{COURSE}/en.md": markdown,
    }
    for rel, text in files.items():
        path = tmp_path / "content" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    course, problems = load_course(tmp_path / "content", COURSE)
    assert [p for p in problems if p.severity == "error"] == [], markdown
    return course.quizzes["en"]


def _shown(question) -> tuple[str, list[str], list[bool]]:
    return (
        html_text(question.prompt_html),
        [html_text(a.html) for a in question.answers],
        [a.id in question.correct_ids for a in question.answers],
    )


def test_both_option_styles_convert_to_single_answer_questions(tmp_path):
    result = aiken_to_quiz(BANK, "Formats", pool=2)
    assert (result.converted, result.skipped, result.notes) == (2, [], [])
    quiz = _load(tmp_path, result.markdown)
    assert (quiz.title, quiz.pool) == ("Formats", 2)
    first, second = quiz.questions
    assert first.kind == second.kind == "single"
    assert _shown(first) == (
        "What is the correct answer to this question?",
        ["Is it this one?", "Maybe this answer?", "Possibly this one?", "Must be this one!"],
        [False, False, False, True],
    )
    assert _shown(second)[1:] == (["Moodle", "ATutor", "Claroline"], [True, False, False])


def test_questions_need_no_blank_line_and_text_may_take_several_lines(tmp_path):
    bank = "First?\nA. a\nB. b\nANSWER: B\nSecond line one\nline two?\nA.\tx\nB) y\nANSWER: A\n"
    result = aiken_to_quiz(bank, "Q")
    first, second = _load(tmp_path, result.markdown).questions
    assert _shown(first)[2] == [False, True]
    assert _shown(second) == ("Second line one line two?", ["x", "y"], [True, False])


def test_text_that_looks_like_markdown_or_html_stays_text(tmp_path):
    bank = (
        "## <b>Bold</b> {#x .single} *not em*?\nA. - [x] not a task\nB. <script>alert(1)"
        "</script>\nANSWER: A\n"
    )
    question = _load(tmp_path, aiken_to_quiz(bank, "Q").markdown).questions[0]
    assert _shown(question) == (
        "## <b>Bold</b> {#x .single} *not em*?",
        ["- [x] not a task", "<script>alert(1)</script>"],
        [True, False],
    )


@pytest.mark.parametrize(
    "bank, line, reason",
    [
        ("Q?\nA. a\nB. b\n\nNext?\nA. x\nB. y\nANSWER: A\n", 3, "no 'ANSWER:' line"),
        ("Q?\nA. a\nB. b", 3, "no 'ANSWER:' line"),
        (
            "Q?\nA. a\nB. b\nANSWER: C\n\nNext?\nA. x\nB. y\nANSWER: A\n",
            4,
            "ANSWER: C, but no option is C (the options are A, B)",
        ),
        (
            "Q?\nA. a\nA. b\nANSWER: A\n\nNext?\nA. x\nB. y\nANSWER: A\n",
            3,
            "option A appears twice (first on line 2)",
        ),
        (
            "Q?\nA. a\nB. b\nANSWER: AB\n\nNext?\nA. x\nB. y\nANSWER: A\n",
            4,
            "'ANSWER: AB' must give one upper-case letter: A, B",
        ),
        ("Q?\nA. a\nB. b\nANSWER:\n\nNext?\nA. x\nB. y\nANSWER: A\n", 4, "one upper-case letter"),
        ("Q?\nA. a\nANSWER: A\n\nNext?\nA. x\nB. y\nANSWER: A\n", 3, "at least two options"),
        (
            "Q?\na) a\nb) b\nANSWER: A\n\nNext?\nA. x\nB. y\nANSWER: A\n",
            4,
            "options start with an upper-case letter",
        ),
        ("Q?\nA. a\nB.\nANSWER: A\n\nNext?\nA. x\nB. y\nANSWER: A\n", 3, "option B has no text"),
        (
            "Q?\nA. a\nB. b\nmore text\nANSWER: A\n\nNext?\nA. x\nB. y\nANSWER: A\n",
            4,
            "expected option C or 'ANSWER:' here",
        ),
        (
            "A. a\nB. b\nANSWER: A\n\nNext?\nA. x\nB. y\nANSWER: A\n",
            1,
            "an option before the question text",
        ),
        ("Next?\nA. x\nB. y\nANSWER: A\nANSWER: B\n", 5, "ANSWER: line without a question"),
        (
            "Q \ud83d?\nA. a\nB. b\nANSWER: A\n\nNext?\nA. x\nB. y\nANSWER: A\n",
            1,
            "half of a UTF-16 surrogate pair",
        ),
    ],
)
def test_what_cannot_be_read_is_skipped_with_line_and_reason(bank, line, reason, tmp_path):
    result = aiken_to_quiz(bank, "Q")
    (report,) = result.skipped
    assert (report.line, report.kind) == (line, "skipped"), report
    assert report.reason.startswith("not valid Aiken: ") and reason in report.reason, report
    if "Next?" in bank:  # the broken question swallowed nothing
        assert result.converted == 1
        assert _shown(_load(tmp_path, result.markdown).questions[0])[0] == "Next?"


def test_crlf_cr_and_byte_order_mark():
    for bank in ("\ufeff" + BANK.replace("\n", "\r\n"), BANK.replace("\n", "\r")):
        assert [(q.kind, q.line) for q in parse_aiken(bank)] == [
            ("multichoice", 1),
            ("multichoice", 8),
        ]


def test_an_empty_file_has_no_questions():
    assert parse_aiken("") == parse_aiken("\n \n\t\n") == []


def test_the_naughty_strings_never_break_the_quiz(tmp_path):
    import json

    strings = json.loads(
        (Path(__file__).parents[1] / "data" / "strings" / "blns.json").read_text(encoding="utf-8")
    )
    bank = "\n\n".join(
        f"Q {n}: {s}\nA. {s}\nB. other\nANSWER: A"
        for n, s in enumerate(strings)
        if s.strip() and "\n" not in s and "\r" not in s
    )
    result = aiken_to_quiz(bank, "Naughty")
    assert result.skipped == [] and result.converted > 500
    _load(tmp_path, result.markdown)


# --- flask lms quiz import-aiken -----------------------------------------------------------


def test_cli_imports_and_reports_each_skipped_question(runner, tmp_path):
    source = tmp_path / "bank.txt"
    source.write_text(BANK + "\nBroken?\nA. a\nB. b\nANSWER: E\n", encoding="utf-8")
    out = tmp_path / "quizzes" / "en.md"
    result = runner.invoke(
        args=[
            "lms",
            "quiz",
            "import-aiken",
            str(source),
            "--out",
            str(out),
            "--title",
            "Formats",
            "--pool",
            "1",
        ]
    )
    assert result.exit_code == 0, result.output
    assert f"{source}:17: skipped: not valid Aiken: ANSWER: E, but no option is E" in result.output
    assert result.output.strip().splitlines()[-1] == "converted 2, skipped 1"
    quiz = _load(tmp_path / "load", out.read_text(encoding="utf-8"))
    assert (quiz.title, quiz.pool, len(quiz.questions)) == ("Formats", 1, 2)


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "no questions in the file"),
        (b"\n\r\n", "no questions in the file"),
        (BANK.encode("utf-16"), "the file is UTF-16: save it as UTF-8"),
        (BANK.encode("utf-16-le"), "the file is UTF-16: save it as UTF-8"),
        ("Où?\nA. a\nB. b\nANSWER: A\n".encode("latin-1"), ":1: not UTF-8: byte 0xf9"),
    ],
)
def test_cli_refuses_files_it_cannot_read_and_writes_nothing(runner, tmp_path, data, message):
    source = tmp_path / "bank.txt"
    source.write_bytes(data)
    out = tmp_path / "en.md"
    result = runner.invoke(args=["lms", "quiz", "import-aiken", str(source), "--out", str(out)])
    assert result.exit_code == 1 and message in result.output, result.output
    assert not out.exists()


def test_cli_exits_1_when_nothing_converts(runner, tmp_path):
    source = tmp_path / "bank.txt"
    source.write_text("Q?\nA. a\nANSWER: A\n", encoding="utf-8")
    out = tmp_path / "en.md"
    result = runner.invoke(args=["lms", "quiz", "import-aiken", str(source), "--out", str(out)])
    assert result.exit_code == 1 and "converted 0, skipped 1" in result.output
    assert not out.exists()


def test_cli_title_defaults_to_the_file_name_and_crlf_bom_are_read(runner, tmp_path):
    source = tmp_path / "brand_voice.txt"
    source.write_bytes(b"\xef\xbb\xbf" + BANK.replace("\n", "\r\n").encode())
    out = tmp_path / "en.md"
    result = runner.invoke(args=["lms", "quiz", "import-aiken", str(source), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert _load(tmp_path / "load", out.read_text(encoding="utf-8")).title == "brand voice"
