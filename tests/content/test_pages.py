"""The learner's pages as values: reading order, previous/next, position, language fallback."""

from __future__ import annotations

import pytest

from lms.content import load_course
from lms.content import pages
from tests.helpers import SAMPLE_COURSE

IDS = ["why-it-matters", "what-to-share", "checklist"]


@pytest.fixture
def course(tree, files):
    """en (source) and he modules, zh_Hans modules and quiz; he has no quiz; the Hebrew
    checklist is not translated yet."""
    del files[f"courses/{SAMPLE_COURSE}/he/10-checklist.md"]
    loaded, problems = load_course(tree(files), SAMPLE_COURSE)
    assert loaded is not None, problems
    return loaded


def test_the_first_module_has_no_previous_and_starts_the_course(course):
    page = pages.module_page(course, "en", "why-it-matters")
    assert (page.position, page.total, page.percent_before) == (1, 3, 0)
    assert (page.previous_id, page.next_id) == (None, "what-to-share")
    assert page.module.title == "Why it matters" and page.translated


def test_a_middle_module_links_both_ways(course):
    page = pages.module_page(course, "en", "what-to-share")
    assert (page.previous_id, page.next_id) == ("why-it-matters", "checklist")
    assert (page.position, page.percent_before) == (2, 33)


def test_the_last_module_has_no_next(course):
    page = pages.module_page(course, "en", "checklist")
    assert (page.previous_id, page.next_id) == ("what-to-share", None)
    assert (page.position, page.percent_before) == (3, 67)


def test_an_unknown_module_has_no_page(course):
    assert pages.module_page(course, "en", "no-such-module") is None
    assert pages.module_page(course, "en", "") is None


def test_a_translated_module_keeps_the_source_reading_order(course):
    page = pages.module_page(course, "he", "what-to-share")
    assert page.module.lang == "he" and page.translated
    assert page.course_title == "מדיניות הרשתות החברתיות"
    assert (page.previous_id, page.next_id, page.position) == ("why-it-matters", "checklist", 2)


def test_an_untranslated_module_falls_back_to_the_source_language(course):
    page = pages.module_page(course, "he", "checklist")
    assert page.module.lang == "en" and not page.translated
    assert page.module.title == "Checklist"
    assert page.course_title == "מדיניות הרשתות החברתיות"  # the course title is translated


def test_a_language_without_any_content_reads_the_source(course):
    page = pages.module_page(course, "es", "why-it-matters")
    assert page.module.lang == "en" and not page.translated
    assert page.course_title == "Social media policy"


def test_the_course_page_lists_modules_in_order_each_in_the_best_language(course):
    page = pages.course_page(course, "he", "draft after 1.0")
    assert [m.id for m in page.modules] == IDS
    assert [m.lang for m in page.modules] == ["he", "he", "en"]
    assert page.version == "draft after 1.0"
    assert page.title == "מדיניות הרשתות החברתיות"
    assert page.reading_seconds == course.reading_seconds("he") > 0


def test_the_course_page_description_falls_back(course):
    assert pages.course_page(course, "he", "1.0").description.startswith("What you may say")
    assert pages.course_page(course, "zh_Hans", "1.0").title == "社交媒体政策"


def test_the_quiz_page_uses_the_translated_quiz_or_the_source_one(course):
    chinese = pages.quiz_page(course, "zh_Hans")
    assert chinese.quiz.title == "测验" and chinese.translated
    hebrew = pages.quiz_page(course, "he")
    assert hebrew.quiz.lang == "en" and not hebrew.translated
    assert hebrew.course_title == "מדיניות הרשתות החברתיות"
