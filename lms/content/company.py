"""Company settings in course text: the ``{{company.KEY}}`` markers.

A course is written once and used by a company: its name, its disclosure tag, whom to
ask. Authors write a marker (``{{company.hr_contact}}``) where such a value goes; an
administrator sets the values (stored in the database, the same for every language);
learners read the text with the values filled in. Here: the registry of keys, the
validator (an unknown key is an error with file and line) and the filling of rendered,
sanitised HTML, which escapes every value and links e-mail addresses and web addresses.

Pure: the labels and help texts are English msgids marked with :func:`N_`; the pages
that show them translate them.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from html import unescape

from lms.content.model import Answer
from lms.content.model import Course
from lms.content.model import Module
from lms.content.model import Problem
from lms.content.model import Quiz
from lms.content.render import HANDLE
from lms.content.render import safe_link


def N_(text: str) -> str:  # noqa: N802 - the gettext convention pybabel extracts
    """Marks ``text`` for the UI catalogs; it is translated where it is shown."""
    return text


@dataclass(frozen=True)
class Setting:
    """One company setting: its key in markers, what it is called, what to enter."""

    key: str
    label: str  # an English msgid
    help: str  # an English msgid
    default: str | None = None

    @property
    def marker(self) -> str:
        """How course text names it: ``{{company.KEY}}``."""
        return f"{{{{company.{self.key}}}}}"


#: Every key a marker may name. Keys are never renamed: course files name them.
SETTINGS: tuple[Setting, ...] = (
    Setting("company_name", N_("Company name"), N_("As employees write it in posts, e.g. Acme.")),
    Setting(
        "disclosure_tag",
        N_("Disclosure tag"),
        N_("The hashtag employees add to posts about the company, e.g. #IAmAcme."),
        "#employee",
    ),
    Setting(
        "social_media_team_contact",
        N_("Social media team"),
        N_("How to reach the social media team: an e-mail address, a chat channel or a web page."),
    ),
    Setting(
        "champions_list",
        N_("Department champions"),
        N_("Where the list of department social media champions is kept (a web page)."),
    ),
    Setting(
        "communications_contact",
        N_("Communications team"),
        N_("Who answers the press and handles public statements: e-mail, channel or web page."),
    ),
    Setting(
        "investor_relations_contact",
        N_("Investor relations"),
        N_("Who answers investors and analysts, or the team that handles financial questions."),
    ),
    Setting(
        "it_security_contact",
        N_("IT security"),
        N_("How to report phishing, a hacked account or a leak: a mailbox, a button, a page."),
    ),
    Setting("hr_contact", N_("HR contact"), N_("Whom employees ask about HR matters.")),
    Setting(
        "privacy_officer",
        N_("Privacy officer"),
        N_("The data protection or privacy officer: name and e-mail address."),
    ),
    Setting("legal_contact", N_("Legal team"), N_("How to reach the legal team.")),
    Setting(
        "trading_policy_link",
        N_("Trading policy"),
        N_("The web address of the insider trading policy."),
    ),
    Setting(
        "code_of_conduct_link",
        N_("Code of conduct"),
        N_("The web address of the code of conduct or the disciplinary procedure."),
    ),
    Setting(
        "crisis_channel",
        N_("Crisis channel"),
        N_("The internal channel where updates are posted during a crisis."),
    ),
    Setting(
        "after_hours_route",
        N_("After-hours contact"),
        N_("Whom to call about an urgent problem outside office hours."),
    ),
)
BY_KEY: dict[str, Setting] = {s.key: s for s in SETTINGS}
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_VALUE = 300

#: The exact marker syntax: no spaces, lower-case key.
MARKER = re.compile(r"\{\{company\.([a-z][a-z0-9_]*)\}\}")
# Anything that looks like a marker, to report near misses ("{{ company.x }}") as errors
# instead of showing them to learners as they are.
_LOOSE = re.compile(r"\{\{\s*company\s*\.\s*([^{}\s]*)\s*\}\}", re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def defaults() -> dict[str, str]:
    return {s.key: s.default for s in SETTINGS if s.default is not None}


def _without_comments(text: str) -> str:
    """``text`` with HTML comments blanked, lines kept: comments are never shown."""
    return _COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def _lines(text: str) -> Iterable[tuple[int, str]]:
    return enumerate(_without_comments(text).split("\n"), 1)


def check_markers(path: str, text: str) -> list[Problem]:
    """Errors for markers with an unknown key or not written as ``{{company.KEY}}``."""
    problems = []
    for number, line in _lines(text):
        for loose in _LOOSE.finditer(line):
            marker, key = loose.group(0), loose.group(1)
            exact = MARKER.fullmatch(marker)
            if exact and key in BY_KEY:
                continue
            if key.lower() in BY_KEY:
                right = BY_KEY[key.lower()].marker
                message = f"write the marker {marker} as {right}: no spaces, key in lower case"
            else:
                close = difflib.get_close_matches(key.lower(), list(BY_KEY), 1)
                hint = f"did you mean {close[0]}? " if close else ""
                message = (
                    f"unknown company setting '{key}' in {marker}: {hint}"
                    f"the keys are {', '.join(BY_KEY)}"
                )
            problems.append(Problem(path, number, message))
    return problems


def used_keys(texts: Mapping[str, str]) -> dict[str, list[tuple[str, int]]]:
    """Known keys named by markers in ``texts`` (path -> text), each with where it is used
    (path, line), in the order of the registry."""
    found: dict[str, list[tuple[str, int]]] = {}
    for path in sorted(texts):
        for number, line in _lines(texts[path]):
            for match in MARKER.finditer(line):
                if match.group(1) in BY_KEY:
                    found.setdefault(match.group(1), []).append((path, number))
    return {key: found[key] for key in BY_KEY if key in found}


def uses_markers(course: Course) -> bool:
    return any(MARKER.search(text) for text in course.sources.values())


# --- Filling rendered content ------------------------------------------------------------

#: ``placeholder(key, lang)``: what is shown, in ``lang``, for a key without a value.
Placeholder = Callable[[str, str], str]

_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_LINKABLE = re.compile(f"{_URL.pattern}|{_EMAIL.pattern}", re.IGNORECASE)
# nh3 writes every attribute as name="value" with quotes escaped, text with "<" escaped.
_TAG = re.compile(r'<(?:[^>"]|"[^"]*")*>')
_ATTRIBUTE = re.compile(r'([a-z-]+)="([^"]*)"')
_TAG_NAME = re.compile(r"</?([a-z0-9]+)")
# What a value may make of a link's address: a web or mail address, or a path here.
_ADDRESS = re.compile(r"^(?:https?://|mailto:|/)\S*$", re.IGNORECASE)


def _isolated(text: str) -> str:
    """Escaped ``text`` with #hashtags and @handles isolated from the text around them."""
    parts = []
    last = 0
    for match in HANDLE.finditer(text):
        parts += [escape(text[last : match.start()]), f"<bdi>{escape(match.group(0))}</bdi>"]
        last = match.end()
    return "".join(parts) + escape(text[last:])


def value_html(value: str, links: bool = True) -> str:
    """A value as HTML: escaped, web and e-mail addresses linked (unless ``links`` is
    False, inside a link or code), hashtags and handles isolated."""
    if not links:
        return _isolated(value)
    parts = []
    last = 0
    for match in _LINKABLE.finditer(value):
        found = match.group(0)
        href = found if _URL.fullmatch(found) else f"mailto:{found}"
        link = f'<a href="{escape(href)}" rel="noopener noreferrer">{escape(found)}</a>'
        parts += [_isolated(value[last : match.start()]), link]
        last = match.end()
    return "".join(parts) + _isolated(value[last:])


@dataclass(frozen=True)
class Filling:
    """The values to fill in (defaults applied) and the placeholder for the others."""

    values: Mapping[str, str]
    placeholder: Placeholder

    def text(self, text: str, lang: str) -> str:
        """Plain text (a title) with each marker replaced by its value or placeholder."""
        if "{{" not in text:
            return text
        return MARKER.sub(lambda m: self._plain(m.group(1), lang), text)

    def html(self, html: str, lang: str) -> str:
        """Sanitised HTML with each marker replaced: escaped values in attributes, linked
        and isolated values in text, a visible placeholder for a value not set."""
        if "{{" not in html:
            return html
        out = []
        inside = {"a": 0, "code": 0, "pre": 0}
        last = 0
        for tag in _TAG.finditer(html):
            out.append(self._in_text(html[last : tag.start()], lang, inside))
            out.append(self._in_tag(tag.group(0), lang))
            name = _TAG_NAME.match(tag.group(0))
            if name and name.group(1) in inside:
                inside[name.group(1)] += -1 if tag.group(0).startswith("</") else 1
            last = tag.end()
        out.append(self._in_text(html[last:], lang, inside))
        return "".join(out)

    def _plain(self, key: str, lang: str) -> str:
        if key not in BY_KEY:  # a validation error: only a draft's preview shows it
            return f"{{{{company.{key}}}}}"
        value = self.values.get(key)
        return value if value else self.placeholder(key, lang)

    def _in_text(self, text: str, lang: str, inside: dict[str, int]) -> str:
        links = not any(inside.values())

        def replace(match: re.Match) -> str:
            key = match.group(1)
            value = self.values.get(key)
            if key not in BY_KEY:
                return match.group(0)
            if not value:
                return f'<span class="company-unset">{escape(self.placeholder(key, lang))}</span>'
            if inside["code"] or inside["pre"]:
                return escape(value)
            return value_html(value, links)

        return MARKER.sub(replace, text)

    def _in_tag(self, tag: str, lang: str) -> str:
        if "{{" not in tag:
            return tag

        def attribute(match: re.Match) -> str:
            name, value = match.group(1), unescape(match.group(2))
            if MARKER.search(value) is None:
                return match.group(0)
            if name in ("href", "src"):
                filled = self._url(value, image=name == "src")
            else:
                filled = MARKER.sub(lambda m: self._plain(m.group(1), lang), value)
            return f'{name}="{escape(filled)}"'

        return _ATTRIBUTE.sub(attribute, tag)

    def _url(self, value: str, image: bool) -> str:
        """A link (or image) address with values filled in, if it is still a safe one:
        "#" (no image) when a value is missing or makes it unsafe."""
        whole = MARKER.fullmatch(value.strip())
        if whole and _EMAIL.fullmatch(self.values.get(whole.group(1), "")) and not image:
            return f"mailto:{self.values[whole.group(1)]}"
        if any(not self.values.get(m.group(1)) for m in MARKER.finditer(value)):
            return "" if image else "#"
        filled = MARKER.sub(lambda m: self.values[m.group(1)], value)
        usable = _ADDRESS.match(filled) and safe_link(filled, image)
        return filled if usable else ("" if image else "#")

    # -- whole values -------------------------------------------------------------------

    def module(self, module: Module) -> Module:
        return dataclasses.replace(
            module,
            title=self.text(module.title, module.lang),
            html=self.html(module.html, module.lang),
        )

    def quiz(self, quiz: Quiz) -> Quiz:
        lang = quiz.lang
        questions = tuple(
            dataclasses.replace(
                q,
                prompt_html=self.html(q.prompt_html, lang),
                scenario_html=self.html(q.scenario_html, lang),
                explanation_html=self.html(q.explanation_html, lang),
                answers=tuple(self._answer(a, lang) for a in q.answers),
            )
            for q in quiz.questions
        )
        return dataclasses.replace(quiz, title=self.text(quiz.title, lang), questions=questions)

    def _answer(self, answer: Answer, lang: str) -> Answer:
        return dataclasses.replace(
            answer,
            html=self.html(answer.html, lang),
            feedback_html=self.html(answer.feedback_html, lang),
        )

    def course(self, course: Course, token: str) -> Course:
        """``course`` as learners read it; ``token`` names the values (for caches)."""
        meta = course.meta
        meta = dataclasses.replace(
            meta,
            titles={lang: self.text(t, lang) for lang, t in meta.titles.items()},
            descriptions={lang: self.text(d, lang) for lang, d in meta.descriptions.items()},
        )
        return dataclasses.replace(
            course,
            meta=meta,
            modules={
                lang: tuple(self.module(m) for m in found) for lang, found in course.modules.items()
            },
            quizzes={lang: self.quiz(q) for lang, q in course.quizzes.items()},
            guidelines={lang: self.module(g) for lang, g in course.guidelines.items()},
            company=token,
        )


__all__ = [
    "BY_KEY",
    "MARKER",
    "SETTINGS",
    "Filling",
    "Setting",
    "check_markers",
    "defaults",
    "used_keys",
    "uses_markers",
    "value_html",
]
