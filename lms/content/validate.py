"""Checks across languages: translations must match the source language."""

from __future__ import annotations

from lms.content.frontmatter import Fields
from lms.content.model import Module
from lms.content.model import Problem
from lms.content.model import Question
from lms.content.model import Quiz


def revision_warnings(item: Module | Quiz, source: Module | Quiz, fields: Fields) -> list[Problem]:
    """Warn about a translation that does not record, or no longer matches, its source."""
    if item.translation_of is None:
        if "translation_of" in fields.key_lines:
            return []  # present but malformed: already an error
        message = (
            f"translation without translation_of: add translation_of: {source.revision} "
            f"once it matches {source.path}"
        )
        return [Problem(item.path, 1, message, "warning")]
    if item.translation_of != source.revision:
        message = (
            f"out of date: translates revision {item.translation_of}, "
            f"source is now {source.revision} ({source.path})"
        )
        return [Problem(item.path, fields.line("translation_of", 1), message, "warning")]
    return []


def _source_only(item: Module | Quiz, fields: Fields) -> list[Problem]:
    if item.translation_of is None:
        return []
    message = "translation_of is only for translations: the source language file ignores it"
    return [Problem(item.path, fields.line("translation_of", 1), message, "warning")]


def check_modules(
    source: str,
    names: dict[str, dict[str, tuple[str, int]]],
    modules: dict[str, dict[str, Module]],
    fields: dict[str, Fields],
) -> list[Problem]:
    """Every language with modules has exactly the source language's files.

    ``names`` (lang -> id -> (path, NN)) comes from the file names, so a source file that
    could not be read still counts as present; ``modules`` are the parsed ones.
    """
    originals = names.get(source, {})
    parsed = modules.get(source, {})
    problems = [p for m in parsed.values() for p in _source_only(m, fields[m.path])]
    for lang, translated in names.items():
        if lang == source:
            continue
        for module_id, (path, _) in originals.items():
            if module_id not in translated:
                folder = path.rsplit("/", 2)[0] + f"/{lang}"
                message = (
                    f"missing module '{module_id}': {lang} learners see the {source} text "
                    f"until {path} is translated"
                )
                problems.append(Problem(folder, None, message, "warning"))
        for module_id, (path, position) in translated.items():
            if module_id not in originals:
                message = f"module '{module_id}' does not exist in the source language {source}"
                problems.append(Problem(path, None, message))
            elif position != originals[module_id][1]:
                expected = originals[module_id][0].rsplit("/", 1)[-1]
                message = f"the file name must match the source language's: {expected}"
                problems.append(Problem(path, None, message))
            elif module_id in parsed and module_id in modules.get(lang, {}):
                module = modules[lang][module_id]
                problems += revision_warnings(module, parsed[module_id], fields[module.path])
    return problems


def check_quizzes(
    source: str,
    quizzes: dict[str, Quiz],
    fields: dict[str, Fields],
    source_path: str,
    source_broken: bool,
) -> list[Problem]:
    """The source quiz exists; every translation asks the same questions the same way.

    With errors in the source quiz, translations are not compared: every comparison with
    a broken source would only repeat its error.
    """
    original = quizzes.get(source)
    if original is None:
        if source_broken:
            return []  # it exists but could not be read; that is reported already
        return [Problem(source_path, None, f"quiz missing for the source language {source}")]
    problems = _source_only(original, fields[original.path])
    for lang, quiz in quizzes.items():
        if lang != source:
            if not source_broken:
                problems += _compare_quiz(quiz, original, fields[quiz.path])
            problems += revision_warnings(quiz, original, fields[quiz.path])
    return problems


def _compare_quiz(quiz: Quiz, original: Quiz, fields: Fields) -> list[Problem]:
    problems = []
    ours = {q.id for q in quiz.questions}
    theirs = [q.id for q in original.questions]
    missing = [i for i in theirs if i not in ours]
    extra = [q.id for q in quiz.questions if q.id not in set(theirs)]
    if missing or extra:
        parts = [f"missing {', '.join(missing)}" if missing else "",
                 f"extra {', '.join(extra)}" if extra else ""]  # fmt: skip
        detail = "; ".join(p for p in parts if p)
        message = f"question ids differ from {original.path}: {detail}"
        problems.append(Problem(quiz.path, None, message))
    for question in quiz.questions:
        source_question = original.question(question.id)
        if source_question is not None:
            problems += _compare_question(question, source_question, quiz.path, original.lang)
    for key in ("pool", "per_module", "shuffle"):
        mine, other = getattr(quiz, key), getattr(original, key)
        if mine != other:
            name, line = _setting(fields, key)
            message = f"{name} is {mine} here but {other} in {original.path}"
            problems.append(Problem(quiz.path, line, message))
    return problems


#: Quiz settings written under ``draw:``, by the Quiz attribute that holds them.
_DRAW_KEYS = {"pool": "questions", "per_module": "per_module"}


def _setting(fields: Fields, key: str) -> tuple[str, int]:
    """(name as the author writes it, line) of a quiz setting; line 1 when not written."""
    if key in _DRAW_KEYS and "draw" in fields.key_lines:
        draw = fields.children.get("draw") or Fields()
        nested = _DRAW_KEYS[key]
        return f"draw: {nested}", draw.line(nested) or fields.line("draw") or 1
    return key, fields.line(key) or 1


def _letters(question: Question) -> str:
    return ", ".join(sorted(question.correct_ids)) or "none"


def _compare_question(question: Question, source: Question, path: str, lang: str) -> list[Problem]:
    """Same type, answer count and correct positions, so scores compare across languages."""
    where = f"question '{question.id}'"
    if question.kind and source.kind and question.kind != source.kind:
        message = f"{where} is .{question.kind} here but .{source.kind} in {lang}"
        return [Problem(path, question.line, message)]
    if len(question.answers) != len(source.answers):
        message = (
            f"{where} has {len(question.answers)} answers here but {len(source.answers)} in {lang}"
        )
        return [Problem(path, question.line, message)]
    if question.correct_ids != source.correct_ids:
        message = (
            f"{where}: correct answers ({_letters(question)}) differ from {lang} "
            f"({_letters(source)}); answers are matched by position"
        )
        return [Problem(path, question.line, message)]
    if question.module != source.module:
        message = (
            f"{where} assesses module '{question.module or 'none'}' here but "
            f"'{source.module or 'none'}' in {lang}: every language draws alike"
        )
        return [Problem(path, question.line, message)]
    return []


def check_question_modules(quizzes: dict[str, Quiz], module_ids: list[str], source: str):
    """Every question's module is one of the course's; with ``per_module`` set, a module
    without questions is never assessed (a warning, on the source quiz)."""
    problems = []
    known = set(module_ids)
    for quiz in quizzes.values():
        for question in quiz.questions:
            if question.module is not None and question.module not in known:
                message = (
                    f"question '{question.id}' names module '{question.module}', which this "
                    f"course does not have (its modules: {', '.join(module_ids)})"
                )
                problems.append(Problem(quiz.path, question.line, message))
    original = quizzes.get(source)
    if original is not None and original.per_module:
        assessed = {q.module for q in original.questions}
        for module_id in module_ids:
            if module_id not in assessed:
                message = (
                    f"module '{module_id}' has no questions: no attempt asks about it "
                    "(per_module draws only from modules with questions)"
                )
                problems.append(Problem(original.path, 1, message, "warning"))
    return problems


def check_guidelines(source: str, pages: dict[str, Module], fields: dict[str, Fields]):
    """Translated guidelines record their source revision; they need a source to translate."""
    original = pages.get(source)
    problems = []
    for lang, page in pages.items():
        if lang == source:
            continue
        if original is None:
            message = f"guidelines without a {source} original to translate from"
            problems.append(Problem(page.path, None, message))
        else:
            problems += revision_warnings(page, original, fields[page.path])
    return problems
