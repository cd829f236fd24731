"""Load and validate courses from the content tree; report every problem at once."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from lms.content.company import check_markers
from lms.content.files import LOCALE
from lms.content.files import MODULE_FILE
from lms.content.files import course_source_hash
from lms.content.files import decode
from lms.content.files import read_tree
from lms.content.files import revision_of
from lms.content.files import tree_hash
from lms.content.frontmatter import Fields
from lms.content.meta import parse_meta
from lms.content.meta import source_language
from lms.content.model import Course
from lms.content.model import CourseMeta
from lms.content.model import Module
from lms.content.model import Problem
from lms.content.model import Quiz
from lms.content.modules import parse_module
from lms.content.quiz import parse_quiz
from lms.content.validate import check_guidelines
from lms.content.validate import check_modules
from lms.content.validate import check_question_modules
from lms.content.validate import check_quizzes

#: The optional public summary of the policy, one per language folder.
GUIDELINES_FILE = "guidelines.md"

__all__ = ["course_source_hash", "load_catalog", "load_course", "revision_of"]


@dataclass
class _Layout:
    """Which file is what, from the file names alone."""

    course_yml: str | None = None
    modules: dict[str, list[tuple[str, int, str]]] = field(default_factory=dict)  # lang -> files
    quizzes: dict[str, str] = field(default_factory=dict)  # lang -> path
    guidelines: dict[str, str] = field(default_factory=dict)  # lang -> path
    problems: list[Problem] = field(default_factory=list)

    def stray(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, None, message))


def _add_module(layout: _Layout, path: str, lang: str, name: str) -> None:
    match = MODULE_FILE.match(name)
    if not match:
        rule = "named NN-slug.md (lower-case letters, digits, hyphens), e.g. 01-why-it-matters.md"
        if name.endswith(".md"):
            layout.stray(path, f"a module file must be {rule}")
        else:
            layout.stray(path, f"unexpected file: a language folder holds only modules {rule}")
        return
    position, slug = int(match.group(1)), match.group(2)
    files = layout.modules.setdefault(lang, [])
    for other, other_position, other_slug in files:
        if other_slug == slug:
            return layout.stray(path, f"duplicate module id '{slug}': also {other}")
        if other_position == position:
            # Kept anyway: dropping it would make every translation look wrong too.
            layout.stray(path, f"two modules numbered {position}: also {other}")
    files.append((path, position, slug))


def _layout(course_id: str, paths: list[str]) -> _Layout:
    layout = _Layout()
    bad_folders: set[str] = set()
    for path in sorted(paths):
        top, rest = path.split("/")[0], path.split("/")[2:]
        if top == "quizzes":
            lang = rest[0].removesuffix(".md")
            if len(rest) == 1 and rest[0].endswith(".md") and LOCALE.match(lang):
                layout.quizzes[lang] = path
            else:
                layout.stray(path, "unexpected file: quiz files are named <lang>.md, e.g. en.md")
        elif rest == ["course.yml"]:
            layout.course_yml = path
        elif len(rest) == 2 and not LOCALE.match(rest[0]):
            folder = f"courses/{course_id}/{rest[0]}"
            if folder not in bad_folders:
                bad_folders.add(folder)
                message = f"'{rest[0]}' is not a language folder name such as en, zh_Hans or pt_BR"
                layout.stray(folder, message)
        elif len(rest) == 2 and rest[1] == GUIDELINES_FILE:
            layout.guidelines[rest[0]] = path
        elif len(rest) == 2:
            _add_module(layout, path, rest[0], rest[1])
        else:
            message = "unexpected file: a course folder holds course.yml and language folders"
            layout.stray(path, message)
    return layout


@dataclass
class _Parsed:
    """Everything read for one course, before the cross-language checks."""

    texts: dict[str, str] = field(default_factory=dict)
    fields: dict[str, Fields] = field(default_factory=dict)
    modules: dict[str, dict[str, Module]] = field(default_factory=dict)
    quizzes: dict[str, Quiz] = field(default_factory=dict)
    guidelines: dict[str, Module] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def text(self, path: str, files: dict[str, bytes]) -> str | None:
        text, problems = decode(files[path], path)
        self.problems += problems
        if text is not None:
            self.texts[path] = text
        return text


# Rendering is most of a build (Markdown for every answer of 35 languages' quizzes): each
# file's result is kept by its text, so rebuilding a course after one file changed (the
# editor's save, a translation landing) renders that file only. Both are pure, and their
# results are read, never changed.
_parse_module = functools.lru_cache(maxsize=1024)(parse_module)
_parse_quiz = functools.lru_cache(maxsize=256)(parse_quiz)


def _parse_files(layout: _Layout, files: dict[str, bytes], parsed: _Parsed) -> None:
    for lang, entries in layout.modules.items():
        for path, position, slug in entries:
            text = parsed.text(path, files)
            if text is None:
                continue
            module, problems, fields = _parse_module(
                text, path, lang, (position, slug), revision_of(files[path])
            )
            parsed.modules.setdefault(lang, {})[slug] = module
            parsed.fields[path] = fields
            parsed.problems += problems
    for lang, path in layout.guidelines.items():
        text = parsed.text(path, files)
        if text is not None:
            page, problems, fields = _parse_module(
                text, path, lang, (0, "guidelines"), revision_of(files[path])
            )
            parsed.guidelines[lang] = page
            parsed.fields[path] = fields
            parsed.problems += problems
    for lang, path in layout.quizzes.items():
        text = parsed.text(path, files)
        if text is not None:
            quiz, problems, fields = _parse_quiz(text, path, lang, revision_of(files[path]))
            parsed.quizzes[lang] = quiz
            parsed.fields[path] = fields
            parsed.problems += problems


def _parse_meta(
    course_id: str, layout: _Layout, files: dict[str, bytes], parsed: _Parsed
) -> tuple[CourseMeta | None, Fields]:
    path = layout.course_yml
    if path is None:
        missing = Problem(f"courses/{course_id}/course.yml", None, "missing course.yml")
        parsed.problems.append(missing)
        return None, Fields()
    text = parsed.text(path, files)
    if text is None:
        return None, Fields()
    meta, fields, problems = parse_meta(text, path, course_id)
    parsed.problems += problems
    return meta, fields


def _cross_checks(
    course_id: str, layout: _Layout, fields: Fields, parsed: _Parsed
) -> list[Problem]:
    source = source_language(fields)
    if source is None:
        return []  # already reported; comparing against a guess would only add noise
    path = f"courses/{course_id}/course.yml"
    problems = []
    titles = fields.values.get("title")
    for lang in parsed.modules:
        if isinstance(titles, dict) and lang != source and lang not in titles:
            message = f"no title for {lang}: the {source} title is shown"
            problems.append(Problem(path, fields.line("title"), message, "warning"))
    if source in layout.modules:
        names = {
            lang: {slug: (file, position) for file, position, slug in entries}
            for lang, entries in layout.modules.items()
        }
        problems += check_modules(source, names, parsed.modules, parsed.fields)
        problems += check_question_modules(parsed.quizzes, list(names[source]), source)
    else:
        message = f"the source language folder courses/{course_id}/{source}/ has no modules"
        problems.append(Problem(path, fields.line("source_language"), message))
    quiz_path = f"quizzes/{course_id}/{source}.md"
    broken = any(p.path == quiz_path and p.severity == "error" for p in parsed.problems)
    problems += check_quizzes(source, parsed.quizzes, parsed.fields, quiz_path, broken)
    problems += check_guidelines(source, parsed.guidelines, parsed.fields)
    return problems


def _sort_key(problem: Problem) -> tuple[str, int, str]:
    return problem.path, problem.line or 0, problem.message


def build_course(course_id: str, files: dict[str, bytes]) -> tuple[Course | None, list[Problem]]:
    """Parse and validate one course from its files (relative path -> bytes)."""
    layout = _layout(course_id, list(files))
    parsed = _Parsed(problems=list(layout.problems))
    meta, fields = _parse_meta(course_id, layout, files, parsed)
    _parse_files(layout, files, parsed)
    problems = parsed.problems + _cross_checks(course_id, layout, fields, parsed)
    problems += [p for path, text in parsed.texts.items() for p in check_markers(path, text)]
    problems.sort(key=_sort_key)
    if meta is None or any(p.severity == "error" for p in problems):
        return None, problems
    modules = {
        lang: tuple(sorted(found.values(), key=lambda m: (m.position, m.id)))
        for lang, found in parsed.modules.items()
    }
    course = Course(
        meta, modules, dict(parsed.quizzes), parsed.texts, tree_hash(files), dict(parsed.guidelines)
    )
    return course, problems


def load_course(root: Path, course_id: str) -> tuple[Course | None, list[Problem]]:
    """Load ``courses/<id>`` and ``quizzes/<id>`` under ``root``; None when any error."""
    return build_course(course_id, read_tree(Path(root), course_id))


def _visible(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if not p.name.startswith("."))


def _stray_top(top: str, name: str) -> Problem:
    return Problem(f"{top}/{name}", None, f"unexpected file: {top}/ holds one folder per course")


def load_catalog(root: Path) -> tuple[dict[str, Course], list[Problem]]:
    """Every valid course under ``root/courses``, and the problems of all of them."""
    root = Path(root)
    catalog: dict[str, Course] = {}
    problems: list[Problem] = []
    for entry in _visible(root / "courses"):
        if not entry.is_dir():
            problems.append(_stray_top("courses", entry.name))
            continue
        course, found = load_course(root, entry.name)
        problems += found
        if course is not None:
            catalog[entry.name] = course
    for entry in _visible(root / "quizzes"):
        if not entry.is_dir():
            problems.append(_stray_top("quizzes", entry.name))
        elif not (root / "courses" / entry.name).is_dir():
            message = f"quizzes for a course that does not exist: courses/{entry.name}/ is missing"
            problems.append(Problem(f"quizzes/{entry.name}", None, message))
    return catalog, problems
