"""Reading-time rules (IReST speeds) and the quiz time."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from lms.config import PROJECT_ROOT
from lms.content import load_course
from lms.content import quiz_seconds
from lms.content import reading_seconds
from lms.content.reading import LETTERS_PER_MINUTE
from lms.content.reading import QUIZ_THINKING_SECONDS_PER_QUESTION
from lms.content.reading import RATES
from lms.content.reading import WORDS_PER_MINUTE
from lms.content.reading import count_letters
from lms.content.reading import count_units
from lms.content.reading import rate
from lms.content.render import html_text


def test_english_228_words_take_a_minute():
    assert reading_seconds(" ".join(["word"] * 228), "en") == 60
    assert reading_seconds(" ".join(["word"] * 229), "en") == 61  # rounded up


def test_chinese_255_characters_take_a_minute():
    assert reading_seconds("中" * 255, "zh_Hans") == 60
    assert reading_seconds("中" * 255, "zh_Hant") == 60


def test_japanese_357_characters_take_a_minute():
    assert reading_seconds("あア漢" * 119, "ja") == 60


@pytest.mark.parametrize(("lang", "wpm"), sorted(WORDS_PER_MINUTE.items()))
def test_each_language_speed(lang, wpm):
    assert reading_seconds(" ".join(["w"] * wpm), lang) == 60


def test_regional_and_unknown_languages():
    assert reading_seconds(" ".join(["w"] * 181), "pt_BR") == 60
    assert reading_seconds(" ".join(["w"] * 181), "pt_PT") == 60
    assert reading_seconds("w" * LETTERS_PER_MINUTE, "xx") == 60


def test_korean_is_read_in_eojeol_at_its_measured_rate():
    assert reading_seconds(" ".join(["회사를"] * 130), "ko") == 60


@pytest.mark.parametrize("lang", ["th", "hi", "vi", "cs", "el", "uk", "bn", "ta"])
def test_languages_without_a_measured_rate_are_read_by_the_letter(lang):
    assert rate(lang).unit == "letters"
    assert "no measured rate" in rate(lang).source
    assert reading_seconds("ก" * LETTERS_PER_MINUTE, lang) == 60


def test_letters_and_vowel_signs_count_spaces_punctuation_and_other_marks_do_not():
    # ท and น, each with the vowel sign ◌ี (counted) and the tone mark ◌่ (not).
    assert count_letters("ที่นี่") == 4
    # न म स त and the vowel sign ◌े (counted); the virama of "st" is not.
    assert count_letters("नमस्ते") == 5
    # ব ল and the vowel sign ◌া twice; the anusvara ◌ং is a nasal mark, not a vowel.
    assert count_letters("বাংলা") == 4
    assert count_letters("Hello, world! 42") == 12
    assert count_letters("中文 abc") == 3  # CJK characters are read at their own rate


def test_every_rate_names_its_source():
    assert all(r.source for r in RATES.values())


def test_cjk_punctuation_is_not_counted():
    assert count_units("你好，世界。「引用」") == (6, 0)


def test_mixed_chinese_with_latin_words():
    # 255 characters at 255 cpm plus 228 English words at the English rate: two minutes.
    text = "中" * 255 + " " + " ".join(["iPhone"] * 228)
    assert count_units(text) == (255, 228)
    assert reading_seconds(text, "zh_Hans") == 120


def test_cjk_inside_a_space_separated_language():
    # 187 Hebrew words at 187 wpm plus 255 Han characters at the Chinese rate.
    text = " ".join(["מילה"] * 187) + " " + "漢" * 255
    assert reading_seconds(text, "he") == 120


def test_empty_and_symbols():
    assert reading_seconds("", "en") == 0
    assert reading_seconds(" — … ! ", "en") == 0


@dataclass
class _Question:
    reading_seconds: int


@dataclass
class _Quiz:
    pool: int
    questions: tuple


def test_quiz_time_is_pool_times_mean_question_plus_thinking():
    quiz = _Quiz(pool=2, questions=(_Question(10), _Question(20), _Question(30)))
    assert quiz_seconds(quiz) == 2 * (20 + QUIZ_THINKING_SECONDS_PER_QUESTION)


def test_quiz_time_rounds_up():
    quiz = _Quiz(pool=1, questions=(_Question(1), _Question(2)))  # mean 1.5
    assert quiz_seconds(quiz) == 2 + QUIZ_THINKING_SECONDS_PER_QUESTION
    assert quiz_seconds(_Quiz(pool=1, questions=())) == 0


def test_the_letter_fallback_is_irest_word_rates_per_letter_of_the_bundled_course():
    """The documented derivation of the fallback, recomputed: each IReST language the
    bundled course is written in, at its IReST word rate, per letter of its modules."""
    course, problems = load_course(PROJECT_ROOT, "social-media-policy")
    assert course is not None, problems
    rates = []
    for lang in ("en", "de", "es", "fr", "pt_BR", "he"):
        text = " ".join(html_text(m.html) for m in course.modules[lang])
        words = count_units(text)[1]
        rates.append(rate(lang).per_minute * count_letters(text) / words)
    # Within 3%: edits to the course move the mean a little; a stale constant fails.
    assert sum(rates) / len(rates) == pytest.approx(LETTERS_PER_MINUTE, rel=0.03)
