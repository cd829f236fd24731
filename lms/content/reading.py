"""Reading-time estimates, per language, from published reading rates.

Most rates are the mean reading rates measured with the International Reading Speed Texts
(IReST), equivalent passages in 17 languages read aloud by 25 native adult readers each,
which is what makes the estimates comparable across the languages of one course:
Trauzettel-Klosinski S., Dietz K., "Standardized Assessment of Reading Performance: The
New International Reading Speed Texts IReST", Investigative Ophthalmology & Visual
Science 2012;53(9):5452-5461. Languages that separate words with spaces are counted in
words per minute; Chinese and Japanese in characters per minute (Han, Hiragana and
Katakana; CJK punctuation is not counted).

A language with no measured rate is read per letter, at the rate IReST's own word rates
give on our course's parallel text: each IReST language the bundled course is written in
(en, de, es, fr, pt, he) read at its IReST rate, divided into the letters of its modules,
gives 848 (Hebrew, written without most vowels) to 1,086 letters a minute, mean 1,000
(``tests/content/test_content_reading.py`` recomputes it). Reading time per letter varies
across alphabetic languages far less than per word, which is what makes a per-letter
fallback fair to languages with long words (IReST's own finding). We count letters and
digits, and vowels written as marks (Devanagari, Bengali and Tamil vowel signs, Thai
vowels above and below the line), as an alphabet's vowel letters are counted; not
spaces, punctuation, tone marks or viramas. That suits scripts without spaces between
words (Thai).
``RATES[lang].source`` names where each rate comes from.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from math import ceil
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lms.content.model import Quiz

WORDS = "words"  # space-separated tokens (Korean: eojeol)
CHARACTERS = "characters"  # Han, Hiragana and Katakana
LETTERS = "letters"  # letters and digits (the fallback)


@dataclass(frozen=True)
class Rate:
    per_minute: int
    unit: str
    source: str


_IREST = "IReST (Trauzettel-Klosinski & Dietz 2012, IOVS 53(9):5452), read aloud"
_IREST_LETTERS = (
    "no measured rate found: IReST's word rates per letter of our course's parallel text "
    "(mean of en, de, es, fr, pt, he)"
)

#: Rates by base language code (``pt`` covers pt_BR and pt_PT, ``zh`` both scripts).
RATES: dict[str, Rate] = {
    **{
        lang: Rate(wpm, WORDS, _IREST)
        for lang, wpm in {
            "en": 228, "es": 218, "de": 179, "fr": 195, "pt": 181, "he": 187, "ar": 138,
            "it": 188, "nl": 202, "fi": 161, "pl": 166, "ru": 184, "sv": 199, "tr": 166,
            "sl": 180,
        }.items()
    },
    # Traditional characters at the same rate: our assumption.
    "zh": Rate(255, CHARACTERS, _IREST + "; Traditional characters at the same rate"),
    "ja": Rate(357, CHARACTERS, _IREST),
    # Rhiu S. et al., "Korean Version Self-testing Application for Reading Speed", Korean
    # J Ophthalmol 2017;31(3):209-214: 129.7 wpm reading aloud (words are eojeol, the
    # space-separated units), the same task as IReST's.
    "ko": Rate(130, WORDS, "Rhiu et al. 2017, Korean J Ophthalmol 31(3):209, read aloud"),
}  # fmt: skip
#: Every other language: IReST's per-character reading time (see the module docstring).
LETTERS_PER_MINUTE = 1000
FALLBACK = Rate(LETTERS_PER_MINUTE, LETTERS, _IREST_LETTERS)

# Kept for readers of the rates by unit.
WORDS_PER_MINUTE = {k: r.per_minute for k, r in RATES.items() if r.unit == WORDS}
CHARACTERS_PER_MINUTE = {k: r.per_minute for k, r in RATES.items() if r.unit == CHARACTERS}
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
_LETTER = re.compile(r"[^\W_]")  # letters and digits; combining marks are not \w


def _vowel_signs() -> re.Pattern[str]:
    """Vowels written as marks on a consonant, from Devanagari to Khmer (Unicode names
    "… VOWEL SIGN …"; Thai's "SARA …" and "MAI HAN-AKAT"): read as an alphabet's vowel
    letters are, so counted as letters. Tone marks, viramas and nuktas are not."""
    found = [
        chr(point)
        for point in range(0x0900, 0x1800)
        if unicodedata.category(chr(point)) in ("Mn", "Mc")
        and any(key in unicodedata.name(chr(point), "") for key in VOWEL_MARK_NAMES)
    ]
    return re.compile("[" + "".join(found) + "]")


VOWEL_MARK_NAMES = ("VOWEL SIGN", "THAI CHARACTER SARA", "MAI HAN-AKAT")
_VOWEL_SIGN = _vowel_signs()


def _base(lang: str) -> str:
    return lang.replace("-", "_").split("_")[0].lower()


def rate(lang: str) -> Rate:
    """The reading rate for ``lang`` (its base language's, else the fallback)."""
    return RATES.get(_base(lang), FALLBACK)


def count_units(text: str) -> tuple[int, int]:
    """(CJK characters, words) in plain ``text``; the words are everything else."""
    chars = len(_CJK.findall(text))
    words = sum(1 for token in _rest(text).split() if _WORD.search(token))
    return chars, words


def count_letters(text: str) -> int:
    """Letters, digits and vowel signs in plain ``text`` outside CJK characters."""
    rest = _rest(text)
    return len(_LETTER.findall(rest)) + len(_VOWEL_SIGN.findall(rest))


def _rest(text: str) -> str:
    return _CJK_PUNCTUATION.sub(" ", _CJK.sub(" ", text))


def reading_seconds(text: str, lang: str) -> int:
    """Seconds to read plain ``text`` in ``lang``, rounded up."""
    chars, words = count_units(text)
    found = rate(lang)
    if found.unit == CHARACTERS:
        rest = Fraction(words * 60, EMBEDDED_WORDS_PER_MINUTE)
        cjk = Fraction(chars * 60, found.per_minute)
    else:
        amount = words if found.unit == WORDS else count_letters(text)
        rest = Fraction(amount * 60, found.per_minute)
        cjk = Fraction(chars * 60, DEFAULT_CHARACTERS_PER_MINUTE)
    # Fractions keep 228 words at 228 wpm at exactly 60 s before rounding up.
    return ceil(cjk + rest)


def quiz_seconds(quiz: Quiz) -> int:
    """``pool`` × (mean reading seconds of the questions + thinking time), rounded up."""
    if not quiz.questions:
        return 0
    n = len(quiz.questions)
    total = sum(q.reading_seconds for q in quiz.questions)
    return ceil(Fraction(quiz.pool * (total + QUIZ_THINKING_SECONDS_PER_QUESTION * n), n))
