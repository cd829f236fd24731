"""Reading-time statistics per language and module, for ``flask lms content stats``."""

from __future__ import annotations

from lms.content.model import Course
from lms.content.reading import CHARACTERS
from lms.content.reading import LETTERS
from lms.content.reading import count_letters
from lms.content.reading import count_units
from lms.content.reading import quiz_seconds
from lms.content.reading import rate
from lms.content.render import html_text


def _unit(lang: str) -> str:
    unit = rate(lang).unit
    return "chars" if unit == CHARACTERS else "letters" if unit == LETTERS else "words"


def _amount(text: str, lang: str, chars: int, words: int) -> int:
    unit = _unit(lang)
    return chars if unit == "chars" else count_letters(text) if unit == "letters" else words


def _module_rows(course: Course, lang: str) -> list[dict]:
    rows = []
    for module_id in course.module_ids:
        module = course.module(lang, module_id)
        if module is None:
            continue
        text = html_text(module.html)
        chars, words = count_units(text)
        rows.append({
            "id": module_id, "title": module.title, "lang": module.lang,
            "fallback": module.lang != lang, "words": words, "chars": chars,
            "words_or_chars": _amount(text, lang, chars, words),
            "seconds": module.reading_seconds,
        })  # fmt: skip
    return rows


def stats(course: Course) -> list[dict]:
    """One row per language (with modules or a quiz), source language first.

    Keys: ``lang``; ``modules`` (count) and ``fallback_modules`` (shown in the source
    language instead); ``unit`` ("words"; "chars" for Chinese and Japanese; "letters" for a language
    read at the fallback rate, see lms.content.reading) with
    ``words``, ``chars`` and ``words_or_chars``; ``module_seconds``, ``quiz_seconds``,
    ``quiz_fallback`` and ``total_seconds``; ``per_module``, a row per module with ``id``,
    ``title``, ``lang`` (the language served), ``fallback``, the counts and ``seconds``.
    """
    rows: list[dict] = []
    for lang in course.languages + sorted(set(course.quizzes) - set(course.languages)):
        modules = _module_rows(course, lang)
        module_seconds = sum(row["seconds"] for row in modules)
        quiz = course.quiz(lang)
        rows.append({
            "lang": lang, "modules": len(modules),
            "fallback_modules": sum(row["fallback"] for row in modules),
            "unit": _unit(lang), "rate": rate(lang).per_minute, "source": rate(lang).source,
            "words": sum(row["words"] for row in modules),
            "chars": sum(row["chars"] for row in modules),
            "words_or_chars": sum(row["words_or_chars"] for row in modules),
            "module_seconds": module_seconds, "quiz_seconds": quiz_seconds(quiz),
            "quiz_fallback": quiz.lang != lang,
            "total_seconds": module_seconds + quiz_seconds(quiz),
            "per_module": modules,
        })  # fmt: skip
    return rows
