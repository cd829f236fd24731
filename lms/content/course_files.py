"""A course's files as authors see them: what each path is, and careful byte-level edits.

Pure functions over ``{path: bytes}``; nothing here touches the database. Edits keep a
file's byte-order mark and line endings, so saving in the browser never turns a whole
file into a diff.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lms.content.files import BOM
from lms.content.files import LOCALE
from lms.content.files import MODULE_FILE
from lms.content.files import decode
from lms.content.frontmatter import FENCE
from lms.content.frontmatter import parse_yaml
from lms.content.loader import GUIDELINES_FILE

COURSE_YML = "course.yml"
_BOM_BYTES = BOM.encode()
_VERSION_LINE = re.compile(r"^(version:[ \t]*)(\"[^\"\n]*\"|'[^'\n]*'|[^\s#]+)", re.M)
_TRANSLATION_OF_LINE = re.compile(r"^translation_of[ \t]*:")


@dataclass(frozen=True)
class FileRef:
    """What one path of a course is: ``kind`` is course, module, guidelines or quiz."""

    path: str
    kind: str
    lang: str | None = None
    item: str | None = None  # the module id
    position: int | None = None  # the module's NN

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


def describe(course_id: str, path: str) -> FileRef | None:
    """The file ``path`` of course ``course_id``, or None if no such file may exist."""
    parts = path.split("/")
    if parts[:2] == ["quizzes", course_id] and len(parts) == 3:
        lang = parts[2].removesuffix(".md")
        if parts[2].endswith(".md") and LOCALE.match(lang):
            return FileRef(path, "quiz", lang)
        return None
    if parts[:2] != ["courses", course_id]:
        return None
    if parts[2:] == [COURSE_YML]:
        return FileRef(path, "course")
    if len(parts) != 4 or not LOCALE.match(parts[2]):
        return None
    if parts[3] == GUIDELINES_FILE:
        return FileRef(path, "guidelines", parts[2])
    match = MODULE_FILE.match(parts[3])
    if match is None:
        return None
    return FileRef(path, "module", parts[2], match.group(2), int(match.group(1)))


def course_yml_path(course_id: str) -> str:
    return f"courses/{course_id}/{COURSE_YML}"


def translated_path(ref: FileRef, course_id: str, lang: str) -> str:
    """The path of the same module, quiz or guidelines in ``lang``."""
    if ref.kind == "quiz":
        return f"quizzes/{course_id}/{lang}.md"
    return f"courses/{course_id}/{lang}/{ref.name}"


def source_language(course_id: str, files: dict[str, bytes], default: str = "en") -> str:
    """``source_language`` from course.yml, read leniently: the file may have errors."""
    data = files.get(course_yml_path(course_id))
    text = decode(data, "")[0] if data is not None else None
    if text is None:
        return default
    value = parse_yaml(text, "")[0].values.get("source_language")
    return value if isinstance(value, str) and LOCALE.match(value) else default


def languages_of(course_id: str, files: dict[str, bytes]) -> list[str]:
    """Languages with at least one file, source language first."""
    source = source_language(course_id, files)
    found = {ref.lang for ref in (describe(course_id, p) for p in files) if ref and ref.lang}
    return [source, *sorted(found - {source})]


def text_for_editing(data: bytes) -> str | None:
    """The text an author edits: BOM removed, LF line endings; None if not UTF-8."""
    return decode(data, "")[0]


def encode_like(text: str, original: bytes | None) -> bytes:
    """``text`` (from a form: any line endings) as bytes in the style of ``original``:
    its byte-order mark and CRLF line endings are kept, else LF and no BOM."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if original is not None and b"\r\n" in original:
        text = text.replace("\n", "\r\n")
    data = text.encode()
    if original is not None and original.startswith(_BOM_BYTES):
        data = _BOM_BYTES + data
    return data


def with_version(course_yml: bytes, version: str) -> bytes:
    """course.yml with its ``version:`` value set to ``version``; comments and the rest
    of the file are left as they are."""
    text = course_yml.decode("utf-8")
    quoted = f'"{version}"'
    if _VERSION_LINE.search(text):
        text = _VERSION_LINE.sub(lambda m: m.group(1) + quoted, text, count=1)
    else:
        newline = "\r\n" if "\r\n" in text else "\n"
        text = text.rstrip("\r\n") + f"{newline}version: {quoted}{newline}"
    return text.encode("utf-8")


def with_translation_of(text: str, revision: str) -> str:
    """Module or quiz text (LF line endings) with ``translation_of: revision`` in its front
    matter, replacing any earlier value."""
    lines = text.split("\n")
    entry = f"translation_of: {revision}"
    if lines[0].rstrip() != FENCE:
        return "\n".join([FENCE, entry, FENCE, *lines])
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() == FENCE), None)
    if end is None:
        return "\n".join([lines[0], entry, *lines[1:]])
    for i in range(1, end):
        if _TRANSLATION_OF_LINE.match(lines[i]):
            lines[i] = entry
            return "\n".join(lines)
    return "\n".join([*lines[:end], entry, *lines[end:]])


def without_translation_of(text: str) -> str:
    """The front matter without ``translation_of``: a fresh copy translates nothing yet."""
    lines = text.split("\n")
    if lines[0].rstrip() != FENCE:
        return text
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() == FENCE), len(lines))
    kept = [
        line
        for i, line in enumerate(lines)
        if not (0 < i < end and _TRANSLATION_OF_LINE.match(line))
    ]
    return "\n".join(kept)
