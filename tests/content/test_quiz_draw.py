"""Each question's module (``<!-- module: id -->``) and the quiz's ``draw:`` front matter,
as an author writes them: read into the course, kept in the published snapshot, and every
mistake reported with its file and line."""

from __future__ import annotations

import json
import re

import pytest

from lms.content import Course
from lms.content import load_course
from lms.content import revision_of
from tests.helpers import SAMPLE_COURSE
from tests.helpers import line_of

Q = f"quizzes/{SAMPLE_COURSE}"
EN = f"{Q}/en.md"
ZH = f"{Q}/zh_Hans.md"
#: The sample quiz's questions in file order, and the module each one assesses.
MODULES = {
    "launch-date": "why-it-matters",
    "never-post": "what-to-share",
    "disclaimer-limits": "checklist",
}
DRAW = "draw:\n  questions: 3\n  per_module: 1\n"


def with_modules(text: str, modules: dict[str, str | None] = MODULES) -> str:
    """``text`` with a module note right under each named question's heading."""
    lines = []
    for line in text.split("\n"):
        lines.append(line)
        for question_id, module in modules.items():
            if module and f"{{#{question_id} " in line:
                lines.append(f"<!-- module: {module} -->")
    return "\n".join(lines)


@pytest.fixture
def drawn(files):
    """The sample course with module notes in both quizzes and a stratified draw."""
    for path in (EN, ZH):
        files[path] = with_modules(files[path].replace("pool: 2\n", DRAW))
    return files


def load(tree, files):
    """Load the course, the translation kept up to date with the source quiz."""
    revision = revision_of(files[EN].encode())
    files[ZH] = re.sub(r"translation_of: \w+", f"translation_of: {revision}", files[ZH])
    return load_course(tree(files), SAMPLE_COURSE)


def test_module_notes_and_the_draw_are_read_into_the_course(drawn, tree):
    course, problems = load(tree, drawn)
    assert course is not None, problems
    assert problems == []
    for lang in ("en", "zh_Hans"):
        quiz = course.quizzes[lang]
        assert (quiz.pool, quiz.per_module, quiz.shuffle) == (3, 1, True)
        assert {q.id: q.module for q in quiz.questions} == MODULES
        assert all("module" not in q.scenario_html for q in quiz.questions)


def test_the_published_snapshot_keeps_modules_and_the_draw(drawn, tree):
    course, _ = load(tree, drawn)
    again = Course.from_dict(json.loads(json.dumps(course.to_dict())))
    assert again == course
    assert again.quiz("en").per_module == 1
    assert again.quiz("en").questions[0].module == "why-it-matters"


def test_a_snapshot_published_before_modules_and_the_draw_still_loads(files, tree):
    course, _ = load(tree, files)
    old = json.loads(json.dumps(course.to_dict()))
    for quiz in old["quizzes"].values():
        del quiz["per_module"]
        for question in quiz["questions"]:
            del question["module"]
    again = Course.from_dict(old)
    assert again.quiz("en").per_module == 0 and again.quiz("en").pool == 2
    assert {q.module for q in again.quiz("en").questions} == {None}


def test_the_legacy_pool_still_draws_at_random(files, tree):
    course, problems = load(tree, files)
    assert problems == [] and (course.quiz("en").pool, course.quiz("en").per_module) == (2, 0)


def test_draw_without_per_module_is_a_plain_draw_and_needs_no_modules(files, tree):
    files[EN] = files[EN].replace("pool: 2\n", "draw:\n  questions: 2\n")
    files[ZH] = files[ZH].replace("pool: 2\n", "draw:\n  questions: 2\n")
    course, problems = load(tree, files)
    assert course is not None and problems == []
    assert (course.quiz("en").pool, course.quiz("en").per_module) == (2, 0)


def test_a_module_without_questions_is_a_warning_when_the_draw_takes_every_module(drawn, tree):
    for path in (EN, ZH):
        drawn[path] = drawn[path].replace(
            "<!-- module: checklist -->", "<!-- module: why-it-matters -->"
        )
    course, problems = load(tree, drawn)
    assert course is not None
    assert [(p.path, p.line, p.severity) for p in problems] == [(EN, 1, "warning")]
    assert "module 'checklist' has no questions" in problems[0].message


def _set(files, path, old, new):
    assert old in files[path], old
    files[path] = files[path].replace(old, new, 1)
    return line_of(files[path], new.strip().split("\n")[0])


def _heading(files, path, question_id):
    return line_of(files[path], f"{{#{question_id} ")


# Each case changes the valid course and returns (path, line, part of the message).
CASES = {
    "unknown module": lambda f: (
        EN,
        _set(f, EN, "module: checklist", "module: check-list")
        and _heading(f, EN, "disclaimer-limits"),
        "names module 'check-list', which this course does not have",
    ),
    "module id not a slug": lambda f: (
        EN,
        _set(f, EN, "<!-- module: checklist -->", "<!-- module: The Checklist -->"),
        "'The Checklist' is not a module id",
    ),
    "two modules for one question": lambda f: (
        EN,
        _set(
            f,
            EN,
            "<!-- module: checklist -->",
            "<!-- module: checklist -->\n<!-- module: what-to-share -->",
        )
        + 1,
        "a question assesses one module",
    ),
    "module note before the first question": lambda f: (
        EN,
        _set(f, EN, "---\n\n## A friend", "---\n<!-- module: checklist -->\n\n## A friend")
        and line_of(f[EN], "<!-- module: checklist -->"),
        "a module note belongs under a question's heading",
    ),
    "question without module": lambda f: (
        EN,
        _set(f, EN, "<!-- module: what-to-share -->\n", "") and _heading(f, EN, "never-post"),
        "question 'never-post' names no module",
    ),
    "translation in another module": lambda f: (
        ZH,
        _set(f, ZH, "<!-- module: checklist -->", "<!-- module: what-to-share -->")
        and _heading(f, ZH, "disclaimer-limits"),
        "assesses module 'what-to-share' here but 'checklist' in en",
    ),
    "questions 0": lambda f: (EN, _set(f, EN, "  questions: 3", "  questions: 0"), "from 1 to"),
    "questions more than the quiz": lambda f: (
        EN,
        _set(f, EN, "  questions: 3", "  questions: 4"),
        "draw: questions must be a whole number from 1 to the number of questions (3)",
    ),
    "questions text": lambda f: (EN, _set(f, EN, "  questions: 3", "  questions: all"), "whole"),
    "per_module negative": lambda f: (
        EN,
        _set(f, EN, "  per_module: 1", "  per_module: -1"),
        "per_module must be a whole number, 0 or more",
    ),
    "per_module too large for a module": lambda f: (
        EN,
        _set(f, EN, "  per_module: 1", "  per_module: 2"),
        "module 'why-it-matters' has 1 question(s): per_module: 2",
    ),
    "per_module times modules above questions": lambda f: (
        EN,
        _set(f, EN, "  questions: 3\n  per_module: 1", "  questions: 2\n  per_module: 1") + 1,
        "per_module: 1 from each of 3 modules is 3 questions, more than the 2 drawn",
    ),
    "unknown draw key": lambda f: (
        EN,
        _set(f, EN, "  per_module: 1", "  per_modul: 1"),
        "unknown key 'per_modul' (did you mean 'per_module'?)",
    ),
    "draw not a block": lambda f: (
        EN,
        _set(f, EN, DRAW, "draw: 3\n"),
        "draw holds questions and per_module on indented lines",
    ),
    "draw and pool": lambda f: (
        EN,
        _set(f, EN, DRAW, DRAW + "pool: 2\n") + 3,
        "use draw or pool, not both",
    ),
    "translated per_module": lambda f: (
        ZH,
        _set(f, ZH, DRAW, "draw:\n  questions: 3\n  per_module: 0\n") + 2,
        "draw: per_module is 0 here but 1 in",
    ),
    "translated questions": lambda f: (
        ZH,
        _set(f, ZH, DRAW, "draw:\n  questions: 2\n  per_module: 0\n") + 1,
        "draw: questions is 2 here but 3 in",
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_a_mistake_is_reported_with_file_and_line(case, drawn, tree):
    path, line, fragment = CASES[case](drawn)
    course, problems = load(tree, drawn)
    assert course is None
    matching = [p for p in problems if p.severity == "error" and fragment in p.message]
    assert matching, "\n".join(map(str, problems))
    assert (matching[0].path, matching[0].line) == (path, line), "\n".join(map(str, problems))
