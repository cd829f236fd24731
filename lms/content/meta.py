"""``course.yml``: parsed into :class:`CourseMeta`, every problem located by line."""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from functools import partial
from typing import Any

from lms.content.files import LOCALE
from lms.content.files import SLUG
from lms.content.frontmatter import Fields
from lms.content.frontmatter import parse_yaml
from lms.content.frontmatter import unknown_keys
from lms.content.model import CourseMeta
from lms.content.model import Problem

REQUIRED = ("id", "version", "source_language", "title", "pass_mark", "validity_days")
# key -> (minimum, maximum, null allowed)
INTEGERS: dict[str, tuple[int, int | None, bool]] = {
    "pass_mark": (1, 100, False),
    "validity_days": (1, None, False),
    "renewal_window_days": (0, None, False),
    "due_days": (1, None, False),
    "min_seat_time_minutes": (0, None, False),
    "attempt_limit": (1, None, True),
    "cooldown_hours": (1, None, True),
    "recertify_grace_days": (0, None, False),
}
KEYS = {
    "id",
    "version",
    "source_language",
    "title",
    "description",
    "required",
    "attestation",
    *INTEGERS,
}
VERSION = re.compile(r"^\d+\.\d+$")
ATTESTATION_KEYS = {"required", "statement"}
#: What a statement may name: the course title (in the statement's language) and version.
PLACEHOLDERS = ("title", "version")


class _Checker:
    """Collects problems for one course.yml."""

    def __init__(self, fields: Fields, path: str) -> None:
        self.fields = fields
        self.path = path
        self.problems: list[Problem] = []

    def error(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.path, self.fields.line(key), message))

    def integer(self, key: str) -> None:
        low, high, nullable = INTEGERS[key]
        value = self.fields.values[key]
        if value is None and nullable:
            return
        if type(value) is not int:
            self.error(key, f"{key} must be a whole number" + (" or null" if nullable else ""))
        elif value < low or (high is not None and value > high):
            bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
            self.error(key, f"{key} must be {bounds}, not {value}")

    def text_map(self, key: str) -> None:
        """``title``/``description``: one non-empty text per language."""
        value = self.fields.values[key]
        if not isinstance(value, dict):
            self.error(key, f"{key} must list one text per language (  en: …)")
            return
        child = self.fields.children[key]
        for lang, text in value.items():
            if not LOCALE.match(lang):
                self.problems.append(Problem(self.path, child.line(lang), _bad_locale(lang)))
            if not isinstance(text, str) or not text.strip():
                message = f"{key} for {lang} must be text"
                self.problems.append(Problem(self.path, child.line(lang), message))

    def version(self) -> None:
        value, raw = self.fields.values["version"], self.fields.raw.get("version", "")
        if not isinstance(value, str):
            # YAML reads 1.10 as the number 1.1: only a quoted string keeps the minor version.
            self.error("version", f'quote the version: version: "{raw}"')
        elif not VERSION.match(value):
            self.error("version", f'version must be MAJOR.MINOR such as "1.0", not {value!r}')

    def check(self, folder_id: str, complete: bool) -> None:
        values = self.fields.values
        for key in REQUIRED:
            # After a YAML syntax error the later keys were never read: not "missing".
            if complete and key not in self.fields.key_lines:
                self.problems.append(Problem(self.path, None, f"missing required key '{key}'"))
        checks: dict[str, Callable[[], None]] = {
            "id": lambda: self.identifier(folder_id),
            "version": self.version,
            "source_language": self.source_language,
            "title": lambda: self.text_map("title"),
            "description": lambda: self.text_map("description"),
            "required": lambda: self.boolean("required"),
            "attestation": self.attestation,
            **{key: partial(self.integer, key) for key in INTEGERS},
        }
        for key, check in checks.items():
            if key in values:
                check()

    def identifier(self, folder_id: str) -> None:
        value = self.fields.values["id"]
        if not isinstance(value, str) or not SLUG.match(value):
            self.error("id", "id must be lower-case letters, digits and hyphens")
        elif value != folder_id:
            self.error("id", f"id '{value}' must equal the folder name '{folder_id}'")

    def source_language(self) -> None:
        value = self.fields.values["source_language"]
        if not isinstance(value, str) or not LOCALE.match(value):
            self.error("source_language", _bad_locale(str(value)))
            return
        titles = self.fields.values.get("title")
        if isinstance(titles, dict) and value not in titles:
            self.error("title", f"no title for the source language {value}")

    def boolean(self, key: str) -> None:
        if not isinstance(self.fields.values[key], bool):
            self.error(key, f"{key} must be true or false")

    def attestation(self) -> None:
        """``attestation: {required: …, statement: {<lang>: …}}``: a required one needs a
        statement in the source language; statements name only {title} and {version}."""
        block = self.fields.children.get("attestation")
        if block is None:
            self.error("attestation", "attestation must hold required: and statement: lines")
            return
        self.problems += unknown_keys(block, ATTESTATION_KEYS, self.path)
        inner = _Checker(block, self.path)
        if "required" in block.values:
            inner.boolean("required")
        if "statement" in block.values:
            inner.text_map("statement")
        self.problems += [
            Problem(p.path, p.line, f"attestation: {p.message}") for p in inner.problems
        ]
        statements = block.children.get("statement")
        if statements is not None:
            self._placeholders(statements)
        self._source_statement(block)

    def _placeholders(self, statements: Fields) -> None:
        for lang, text in statements.values.items():
            message = _placeholder_problem(text) if isinstance(text, str) else None
            if message:
                where = statements.line(lang)
                self.problems.append(
                    Problem(self.path, where, f"attestation: statement for {lang}: {message}")
                )

    def _source_statement(self, block: Fields) -> None:
        source = self.fields.values.get("source_language")
        statement = block.values.get("statement")
        if block.values.get("required", True) is not True or not isinstance(source, str):
            return
        if statement is None or (isinstance(statement, dict) and source not in statement):
            where = block.line("statement", self.fields.line("attestation"))
            message = f"attestation: no statement for the source language {source}"
            self.problems.append(Problem(self.path, where, message))


def _placeholder_problem(text: str) -> str | None:
    """Why ``text`` cannot be filled in, or None: braces name {title} or {version} only."""
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError:
        return "a single { or } must be doubled ({{ or }}) to show it"
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            written = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            return f"unknown placeholder {{{written}}}: use {{title}} or {{version}}"
    return None


def _bad_locale(name: str) -> str:
    return f"'{name}' is not a language code such as en, zh_Hans or pt_BR"


def source_language(fields: Fields) -> str | None:
    """The source language if it is usable, even when other keys are broken."""
    value = fields.values.get("source_language")
    return value if isinstance(value, str) and LOCALE.match(value) else None


def _meta(values: dict[str, Any]) -> CourseMeta:
    own = ("title", "description", "attestation")
    known = {k: v for k, v in values.items() if k in KEYS and k not in own}
    attestation = values.get("attestation") or {}
    statements = attestation.get("statement") or {}
    return CourseMeta(
        titles=dict(values["title"]),
        descriptions=dict(values.get("description") or {}),
        # A block without required: asks for the attestation: why else write it?
        attestation_required=bool(attestation) and attestation.get("required", True),
        attestation_statements={lang: text.strip() for lang, text in statements.items()},
        **known,
    )


def parse_meta(
    text: str, path: str, folder_id: str
) -> tuple[CourseMeta | None, Fields, list[Problem]]:
    """Parse and check course.yml; the meta is None when it has any problem."""
    fields, problems = parse_yaml(text, path)
    problems += unknown_keys(fields, KEYS, path)
    checker = _Checker(fields, path)
    checker.check(folder_id, fields.complete)
    problems += checker.problems
    if problems:
        return None, fields, problems
    return _meta(fields.values), fields, problems
