"""What changed between two file sets of a course, file by file and line by line."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from lms.content.course_files import FileRef
from lms.content.course_files import describe

ADDED = "added"
REMOVED = "removed"
CHANGED = "changed"
EQUAL = "equal"
#: The text is the same; only the byte-order mark or the line endings differ.
ENCODING = "encoding"
_KIND_ORDER = {"course": 0, "module": 1, "quiz": 2, "guidelines": 3}


@dataclass(frozen=True)
class Line:
    op: str  # EQUAL, ADDED or REMOVED
    old: int | None  # line number before
    new: int | None  # line number after
    text: str


@dataclass(frozen=True)
class FileDiff:
    path: str
    ref: FileRef | None
    change: str  # ADDED, REMOVED, CHANGED or ENCODING
    hunks: list[list[Line]]

    @property
    def counts(self) -> tuple[int, int]:
        """(lines added, lines removed)."""
        lines = [line for hunk in self.hunks for line in hunk]
        return sum(x.op == ADDED for x in lines), sum(x.op == REMOVED for x in lines)


def _lines(data: bytes | None) -> list[str]:
    if data is None:
        return []
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _hunks(old: list[str], new: list[str], context: int) -> list[list[Line]]:
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    hunks = []
    for group in matcher.get_grouped_opcodes(context):
        hunk = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                hunk += [
                    Line(EQUAL, i + 1, j + 1, old[i])
                    for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
                ]
                continue
            hunk += [Line(REMOVED, i + 1, None, old[i]) for i in range(i1, i2)]
            hunk += [Line(ADDED, None, j + 1, new[j]) for j in range(j1, j2)]
        hunks.append(hunk)
    return hunks


def _sort_key(course_id: str, path: str) -> tuple:
    ref = describe(course_id, path)
    if ref is None:
        return (9, 0, "", path)
    return (_KIND_ORDER[ref.kind], ref.position or 0, ref.lang or "", path)


def diff_files(
    course_id: str, old: dict[str, bytes], new: dict[str, bytes], context: int = 3
) -> list[FileDiff]:
    """Every file that differs, course.yml first, then modules in order, language by
    language, then the quiz and the guidelines."""
    diffs = []
    for path in sorted(set(old) | set(new), key=lambda p: _sort_key(course_id, p)):
        before, after = old.get(path), new.get(path)
        if before == after:
            continue
        hunks = _hunks(_lines(before), _lines(after), context)
        if before is None:
            change = ADDED
        elif after is None:
            change = REMOVED
        else:
            change = CHANGED if hunks else ENCODING
        diffs.append(FileDiff(path, describe(course_id, path), change, hunks))
    return diffs
