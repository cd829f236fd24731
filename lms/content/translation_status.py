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
from lms.content.course_files import course_yml_path
from lms.content.course_files import describe
from lms.content.course_files import languages_of
from lms.content.course_files import source_language
from lms.content.course_files import translated_path
from lms.content.files import decode
from lms.content.files import revision_of
from lms.content.frontmatter import parse_yaml
from lms.content.frontmatter import revision_field
from lms.content.frontmatter import split_front_matter
from lms.content.model import QUIZ_KEY
from lms.content.model import Course
from lms.content.model import Module
from lms.content.model import Quiz

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
    """One module (or the quiz, or the guidelines, or the course's title or description
    in course.yml) in every language."""

    ref: FileRef  # the source-language file
    title: str
    revision: str  # of the source file; "" for a text in course.yml
    cells: dict[str, Cell]
    #: "title" or "description": a text of course.yml, one per language. It records no
    #: revision, so it is current when present (nothing to compare) and missing when not.
    course_text: str | None = None


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


def _course_text_rows(
    course_id: str, files: dict[str, bytes], source: str, columns: list[str]
) -> list[Row]:
    """The course's title and description per language, read leniently from course.yml."""
    path = course_yml_path(course_id)
    ref = describe(course_id, path)
    text = decode(files[path], "")[0] if path in files else None
    if ref is None or text is None:
        return []
    values = parse_yaml(text, path)[0].values
    rows = []
    for key in ("title", "description"):
        texts = values.get(key) if isinstance(values.get(key), dict) else {}
        if not texts:
            continue
        cells = {source: Cell(source, SOURCE, path)}
        for lang in columns[1:]:
            present = isinstance(texts.get(lang), str) and texts[lang].strip()
            cells[lang] = Cell(lang, CURRENT if present else MISSING, path)
        original = texts.get(source)
        rows.append(Row(ref, original if isinstance(original, str) else "", "", cells, key))
    return rows


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
    rows = _course_text_rows(course_id, files, source, columns)
    for ref in _source_refs(course_id, files, source):
        revision = revision_of(files[ref.path])
        cells = {source: Cell(source, SOURCE, ref.path)}
        for lang in columns[1:]:
            cells[lang] = cell(lang, translated_path(ref, course_id, lang), files, revision)
        rows.append(Row(ref, _front_matter(files[ref.path])[0] or ref.path, revision, cells))
    counts = {lang: Counter(r.cells[lang].status for r in rows) for lang in columns[1:]}
    return Matrix(source, columns, rows, counts)


# --- Translations behind a published version ---------------------------------------------


def accepted_after(
    course: Course, previous: Course | None, kind: str
) -> dict[str, tuple[str, ...]]:
    """The source revisions a translation may record to be served in ``course`` published
    as the next ``kind`` ("first", "minor" or "major") version after ``previous``.

    A minor version fixes wording: a translation of any text of the same major version
    still says what the policy says. A major version changes the policy: a module's
    translation must translate its new text, unless the module's source did not change
    in that version (then what was accepted before still is).
    """
    accepted = {}
    for key in _item_keys(course):
        now = course.source_revisions(key)
        before = previous.source_revisions(key) if previous else ()
        if not before or (kind == "major" and before != now):
            accepted[key] = now
        else:
            kept = previous.accepted_revisions(key) if previous else ()
            accepted[key] = tuple(dict.fromkeys([*kept, *now]))
    return accepted


def _item_keys(course: Course) -> list[str]:
    modules = [f"module:{m.id}" for m in course.modules.get(course.meta.source_language, ())]
    return modules + ([QUIZ_KEY] if course.meta.source_language in course.quizzes else [])


@dataclass(frozen=True)
class Behind:
    """A translation learners do not read in a version: it lacks a change of its source."""

    lang: str
    item: str  # the module id, or "quiz"
    title: str  # of the source-language text learners read instead
    path: str  # the translation's file
    translation_of: str
    source_revision: str

    def to_dict(self) -> dict:
        return {"lang": self.lang, "item": self.item, "path": self.path}


def behind(course: Course) -> list[Behind]:
    """Every translation ``course`` serves in the source language because it is out of
    date (:meth:`Course.behind`), by language, then in reading order, quiz last."""
    source = course.meta.source_language
    found = []
    for lang in sorted((set(course.modules) | set(course.quizzes)) - {source}):
        items: list[Module | Quiz] = list(course.modules.get(lang, ()))
        items += [course.quizzes[lang]] if lang in course.quizzes else []
        found += [_behind(course, item) for item in items if course.behind(item)]
    return found


def _behind(course: Course, item: Module | Quiz) -> Behind:
    source = course.meta.source_language
    original = course.quizzes[source] if isinstance(item, Quiz) else course.module(source, item.id)
    assert original is not None, "a translation behind its source has a source"
    return Behind(
        item.lang,
        QUIZ_KEY if isinstance(item, Quiz) else item.id,
        original.title,
        item.path,
        item.translation_of or "",
        original.revision,
    )
