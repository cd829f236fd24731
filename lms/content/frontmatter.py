"""YAML mappings and ``---`` front matter, with the line of every key."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import yaml

from lms.content.files import REVISION
from lms.content.files import SURROGATES
from lms.content.files import surrogate_message
from lms.content.files import surrogate_problem
from lms.content.files import without_surrogates
from lms.content.model import Problem

FENCE = "---"


@dataclass
class Fields:
    """A parsed YAML mapping. Keys are the source text of the key, so ``no:`` stays "no".

    A nested mapping (``title: {en: …}``) becomes a dict of its values in ``values`` and a
    :class:`Fields` in ``children``, so its entries can be located too.
    """

    values: dict[str, Any] = field(default_factory=dict)
    key_lines: dict[str, int] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)  # source text of scalar values
    children: dict[str, Fields] = field(default_factory=dict)
    complete: bool = True  # False after a YAML syntax error: later keys were never read

    def line(self, key: str, default: int | None = None) -> int | None:
        """Line of ``key``, else ``default``."""
        return self.key_lines.get(key, default)


@dataclass
class Document:
    """A Markdown file split into front matter and body."""

    fields: Fields
    body: str
    body_line: int  # file line of the body's first line
    has_front_matter: bool
    closed: bool = True  # False: the front matter has no closing ---


def _yaml_problem(path: str, text: str, exc: yaml.YAMLError, first_line: int) -> Problem:
    problem_mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    mark = problem_mark or context_mark
    if mark is not None:
        line = first_line + mark.line
    elif isinstance(exc, yaml.reader.ReaderError):
        line = first_line + text[: exc.position].count("\n")
    else:
        line = first_line
    parts = [getattr(exc, "context", None), getattr(exc, "problem", None)]
    detail = ", ".join(p for p in parts if p) or str(exc).splitlines()[0]
    if problem_mark and context_mark and context_mark.line != problem_mark.line:
        # An unclosed bracket or quote is found far from where it was opened.
        detail += f" (opened on line {first_line + context_mark.line})"
    return Problem(path, line, f"broken YAML: {detail}")


def _scalar_key(node: yaml.Node, path: str, first_line: int, problems: list[Problem]) -> str | None:
    if isinstance(node, yaml.ScalarNode) and node.value.strip():
        return node.value
    problems.append(Problem(path, first_line + node.start_mark.line, "keys must be plain names"))
    return None


def _fill(
    fields: Fields,
    node: yaml.MappingNode,
    loader: yaml.SafeLoader,
    where: tuple[str, int],
    problems: list[Problem],
) -> None:
    path, first_line = where
    for key_node, value_node in node.value:
        key = _scalar_key(key_node, path, first_line, problems)
        if key is None:
            continue
        line = first_line + key_node.start_mark.line
        if key in fields.key_lines:
            message = f"duplicate key '{key}' (first on line {fields.key_lines[key]})"
            problems.append(Problem(path, line, message))
            continue
        fields.key_lines[key] = line
        if isinstance(value_node, yaml.MappingNode):
            # Nested mappings (title/description per language) keep source-text keys too.
            child = fields.children[key] = Fields()
            _fill(child, value_node, loader, where, problems)
            fields.values[key] = child.values
            continue
        if isinstance(value_node, yaml.ScalarNode):
            fields.raw[key] = value_node.value
        try:
            fields.values[key] = loader.construct_object(value_node, deep=True)
        except yaml.YAMLError as exc:
            problems.append(_yaml_problem(path, "", exc, first_line))


# An escape that makes a surrogate: \ud83d, or \U0000d83d.
_SURROGATE_ESCAPE = re.compile(r"\\(?:u|U0000)[dD][89a-fA-F][0-9a-fA-F]{2}")


def _scalars(node: yaml.Node | None) -> Iterator[yaml.ScalarNode]:
    """Every scalar (keys too) under ``node``, each once (anchors may repeat a node)."""
    seen: set[int] = set()
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, yaml.ScalarNode):
            yield current
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
        elif isinstance(current, yaml.MappingNode):
            stack.extend(part for pair in current.value for part in pair)


def _surrogates_replaced(node, text: str, path: str, first_line: int) -> list[Problem]:
    """An error for each scalar that escapes its way to a surrogate (YAML's ``"\\ud83d"``),
    which is then replaced by U+FFFD so that nothing after the check has to show one."""
    problems = []
    for scalar in _scalars(node):
        found = SURROGATES.search(scalar.value)
        if found is None:
            continue
        source = text[scalar.start_mark.index : scalar.end_mark.index]
        escape = _SURROGATE_ESCAPE.search(source)
        offset = scalar.start_mark.index + (escape.start() if escape else 0)
        line = first_line + text[:offset].count("\n")
        problems.append(Problem(path, line, surrogate_message(found.group())))
        scalar.value = without_surrogates(scalar.value)
    return sorted(problems, key=lambda p: p.line or 0)


def parse_yaml(text: str, path: str, first_line: int = 1) -> tuple[Fields, list[Problem]]:
    """Parse a YAML mapping; ``first_line`` is the file line where ``text`` starts."""
    fields = Fields()
    problems: list[Problem] = []
    loader = None
    try:
        loader = yaml.SafeLoader(text)  # already rejects control characters
        node = loader.get_single_node()
        problems += _surrogates_replaced(node, text, path, first_line)
        if isinstance(node, yaml.MappingNode):
            _fill(fields, node, loader, (path, first_line), problems)
        elif node is not None:
            fields.complete = False
            line = first_line + node.start_mark.line
            problems.append(Problem(path, line, "expected 'key: value' lines"))
    except yaml.YAMLError as exc:
        fields.complete = False
        problems.append(_yaml_problem(path, text, exc, first_line))
    except RecursionError:
        fields.complete = False
        problems.append(Problem(path, first_line, "broken YAML: nested too deeply"))
    finally:
        if loader is not None:
            loader.dispose()
    return fields, problems


def split_front_matter(text: str, path: str) -> tuple[Document, list[Problem]]:
    """Split ``---`` front matter from the body. ``text`` has ``\\n`` line endings."""
    lines = text.split("\n")
    if lines[0].rstrip() != FENCE:
        body, found = _body_without_surrogates(text, path, 1)
        return Document(Fields(), body, 1, False), found
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() == FENCE), None)
    if end is None:
        problem = Problem(path, 1, "front matter is not closed: add a line with --- after it")
        # Where the body starts is unknowable: report nothing about the title or body.
        return Document(Fields(complete=False), "", len(lines) + 1, True, closed=False), [problem]
    fields, problems = parse_yaml("\n".join(lines[1:end]), path, first_line=2)
    body, found = _body_without_surrogates("\n".join(lines[end + 1 :]), path, end + 2)
    return Document(fields, body, end + 2, True), problems + found


def _body_without_surrogates(body: str, path: str, first_line: int) -> tuple[str, list[Problem]]:
    # Only text handed over as a string can hold one: decoding a file refuses them.
    problem = surrogate_problem(body, path, first_line)
    return (without_surrogates(body), [problem]) if problem else (body, [])


def unknown_keys(fields: Fields, allowed: set[str], path: str) -> list[Problem]:
    """An error for every key not in ``allowed``, suggesting the closest known key."""
    problems = []
    for key, line in fields.key_lines.items():
        if key in allowed:
            continue
        close = difflib.get_close_matches(key, sorted(allowed), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        problems.append(Problem(path, line, f"unknown key '{key}'{hint}"))
    return problems


def required_text(fields: Fields, key: str, path: str) -> tuple[str, list[Problem]]:
    """A non-empty text value; "" and a Problem when it is missing or not text."""
    value = fields.values.get(key)
    if isinstance(value, str) and value.strip():
        return value.strip(), []
    if not fields.complete:
        return "", []  # the YAML error is reported; the key may be after it
    if key not in fields.key_lines:
        return "", [Problem(path, 1, f"missing {key} in the front matter")]
    return "", [Problem(path, fields.line(key), f"{key} must be text")]


def revision_field(fields: Fields, key: str, path: str) -> tuple[str | None, list[Problem]]:
    """A 12-hex-digit revision, read from the source text so ``012345678901`` stays a string."""
    if key not in fields.key_lines:
        return None, []
    raw = fields.raw.get(key, "").strip().lower()
    if REVISION.match(raw):
        return raw, []
    message = f"{key} must be the 12 hexadecimal digits of a revision, e.g. 3f2a9c1b7e4d"
    return None, [Problem(path, fields.line(key), message)]
