"""Reading-time estimates.

Speeds are the mean reading rates measured with the International Reading Speed Texts,
equivalent passages in 17 languages, which is what makes the estimates comparable across
the languages of one course: Trauzettel-Klosinski S., Dietz K., "Standardized Assessment
of Reading Performance: The New International Reading Speed Texts IReST", Investigative
Ophthalmology & Visual Science 2012;53(9):5452-5461. Languages that separate words with
spaces are counted in words per minute; Chinese and Japanese in characters per minute
(Han, Hiragana and Katakana; CJK punctuation is not counted).
"""

from __future__ import annotations

import re
from fractions import Fraction
from math import ceil
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lms.content.model import Quiz

# IReST words per minute, by language (base language code; pt covers pt_BR).
WORDS_PER_MINUTE: dict[str, int] = {
    "en": 228, "es": 218, "de": 179, "fr": 195, "pt": 181, "he": 187, "ar": 138,
    "it": 188, "nl": 202, "fi": 161, "pl": 166, "ru": 184, "sv": 199, "tr": 166, "sl": 180,
}  # fmt: skip
# Our assumption, not from IReST: a round rate for space-separated languages it did not test.
DEFAULT_WORDS_PER_MINUTE = 200
# IReST characters per minute.
CHARACTERS_PER_MINUTE: dict[str, int] = {"zh": 255, "ja": 357}
# CJK characters inside a non-CJK language: read at the Chinese rate (our assumption).
DEFAULT_CHARACTERS_PER_MINUTE = CHARACTERS_PER_MINUTE["zh"]
# Latin words inside Chinese or Japanese text: read at the English rate (our assumption).
EMBEDDED_WORDS_PER_MINUTE = WORDS_PER_MINUTE["en"]
# Our own assumption, not from a study: time to think about one question before answering.
QUIZ_THINKING_SECONDS_PER_QUESTION = 15

_CJK = re.compile(
    "[\u3040-\u309f"  # Hiragana
    "\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f"  # Katakana, its extensions, half-width forms
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]"  # Han
)
_CJK_PUNCTUATION = re.compile("[\u3000-\u303f\uff01-\uff65\u30fb]")
_WORD = re.compile(r"\w")


def _base(lang: str) -> str:
    return lang.replace("-", "_").split("_")[0].lower()


def count_units(text: str) -> tuple[int, int]:
    """(CJK characters, words) in plain ``text``; the words are everything else."""
    chars = len(_CJK.findall(text))
    rest = _CJK_PUNCTUATION.sub(" ", _CJK.sub(" ", text))
    words = sum(1 for token in rest.split() if _WORD.search(token))
    return chars, words


def speeds(lang: str) -> tuple[int, int]:
    """(characters per minute, words per minute) for ``lang``."""
    base = _base(lang)
    if base in CHARACTERS_PER_MINUTE:
        return CHARACTERS_PER_MINUTE[base], EMBEDDED_WORDS_PER_MINUTE
    return DEFAULT_CHARACTERS_PER_MINUTE, WORDS_PER_MINUTE.get(base, DEFAULT_WORDS_PER_MINUTE)


def reading_seconds(text: str, lang: str) -> int:
    """Seconds to read plain ``text`` in ``lang``, rounded up."""
    chars, words = count_units(text)
    cpm, wpm = speeds(lang)
    # Fractions keep 228 words at 228 wpm at exactly 60 s before rounding up.
    return ceil(Fraction(chars * 60, cpm) + Fraction(words * 60, wpm))


def quiz_seconds(quiz: Quiz) -> int:
    """``pool`` × (mean reading seconds of the questions + thinking time), rounded up."""
    if not quiz.questions:
        return 0
    n = len(quiz.questions)
    total = sum(q.reading_seconds for q in quiz.questions)
    return ceil(Fraction(quiz.pool * (total + QUIZ_THINKING_SECONDS_PER_QUESTION * n), n))
