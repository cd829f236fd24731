"""Loading valid courses: order, fallback, warnings, revisions, hashes, serialisation."""

from __future__ import annotations

import json
import re
from pathlib import Path

from lms.content import Course
from lms.content import course_source_hash
from lms.content import load_catalog
from lms.content import load_course
from lms.content import revision_of
from lms.content import stats
from tests.helpers import SAMPLE_COURSE
from tests.helpers import SAMPLE_COURSE_YML
from tests.helpers import SAMPLE_EN_MODULES
from tests.helpers import SAMPLE_EN_QUIZ

P = f"courses/{SAMPLE_COURSE}"
M1 = f"{P}/en/01-why-it-matters.md"
HE1 = f"{P}/he/01-why-it-matters.md"


def _load(tree, files):
    course, problems = load_course(tree(files), SAMPLE_COURSE)
    assert course is not None, "\n".join(map(str, problems))
    return course, problems


def test_valid_course_loads_without_problems(files, tree):
    course, problems = _load(tree, files)
    assert problems == []
    assert course.id == SAMPLE_COURSE
    assert course.meta.version == "1.0" and course.meta.major == 1 and course.meta.minor == 0
    assert course.meta.required is True and course.meta.pass_mark == 80
    assert course.meta.due_days == 30  # default
    assert course.languages == ["en", "he", "zh_Hans"]


def test_modules_are_ordered_by_number_not_by_name(files, tree):
    course, _ = _load(tree, files)
    assert course.module_ids == ["why-it-matters", "what-to-share", "checklist"]
    assert [m.position for m in course.modules["zh_Hans"]] == [1, 2, 10]
    first = course.modules["en"][0]
    assert first.title == "Why it matters" and first.path == M1
    assert first.revision == revision_of(SAMPLE_EN_MODULES["01-why-it-matters.md"].encode())
    assert first.html == "<p>Every employee is a voice.</p>"


def test_rendering_of_module_features(files, tree):
    course, _ = _load(tree, files)
    html = course.module("en", "what-to-share").html
    assert '<div class="admonition tip">' in html and "<table>" in html
    assert '<h2 id="check">Check</h2>' in course.module("en", "checklist").html


def test_missing_language_falls_back_to_the_source(files, tree):
    course, _ = _load(tree, files)
    assert course.module("de", "why-it-matters").lang == "en"
    assert course.module("he", "why-it-matters").lang == "he"
    assert course.module("he", "no-such-module") is None
    assert course.quiz("he").lang == "en"  # he has modules but no quiz
    assert course.quiz("zh_Hans").lang == "zh_Hans"
    assert course.meta.title("de") == "Social media policy"
    assert course.reading_seconds("de") == course.reading_seconds("en")


def test_language_with_only_a_quiz_falls_back_for_every_module(files, tree):
    files[f"quizzes/{SAMPLE_COURSE}/fr.md"] = SAMPLE_EN_QUIZ.replace(
        "---\n\n", f"translation_of: {revision_of(SAMPLE_EN_QUIZ.encode())}\n---\n\n", 1
    )
    course, problems = _load(tree, files)
    assert problems == []
    assert "fr" not in course.languages and course.quiz("fr").lang == "fr"
    row = next(r for r in stats(course) if r["lang"] == "fr")
    assert row["modules"] == 3 and row["fallback_modules"] == 3
    assert all(m["fallback"] and m["lang"] == "en" for m in row["per_module"])


def test_quiz_is_parsed(files, tree):
    course, _ = _load(tree, files)
    quiz = course.quiz("en")
    assert (quiz.title, quiz.pool, quiz.shuffle) == ("Social media policy quiz", 2, True)
    launch = quiz.question("launch-date")
    assert launch.kind == "single" and launch.line == 6
    assert launch.scenario_html == "<p>Optional scenario text.</p>"
    assert [a.id for a in launch.answers] == ["a", "b", "c"]
    assert launch.correct_ids == frozenset({"b"})
    assert launch.answers[0].feedback_html == "<p>Unannounced dates are confidential.</p>"
    assert launch.answers[2].feedback_html == ""
    assert launch.explanation_html == "<p>The explanation.</p>"
    assert quiz.question("never-post").correct_ids == frozenset({"a", "b"})
    assert quiz.question("disclaimer-limits").kind == "true-false"
    assert quiz.question("nope") is None


def test_warnings_do_not_block(files, tree):
    files[HE1] = "---\ntitle: x\n---\n\nטקסט\n"  # no translation_of
    he_title = "  he: מדיניות הרשתות החברתיות\n"
    files[f"{P}/course.yml"] = files[f"{P}/course.yml"].replace(he_title, "")
    course, problems = _load(tree, files)
    assert {p.severity for p in problems} == {"warning"}
    messages = [(p.path, p.message) for p in problems]
    assert (
        HE1,
        f"translation without translation_of: add translation_of: "
        f"{course.module('en', 'why-it-matters').revision} once it matches {M1}",
    ) in messages
    assert any(
        p.path == f"{P}/course.yml" and p.line == 4 and "no title for he" in p.message
        for p in problems
    )
    assert course.meta.title("he") == "Social media policy"


def test_missing_module_in_translation_is_a_warning_and_falls_back(files, tree):
    del files[f"{P}/he/02-what-to-share.md"]
    course, problems = _load(tree, files)
    assert [(p.path, p.severity) for p in problems] == [(f"{P}/he", "warning")]
    assert "missing module 'what-to-share'" in problems[0].message
    assert course.module("he", "what-to-share").lang == "en"


def test_quiz_comments_between_questions_are_ignored(files, tree):
    quiz = f"quizzes/{SAMPLE_COURSE}/en.md"
    files[quiz] = files[quiz].replace("\n## ", "\n<!-- reviewed by legal -->\n## ")
    course, problems = _load(tree, files)
    assert course is not None, problems
    assert all("legal" not in q.scenario_html for q in course.quiz("en").questions)


def test_out_of_date_translation_is_a_warning(files, tree):
    old = revision_of(files[M1].encode())
    files[M1] = files[M1].replace("a voice", "the voice")
    new = revision_of(files[M1].encode())
    course, problems = _load(tree, files)
    assert course.translation("he", "why-it-matters").translation_of == old
    # Learners read the source text instead: the translation lacks the change.
    assert course.module("he", "why-it-matters").lang == "en"
    out_of_date = [p for p in problems if p.path == HE1]
    assert len(out_of_date) == 1 and out_of_date[0].severity == "warning"
    assert out_of_date[0].line == 3
    assert out_of_date[0].message == (
        f"out of date: translates revision {old}, source is now {new} ({M1})"
    )


def test_all_digit_revision_stays_a_string(files, tree):
    files[HE1] = "---\ntitle: x\ntranslation_of: 012345678901\n---\n\nטקסט\n"
    course, problems = _load(tree, files)
    assert course.translation("he", "why-it-matters").translation_of == "012345678901"
    assert "out of date: translates revision 012345678901" in problems[0].message


def test_revision_normalises_line_endings():
    lf = b"---\ntitle: x\n---\nBody\n"
    assert revision_of(lf) == revision_of(lf.replace(b"\n", b"\r\n"))
    assert revision_of(lf) == revision_of(lf.replace(b"\n", b"\r"))
    assert revision_of(lf) == revision_of("\ufeff".encode() + lf)
    assert revision_of(lf) != revision_of(lf + b"\n")
    assert len(revision_of(lf)) == 12 and int(revision_of(lf), 16) >= 0


def test_bom_and_crlf_files_load(files, tree):
    crlf = files[M1].replace("\n", "\r\n").encode()
    files[M1] = "\ufeff".encode() + crlf
    course, problems = _load(tree, files)
    assert problems == []  # the revision ignores line endings, so he is not out of date
    module = course.module("en", "why-it-matters")
    assert module.title == "Why it matters"
    assert course.sources[M1] == SAMPLE_EN_MODULES["01-why-it-matters.md"]


def test_sources_and_content_hash(files, tree):
    root = tree(files)
    course, _ = load_course(root, SAMPLE_COURSE)
    assert set(course.sources) == set(files)
    assert course.content_hash == course_source_hash(root, SAMPLE_COURSE)


def test_source_hash_changes_with_any_byte_and_only_then(files, tree):
    root = tree(files)
    before = course_source_hash(root, SAMPLE_COURSE)
    assert course_source_hash(root, SAMPLE_COURSE) == before
    (root / M1).write_bytes((root / M1).read_bytes())  # rewritten, same bytes
    (root / P / ".DS_Store").write_bytes(b"editor litter")
    assert course_source_hash(root, SAMPLE_COURSE) == before
    for path in (M1, f"quizzes/{SAMPLE_COURSE}/en.md", f"{P}/course.yml"):
        data = (root / path).read_bytes()
        (root / path).write_bytes(data + b" ")
        assert course_source_hash(root, SAMPLE_COURSE) != before, path
        (root / path).write_bytes(data)
        assert course_source_hash(root, SAMPLE_COURSE) == before
    (root / P / "he" / "01-why-it-matters.md").rename(root / P / "he" / "03-why-it-matters.md")
    assert course_source_hash(root, SAMPLE_COURSE) != before


def test_source_hash_does_not_parse(tmp_path):
    (tmp_path / "courses" / "x").mkdir(parents=True)
    (tmp_path / "courses" / "x" / "course.yml").write_bytes(b"\xff\xfe: [broken")
    assert len(course_source_hash(tmp_path, "x")) == 64


def test_round_trip_through_json(files, tree):
    course, _ = _load(tree, files)
    data = json.loads(json.dumps(course.to_dict()))
    again = Course.from_dict(data)
    assert again == course
    assert isinstance(again.modules["en"], tuple)
    assert isinstance(again.quiz("en").questions[0].answers, tuple)
    assert Course.from_dict(course.to_dict()) == course


def test_stats_rows(files, tree):
    course, _ = _load(tree, files)
    languages = stats(course)
    assert [r["lang"] for r in languages] == ["en", "he", "zh_Hans"]
    en = languages[0]
    modules = en["per_module"]
    assert [m["id"] for m in modules] == course.module_ids
    assert en["modules"] == 3 and en["fallback_modules"] == 0
    assert en["words"] == sum(m["words"] for m in modules) > 0
    assert en["module_seconds"] == sum(r["seconds"] for r in modules)
    assert en["total_seconds"] == en["module_seconds"] + en["quiz_seconds"]
    assert en["total_seconds"] == course.reading_seconds("en")
    assert languages[2]["unit"] == "chars" and languages[2]["chars"] > 0
    assert languages[1]["quiz_fallback"] is True


def test_catalog_reports_strays_and_keeps_good_courses(files, tree):
    files["courses/README.md"] = "stray"
    files["quizzes/orphan/en.md"] = "no course"
    files["courses/broken/course.yml"] = "id: broken\n"
    catalog, problems = load_catalog(tree(files))
    assert list(catalog) == [SAMPLE_COURSE]
    where = {p.path for p in problems}
    assert {"courses/README.md", "quizzes/orphan", "courses/broken/course.yml"} <= where
    assert all(p.severity == "error" for p in problems)


def test_catalog_of_empty_root(tmp_path):
    assert load_catalog(tmp_path) == ({}, [])


def test_the_documented_examples_are_valid(tree):
    """docs/content-format.md is the contract: its own examples must load cleanly."""
    docs = (Path(__file__).resolve().parents[2] / "docs" / "content-format.md").read_text()
    blocks = re.findall(r"```(yaml|markdown)\n(.*?)```", docs, re.DOTALL)
    yml = next(text for kind, text in blocks if kind == "yaml" and "source_language" in text)
    module = next(text for kind, text in blocks if kind == "markdown" and "!!! tip" in text)
    quiz = next(text for kind, text in blocks if kind == "markdown" and "draw:" in text)
    files = {
        "courses/social-media-policy/course.yml": yml,
        # The modules the example's questions assess.
        "courses/social-media-policy/en/01-who-you-are.md": module,
        "courses/social-media-policy/en/02-what-stays-inside.md": module,
        "quizzes/social-media-policy/en.md": quiz.replace("questions: 12", "questions: 3"),
    }
    course, problems = load_course(tree(files), "social-media-policy")
    assert problems == [] and course is not None
    assert course.meta.attempt_limit == 3 and course.meta.titles["he"]
    assert [q.kind for q in course.quiz("en").questions] == ["single", "multiple", "true-false"]
    assert course.quiz("en").question("launch-date").explanation_html
    assert 'id="stable-anchor"' in course.modules["en"][0].html
    assert (course.quiz("en").pool, course.quiz("en").per_module) == (3, 1)


SCENARIO_QUIZ = """\
---
title: T
pool: 1
---

## Which is safe? {#code .single}

```text
## not a heading
- [x] not an answer
```

Facts:

- fact one
- fact two

- [ ] First answer
  continued
  > Feedback one
  >
  > Feedback two
- [x] Second `answer`

> Explanation.
"""


def test_scenario_may_hold_code_and_lists(tree):
    files = {
        f"{P}/course.yml": SAMPLE_COURSE_YML,
        M1: SAMPLE_EN_MODULES["01-why-it-matters.md"],
        f"quizzes/{SAMPLE_COURSE}/en.md": SCENARIO_QUIZ,
    }
    course, problems = _load(tree, files)
    question = course.quiz("en").question("code")
    assert "<li>fact two</li>" in question.scenario_html
    assert "## not a heading" in question.scenario_html
    assert [a.html for a in question.answers] == [
        "First answer continued",
        "Second <code>answer</code>",
    ]
    assert question.answers[0].feedback_html == "<p>Feedback one</p>\n<p>Feedback two</p>"
    assert question.explanation_html == "<p>Explanation.</p>"


def test_answer_without_checkbox_next_to_answers_is_an_error(tree):
    quiz = SCENARIO_QUIZ.replace("- [ ] First answer", "- First answer")
    files = {
        f"{P}/course.yml": SAMPLE_COURSE_YML,
        M1: SAMPLE_EN_MODULES["01-why-it-matters.md"],
        f"quizzes/{SAMPLE_COURSE}/en.md": quiz,
    }
    course, problems = load_course(tree(files), SAMPLE_COURSE)
    assert course is None
    assert [(p.line, p.message.split(":")[0]) for p in problems] == [
        (quiz.split("\n").index("- First answer") + 1, "this answer is not a task item")
    ]


def test_public_guidelines_load_with_fallback_and_revision_checks(files, tree):
    source = "---\ntitle: Our guidelines\n---\n\nSay who you work for.\n"
    files[f"{P}/en/guidelines.md"] = source
    files[f"{P}/he/guidelines.md"] = (
        f"---\ntitle: ההנחיות\ntranslation_of: {revision_of(source.encode())}\n---\n\nטקסט\n"
    )
    course, problems = _load(tree, files)
    assert problems == []
    assert course.public_guidelines("he").title == "ההנחיות"
    assert course.public_guidelines("zh_Hans").lang == "en"  # falls back to the source
    assert "guidelines" not in course.module_ids  # not a module of the course
    assert Course.from_dict(json.loads(json.dumps(course.to_dict()))) == course

    files[f"{P}/en/guidelines.md"] = source.replace("Say", "Always say")
    _, problems = _load(tree, files)
    assert [p.path for p in problems] == [f"{P}/he/guidelines.md"]
    assert problems[0].severity == "warning" and "out of date" in problems[0].message


def test_translated_guidelines_need_a_source(files, tree):
    files[f"{P}/he/guidelines.md"] = "---\ntitle: x\n---\n\nטקסט\n"
    course, problems = load_course(tree(files), SAMPLE_COURSE)
    assert course is None
    assert any("without a en original" in p.message for p in problems)
