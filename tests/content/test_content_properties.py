"""Properties of the parser and validator (Hypothesis, derandomized: the same examples on
every run): whatever text goes into a course, building it never raises, every problem can
be shown, and a course that passes the check can be stored and shown in full.

The strings are the Big List of Naughty Strings, random text including UTF-16 surrogates
and control characters, and mixes of both; they go into titles (spelt three ways in YAML:
JSON-style escapes, as PyYAML writes them, and unquoted), module bodies and quiz options.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from hypothesis import HealthCheck
from hypothesis import event
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from lms.content import Course
from lms.content import Problem
from lms.content.loader import build_course
from tests.helpers import SAMPLE_COURSE
from tests.helpers import sample_files

BLNS = json.loads(
    (Path(__file__).parents[1] / "data" / "strings" / "blns.json").read_text(encoding="utf-8")
)
EN_MODULE = f"courses/{SAMPLE_COURSE}/en/01-why-it-matters.md"
HE_MODULE = f"courses/{SAMPLE_COURSE}/he/01-why-it-matters.md"
EN_QUIZ = f"quizzes/{SAMPLE_COURSE}/en.md"
YML = f"courses/{SAMPLE_COURSE}/course.yml"

PROPERTY = settings(
    max_examples=60,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
ANY_CHARACTER = st.characters(exclude_categories=())  # surrogates (Cs) included
naughty = st.one_of(
    st.sampled_from(BLNS),
    st.text(ANY_CHARACTER, max_size=30),
    st.builds(
        lambda a, b, c: a + b + c,
        st.sampled_from(BLNS),
        st.text(ANY_CHARACTER, max_size=4),
        st.sampled_from(BLNS),
    ),
)
spelling = st.sampled_from(["json", "pyyaml", "plain"])


def yaml_value(text: str, how: str) -> str:
    """``text`` as the value of a YAML key: JSON escapes (a surrogate pair for an emoji, as
    naive generators write it), PyYAML's own quoting, or as it is."""
    if how == "json":
        return json.dumps(text)
    if how == "pyyaml":
        return yaml.safe_dump(text, default_style='"', width=10_000).removesuffix("\n...\n").strip()
    return text


def files_with(title: str, body: str, option: str, how: str) -> dict[str, bytes]:
    # One module in each language and one quiz are enough, and much faster than all.
    files = {
        path: text
        for path, text in sample_files().items()
        if not path.endswith(("02-what-to-share.md", "10-checklist.md", "zh_Hans.md"))
    }
    files[EN_MODULE] = f"---\ntitle: {yaml_value(title, how)}\n---\n\n{body}\n\n- {body}\n"
    files[HE_MODULE] = files[HE_MODULE].replace("כל עובד הוא קול.", body or "x")
    files[EN_QUIZ] = files[EN_QUIZ].replace("- [ ] Ignore the question.", f"- [ ] {option}")
    files[YML] = files[YML].replace(
        "  he: מדיניות הרשתות החברתיות", f"  he: {yaml_value(title, how)}"
    )
    # A file cannot hold a surrogate: its bytes are then not UTF-8, which the check reports.
    return {path: text.encode("utf-8", "surrogatepass") for path, text in files.items()}


def shown(course: Course) -> str:
    """Everything a page may show of the course, as the JSON stored with a version."""
    return json.dumps(course.to_dict(), ensure_ascii=False)


@PROPERTY
@given(title=naughty, body=naughty, option=naughty, how=spelling)
def test_any_text_builds_and_a_valid_course_can_be_stored_and_shown(title, body, option, how):
    course, problems = build_course(SAMPLE_COURSE, files_with(title, body, option, how))
    assert all(isinstance(p, Problem) for p in problems)
    for problem in problems:
        str(problem).encode("utf-8")  # every message can be shown, its file and line too
        assert problem.severity == "warning" or problem.line or problem.line is None
    event("valid" if course else "refused")
    if course is None:
        assert any(p.severity == "error" for p in problems)
        return
    stored = shown(course)
    stored.encode("utf-8")  # UTF-8 pages, and the version's JSON payload
    again = Course.from_dict(json.loads(stored))
    assert shown(again) == stored
    for lang in ("en", "he", "zh_Hans"):
        for module in course.modules[lang]:
            (module.title + module.html).encode("utf-8")


@PROPERTY
@given(text=naughty)
def test_a_surrogate_is_always_an_error_with_a_line_and_never_reaches_a_page(text):
    surrogates = [c for c in text if 0xD800 <= ord(c) <= 0xDFFF]
    course, problems = build_course(SAMPLE_COURSE, files_with(text, "Body.", "Option.", "json"))
    if surrogates:
        assert course is None
        located = [p for p in problems if p.path in (EN_MODULE, YML) and "surrogate" in p.message]
        assert located and all(p.line for p in located), [str(p) for p in problems]
    for problem in problems:
        str(problem).encode("utf-8")
