"""Reading the content tree: names, revisions, hashes and decoding. No parsing here."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from lms.content.model import Problem

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# CLDR-looking locale: language, optional script, optional region (en, zh_Hans, pt_BR).
LOCALE = re.compile(r"^[a-z]{2,3}(?:_[A-Z][a-z]{3})?(?:_(?:[A-Z]{2}|[0-9]{3}))?$")
MODULE_FILE = re.compile(r"^(\d+)-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
REVISION = re.compile(r"^[0-9a-f]{12}$")
BOM = "\ufeff"
# UTF-16 surrogates are not characters: UTF-8 cannot encode them, so a page holding one
# fails to render. Files cannot contain them (decoding refuses), but escapes can make them
# (YAML "\ud83d"), and so can any text handed over as a Python string.
SURROGATES = re.compile("[\ud800-\udfff]+")


def revision_of(data: bytes) -> str:
    """First 12 hex digits of the SHA-256 of ``data``, line endings normalised to LF.

    A leading UTF-8 byte-order mark is ignored too: like CRLF, it is an editor's choice,
    not a change a translator must follow.
    """
    normalised = data.removeprefix(BOM.encode()).replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return hashlib.sha256(normalised).hexdigest()[:12]


def _hidden(name: str) -> bool:
    # Editor and OS litter (.DS_Store, .swp files, .git) is neither content nor a change.
    return name.startswith(".")


def read_tree(root: Path, course_id: str) -> dict[str, bytes]:
    """Every file under ``courses/<id>/`` and ``quizzes/<id>/``: relative path -> bytes."""
    files: dict[str, bytes] = {}
    if not course_id or "/" in course_id or "\\" in course_id or course_id.startswith("."):
        return files  # never read outside the content root
    for top in ("courses", "quizzes"):
        base = Path(root) / top / course_id
        if not base.is_dir():
            continue
        for folder, dirs, names in os.walk(base):
            dirs[:] = sorted(d for d in dirs if not _hidden(d))
            for name in sorted(n for n in names if not _hidden(n)):
                full = Path(folder) / name
                files[full.relative_to(root).as_posix()] = full.read_bytes()
    return files


def tree_hash(files: dict[str, bytes]) -> str:
    """SHA-256 over the sorted paths and bytes; lengths keep path/content boundaries exact."""
    digest = hashlib.sha256()
    for path in sorted(files):
        data = files[path]
        digest.update(f"{path}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def course_source_hash(root: Path, course_id: str) -> str:
    """Cheap change detector for one course: reads bytes, never parses or renders."""
    return tree_hash(read_tree(root, course_id))


def decode(data: bytes, path: str) -> tuple[str | None, list[Problem]]:
    """UTF-8 text with the BOM removed and LF line endings, or a Problem."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start]
        message = f"not UTF-8 (byte 0x{byte:02x}): save the file as UTF-8"
        return None, [Problem(path, line, message)]
    text = text.removeprefix(BOM)
    return text.replace("\r\n", "\n").replace("\r", "\n"), []


def surrogate_message(found: str) -> str:
    """Why the surrogate code points ``found`` are refused, and what to write instead."""
    escapes = "".join(f"\\u{ord(c):04x}" for c in found)
    try:
        # A well-formed pair is a character spelt in UTF-16: name the character.
        chars = found.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    except UnicodeDecodeError:
        what = (
            "is half of a UTF-16 surrogate pair"
            if len(found) == 1
            else "are UTF-16 surrogates that do not pair up"
        )
        return f'"{escapes}" {what}, not a character: remove it or write the whole character'
    codes = "".join(f"\\U{ord(c):08X}" for c in chars)
    return (
        f'"{escapes}" spells {chars} as UTF-16 surrogates, which are not characters: '
        f'write {chars} itself or "{codes}"'
    )


def surrogate_problem(text: str, path: str, first_line: int = 1) -> Problem | None:
    """An error at the line of the first surrogate in ``text``, else None."""
    found = SURROGATES.search(text)
    if found is None:
        return None
    line = first_line + text[: found.start()].count("\n")
    return Problem(path, line, surrogate_message(found.group()))


def without_surrogates(text: str) -> str:
    """``text`` with every surrogate replaced by U+FFFD, so it can still be shown."""
    return SURROGATES.sub("\ufffd", text)


class NotUtf8(ValueError):
    """An uploaded text file that is not UTF-8: ``utf16`` when it is UTF-16 (what Word and
    Excel save as "Unicode text"), else the ``line``, ``byte`` and ``offset`` of the first
    byte that is not UTF-8."""

    def __init__(self, utf16: bool = False, line: int = 1, byte: int = 0, offset: int = 0):
        super().__init__("UTF-16" if utf16 else f"not UTF-8: byte 0x{byte:02x} on line {line}")
        self.utf16, self.line, self.byte, self.offset = utf16, line, byte, offset


def _looks_utf16(data: bytes) -> bool:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    # Without a byte-order mark, Latin text in UTF-16 has a NUL in every other byte.
    return len(data) >= 2 and data.count(0) * 4 >= len(data)


def decode_upload(data: bytes) -> str:
    """An uploaded text file as text: UTF-8, byte-order mark removed, LF line endings.
    Raises :class:`NotUtf8`."""
    if _looks_utf16(data):
        raise NotUtf8(utf16=True)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise NotUtf8(line=line, byte=data[exc.start], offset=exc.start) from exc
    return text.removeprefix(BOM).replace("\r\n", "\n").replace("\r", "\n")
