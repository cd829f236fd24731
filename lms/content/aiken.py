"""Aiken question banks: single-answer multiple-choice questions, as Moodle imports them
(``question/format/aiken/format.php``) and most question-bank tools export them::

    What do you do before you post about the company?
    A. Post at once
    B) Say that you work here
    ANSWER: B

The question text (one line in Moodle; several lines are joined here), then one option a
line: an upper-case letter, ``.`` or ``)``, a space or tab, the text; then ``ANSWER:`` and
the right letter. Lines are trimmed and lines shorter than two characters are blank, as in
Moodle. A question ends at its ANSWER line; a blank line ends it too, so a question that
lost its ANSWER line swallows no other. Where Moodle goes by the options' positions, the
letters written here are what counts: a duplicate letter or an ANSWER letter no option
carries is reported instead of guessed at.

Questions are read into :class:`~lms.content.gift.GiftQuestion` values, so the GIFT
converter writes our quiz Markdown and reports what could not be read, with its line.
Pure Python: nothing here imports Flask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field

from lms.content.files import SURROGATES
from lms.content.files import surrogate_message
from lms.content.files import without_surrogates
from lms.content.gift import ConversionResult
from lms.content.gift import GiftAnswer
from lms.content.gift import GiftQuestion
from lms.content.gift import GiftText
from lms.content.gift import gift_to_quiz

_OPTION = re.compile(r"^([A-Z])[.)][ \t]")
_ANSWER = re.compile(r"^ANSWER:")
_EMPTY_OPTION = re.compile(r"^([A-Z])[.)]$")
_LOWER_OPTION = re.compile(r"^[a-z][.)][ \t]")
FORMAT_HINT = "a question is its text, options such as 'A. text', then 'ANSWER: A'"


class _Invalid(Exception):
    """The question cannot be read; ``line`` is where, the message says why."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line


@dataclass
class _Draft:
    """A question being read: its text lines, then its options."""

    line: int
    text: list[str] = field(default_factory=list)
    options: list[tuple[str, str, int]] = field(default_factory=list)  # letter, text, line
    error: _Invalid | None = None  # the first problem; the rest of the question is skipped

    def fail(self, line: int, reason: str) -> None:
        self.error = self.error or _Invalid(line, reason)

    def add_option(self, letter: str, text: str, line: int) -> None:
        first = next((n for other, _, n in self.options if other == letter), None)
        if first is not None:
            self.fail(line, f"option {letter} appears twice (first on line {first})")
        self.options.append((letter, text, line))

    def finish(self, answer: str, line: int) -> GiftQuestion:
        letters = [letter for letter, _, _ in self.options]
        if not self.text:
            self.fail(self.line, "ANSWER: line without a question before it")
        if len(self.options) < 2:
            lower = any(_LOWER_OPTION.match(text) for text in self.text)
            hint = "options start with an upper-case letter" if lower else FORMAT_HINT
            self.fail(line, f"a question needs at least two options ({hint})")
        if not re.fullmatch(r"[A-Z]", answer):
            wanted = "one upper-case letter" + (f": {', '.join(letters)}" if letters else "")
            self.fail(line, f"'ANSWER: {answer}' must give {wanted}")
        elif answer not in letters:
            self.fail(
                line,
                f"ANSWER: {answer}, but no option is {answer} "
                f"(the options are {', '.join(letters) or 'missing'})",
            )
        return self.question(answer)

    def question(self, answer: str | None) -> GiftQuestion:
        stem = GiftText("\n".join(self.text), "plain")
        if self.error is not None:
            return GiftQuestion("invalid", self.error.line, stem=stem, error=str(self.error))
        answers = [
            GiftAnswer(GiftText(text, "plain"), correct=letter == answer)
            for letter, text, _ in self.options
        ]
        return GiftQuestion("multichoice", self.line, stem=stem, answers=answers)


def parse_aiken(text: str) -> list[GiftQuestion]:
    """Every question of an Aiken file, in order, as multiple-choice GIFT questions; those
    that cannot be read are ``invalid`` items with the line and the reason."""
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    questions: list[GiftQuestion] = []
    draft: _Draft | None = None
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if len(line) < 2:
            if draft is not None:  # a blank line ends a question that has no ANSWER line
                draft.fail(number - 1, f"no 'ANSWER:' line after the options ({FORMAT_HINT})")
                questions.append(draft.question(None))
                draft = None
            continue
        if surrogate := SURROGATES.search(line):
            draft = draft or _Draft(number)
            draft.fail(number, surrogate_message(surrogate[0]))
            line = without_surrogates(line)
        if _ANSWER.match(line):
            draft = draft or _Draft(number)
            questions.append(draft.finish(line[len("ANSWER:") :].strip(), number))
            draft = None
        elif empty := _EMPTY_OPTION.match(line):
            draft = draft or _Draft(number)
            draft.fail(number, f"option {empty[1]} has no text")
        elif option := _OPTION.match(line):
            draft = draft or _Draft(number)
            if not draft.text:
                draft.fail(number, "an option before the question text")
            draft.add_option(option[1], line[option.end() :].strip(), number)
        elif draft is not None and draft.options:
            draft.fail(
                number,
                f"expected option {_next_letter(draft)} or 'ANSWER:' here, "
                f"not more text ({FORMAT_HINT})",
            )
        else:
            draft = draft or _Draft(number)
            draft.text.append(line)
    if draft is not None:
        draft.fail(len(lines), f"no 'ANSWER:' line after the options ({FORMAT_HINT})")
        questions.append(draft.question(None))
    return questions


def _next_letter(draft: _Draft) -> str:
    last = draft.options[-1][0]
    return chr(ord(last) + 1) if last < "Z" else "ANSWER"


def aiken_to_quiz(text: str, title: str, pool: int | None = None) -> ConversionResult:
    """Our quiz Markdown for an Aiken file, every question left out reported with its line.

    Raises ValueError when ``pool`` does not fit the converted questions, or the title is
    empty.
    """
    return gift_to_quiz(parse_aiken(text), title, pool, source="Aiken")
