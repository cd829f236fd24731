"""Which translations a published version serves: those of the text of its major version.
A translation that lacks a change of a major version is served in the source language."""

from __future__ import annotations

import dataclasses
import json

import pytest

from lms.content import Course
from lms.content import load_course
from lms.content import revision_of
from lms.content.translation_status import accepted_after
from lms.content.translation_status import behind
from tests.helpers import SAMPLE_COURSE

P = f"courses/{SAMPLE_COURSE}"
M1 = f"{P}/en/01-why-it-matters.md"
HE1 = f"{P}/he/01-why-it-matters.md"
EN_QUIZ = f"quizzes/{SAMPLE_COURSE}/en.md"
ZH_QUIZ = f"quizzes/{SAMPLE_COURSE}/zh_Hans.md"
KEY = "module:why-it-matters"


@pytest.fixture
def load(tree):
    def load(files) -> Course:
        course, problems = load_course(tree(files), SAMPLE_COURSE)
        assert course is not None, problems
        return course

    return load


def published(course: Course, previous: Course | None, kind: str) -> Course:
    return dataclasses.replace(course, accepted=accepted_after(course, previous, kind))


def changed(files, path: str = M1) -> dict:
    return {**files, path: files[path].replace("a voice", "the voice")}


def test_a_current_translation_is_served(files, load):
    course = published(load(files), None, "first")
    assert course.module("he", "why-it-matters").lang == "he"
    assert behind(course) == []


def test_after_a_minor_version_the_translation_of_its_major_is_still_served(files, load):
    first = published(load(files), None, "first")
    minor = published(load(changed(files)), first, "minor")
    old, new = revision_of(files[M1].encode()), revision_of(changed(files)[M1].encode())
    assert minor.accepted[KEY] == (old, new)
    assert minor.module("he", "why-it-matters").lang == "he"


def test_after_a_major_version_a_translation_lacking_the_change_is_not_served(files, load):
    first = published(load(files), None, "first")
    major = published(load(changed(files)), first, "major")
    assert major.module("he", "why-it-matters").lang == "en"
    assert major.module("zh_Hans", "why-it-matters").lang == "en"
    # A module the major version did not change keeps its translation.
    assert major.module("he", "what-to-share").lang == "he"
    assert [(b.lang, b.item, b.path) for b in behind(major)] == [
        ("he", "why-it-matters", HE1),
        ("zh_Hans", "why-it-matters", f"{P}/zh_Hans/01-why-it-matters.md"),
    ]


def test_a_minor_version_after_the_major_keeps_it_out_until_it_is_updated(files, load):
    first = published(load(files), None, "first")
    major = published(load(changed(files)), first, "major")
    still = published(load(changed(files)), major, "minor")
    assert still.module("he", "why-it-matters").lang == "en"
    caught_up = changed(files)
    caught_up[HE1] = caught_up[HE1].replace(
        revision_of(files[M1].encode()), revision_of(caught_up[M1].encode())
    )
    assert published(load(caught_up), major, "minor").module("he", "why-it-matters").lang == "he"


def test_a_major_version_with_an_earlier_wording_fix_keeps_unchanged_modules(files, load):
    """The module changed in a minor version (a wording fix the translation never took);
    a later major version that leaves it alone does not take its translation away."""
    first = published(load(files), None, "first")
    minor = published(load(changed(files)), first, "minor")
    other = changed(files)
    other[f"{P}/en/10-checklist.md"] = other[f"{P}/en/10-checklist.md"].replace("two", "three")
    major = published(load(other), minor, "major")
    assert major.module("he", "why-it-matters").lang == "he"
    assert major.module("he", "checklist").lang == "en"


def test_a_stale_quiz_translation_falls_back_to_the_source_questions(files, load):
    first = published(load(files), None, "first")
    quiz_changed = {**files, EN_QUIZ: files[EN_QUIZ].replace("Give the date.", "Share it.")}
    major = published(load(quiz_changed), first, "major")
    assert major.quiz("zh_Hans").lang == "en"
    assert [(b.lang, b.item) for b in behind(major)] == [("zh_Hans", "quiz")]


def test_a_translation_recording_no_source_is_served_as_it_is(files, load):
    files[HE1] = "---\ntitle: כותרת\n---\n\nטקסט.\n"
    course = published(load(files), None, "first")
    assert course.module("he", "why-it-matters").lang == "he"


def test_a_course_built_from_files_accepts_only_the_current_source(files, load):
    assert load(changed(files)).module("he", "why-it-matters").lang == "en"  # no history: strict


def test_what_a_version_accepts_survives_storage_and_old_versions_still_load(files, load):
    course = published(load(files), None, "first")
    stored = json.loads(json.dumps(course.to_dict()))
    assert Course.from_dict(stored) == course
    del stored["accepted"]  # a version published before this was stored
    assert Course.from_dict(stored).accepted == {}
