"""course.yml's ``attestation`` block: parsed, validated with file and line, filled in."""

from __future__ import annotations

import pytest

from lms.content import Course
from lms.content import load_course
from tests.helpers import SAMPLE_COURSE
from tests.helpers import line_of

YML = f"courses/{SAMPLE_COURSE}/course.yml"
GOOD = """\
attestation:
  required: true
  statement:
    en: "I have read the {title}, version {version}, and I will follow it."
    he: "קראתי את {title}, גרסה {version}."
"""


def with_block(files, block: str) -> dict:
    files[YML] = files[YML] + block
    return files


def test_statement_in_the_language_else_the_source_language(files, tree):
    course, problems = load_course(tree(with_block(files, GOOD)), SAMPLE_COURSE)
    assert problems == [] and course.meta.attestation_required
    assert course.meta.attestation_statement("he", "2.0") == (
        "he",
        "קראתי את מדיניות הרשתות החברתיות, גרסה 2.0.",
    )
    assert course.meta.attestation_statement("zh_Hans", "2.0") == (
        "en",
        "I have read the Social media policy, version 2.0, and I will follow it.",
    )
    # Stored with the published version and read back the same.
    again = Course.from_dict(course.to_dict())
    assert again.meta.attestation_statement("he", "2.0") == course.meta.attestation_statement(
        "he", "2.0"
    )


def test_no_block_asks_for_nothing_and_old_stored_versions_still_load(files, tree):
    course, _ = load_course(tree(files), SAMPLE_COURSE)
    assert course.meta.attestation_required is False
    stored = course.to_dict()
    for key in ("attestation_required", "attestation_statements"):
        del stored["meta"][key]  # a version published before the attestation existed
    assert Course.from_dict(stored).meta.attestation_required is False


def test_a_block_without_required_asks_for_the_attestation(files, tree):
    block = GOOD.replace("  required: true\n", "")
    course, problems = load_course(tree(with_block(files, block)), SAMPLE_COURSE)
    assert problems == [] and course.meta.attestation_required


@pytest.mark.parametrize(
    ("old", "new", "at", "message"),
    [
        ("    en: ", "    de: ", "  statement:", "no statement for the source language en"),
        ("{version}, and", "{versoin}, and", "    en:", "unknown placeholder {versoin}"),
        ("{title}, version", "{title!r}, version", "    en:", "unknown placeholder {title!r}"),
        ("{title}, version", "{}, version", "    en:", "unknown placeholder {}"),
        ("I have read", "I have { read", "    en:", "a single { or } must be doubled"),
        ("required: true", "required: yes please", "  required:", "must be true or false"),
        ("required: true", "requird: true", "  requird:", "unknown key 'requird'"),
        ('    he: "', '    hebrew: "', "    hebrew:", "'hebrew' is not a language code"),
        ('"קראתי את {title}, גרסה {version}."', "''", "    he:", "for he must be text"),
    ],
)
def test_each_mistake_is_reported_on_its_line(files, tree, old, new, at, message):
    block = GOOD.replace(old, new)
    assert block != GOOD, old
    files = with_block(files, block)
    course, problems = load_course(tree(files), SAMPLE_COURSE)
    assert course is None
    [problem] = [p for p in problems if message in p.message]
    assert (problem.path, problem.line) == (YML, line_of(files[YML], at))


def test_attestation_must_be_a_block(files, tree):
    files = with_block(files, "attestation: true\n")
    course, problems = load_course(tree(files), SAMPLE_COURSE)
    assert course is None
    assert [(p.line, p.message) for p in problems] == [
        (
            line_of(files[YML], "attestation:"),
            "attestation must hold required: and statement: lines",
        )
    ]


def test_the_bundled_course_asks_for_it_in_every_language():
    from lms.config import LANGUAGES
    from lms.config import PROJECT_ROOT

    course, problems = load_course(PROJECT_ROOT, "social-media-policy")
    assert problems == [] and course.meta.attestation_required
    for lang in LANGUAGES:
        used, text = course.meta.attestation_statement(lang, "1.0")
        assert used == lang and course.meta.title(lang) in text and "1.0" in text
