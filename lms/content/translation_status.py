"""Translation status: every module, quiz and guidelines page × language.

Read straight from the files, so it works on a draft that does not validate yet. A
translation is *current* when its ``translation_of`` equals the source file's revision
(docs/content-format.md), so "out of date" is a comparison, not a guess.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field

from lms.content.course_files import FileRef
from lms.content.course_files import describe
from lms.content.course_files import languages_of
from lms.content.course_files import source_language
from lms.content.course_files import translated_path
from lms.content.files import decode
from lms.content.files import revision_of
from lms.content.frontmatter import revision_field
from lms.content.frontmatter import split_front_matter

SOURCE = "source"
MISSING = "missing"
UNTRANSLATED = "untranslated"
OUT_OF_DATE = "out_of_date"
CURRENT = "current"
STATUSES = (MISSING, UNTRANSLATED, OUT_OF_DATE, CURRENT)


@dataclass(frozen=True)
class Cell:
    lang: str
    status: str
    path: str  # where the file is, or would be
    translation_of: str | None = None


@dataclass(frozen=True)
class Row:
    """One module (or the quiz, or the guidelines) in every language."""

    ref: FileRef  # the source-language file
    title: str
    revision: str  # of the source file
    cells: dict[str, Cell]


@dataclass
class Matrix:
    source: str
    languages: list[str]
    rows: list[Row]
    counts: dict[str, Counter] = field(default_factory=dict)  # lang -> status -> n

    def filtered(self, lang: str | None, status: str | None) -> Matrix:
        """Only ``lang``'s column and the rows with a cell in ``status`` (None: all)."""
        languages = [x for x in self.languages if lang in (None, x)]
        rows = [
            r
            for r in self.rows
            if status is None or any(r.cells[x].status == status for x in languages)
        ]
        return Matrix(self.source, languages, rows, self.counts)


def _front_matter(data: bytes) -> tuple[str, str | None]:
    """(title, translation_of) of a module or quiz file, leniently: "" and None if broken."""
    text = decode(data, "")[0]
    if text is None:
        return "", None
    doc, _ = split_front_matter(text, "")
    title = doc.fields.values.get("title")
    return (title if isinstance(title, str) else ""), revision_field(
        doc.fields, "translation_of", ""
    )[0]


def cell(lang: str, path: str, files: dict[str, bytes], source_revision: str) -> Cell:
    if path not in files:
        return Cell(lang, MISSING, path)
    recorded = _front_matter(files[path])[1]
    if recorded is None:
        return Cell(lang, UNTRANSLATED, path)
    return Cell(lang, CURRENT if recorded == source_revision else OUT_OF_DATE, path, recorded)


def _source_refs(course_id: str, files: dict[str, bytes], source: str) -> list[FileRef]:
    refs = [
        ref
        for ref in (describe(course_id, p) for p in files)
        if ref and ref.lang == source and ref.kind != "course"
    ]
    order = {"module": 0, "quiz": 1, "guidelines": 2}
    return sorted(refs, key=lambda r: (order[r.kind], r.position or 0, r.path))


def matrix(course_id: str, files: dict[str, bytes], languages: Sequence[str] = ()) -> Matrix:
    """The status of every translatable file in the course's languages plus ``languages``
    (e.g. every language the app ships, so a language not started shows as missing)."""
    source = source_language(course_id, files)
    found = languages_of(course_id, files)
    columns = found + sorted(set(languages) - set(found))
    rows = []
    for ref in _source_refs(course_id, files, source):
        revision = revision_of(files[ref.path])
        cells = {source: Cell(source, SOURCE, ref.path)}
        for lang in columns[1:]:
            cells[lang] = cell(lang, translated_path(ref, course_id, lang), files, revision)
        rows.append(Row(ref, _front_matter(files[ref.path])[0] or ref.path, revision, cells))
    counts = {lang: Counter(r.cells[lang].status for r in rows) for lang in columns[1:]}
    return Matrix(source, columns, rows, counts)
