"""The content domain: frozen values built from the Markdown files.

Nothing here knows about Flask or the database. A :class:`Course` is everything a learner
needs from one published version of a course, already rendered and sanitised, so it can be
stored as JSON with the version (:meth:`Course.to_dict`) and rebuilt without re-rendering
(:meth:`Course.from_dict`).
"""

from __future__ import annotations

from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from typing import Literal

from lms.content.reading import quiz_seconds

Severity = Literal["error", "warning"]
QuestionKind = Literal["single", "multiple", "true-false"]
# Bumped whenever to_dict's shape changes, so stored versions are never misread. Fields
# added with a default that means "as before" (Question.module, Quiz.per_module) need no
# bump: a version stored without them is read as it was published.
DICT_FORMAT = 1


@dataclass(frozen=True)
class Problem:
    """One finding of the validator, located by file (relative to the content root) and line."""

    path: str
    line: int | None
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.severity}: {self.message}"


@dataclass(frozen=True)
class CourseMeta:
    """The course's ``course.yml``."""

    id: str
    version: str  # "MAJOR.MINOR"
    source_language: str
    titles: dict[str, str]
    descriptions: dict[str, str] = field(default_factory=dict)
    required: bool = False
    pass_mark: int = 80
    validity_days: int = 365
    renewal_window_days: int = 30
    due_days: int = 30
    min_seat_time_minutes: int = 0
    attempt_limit: int | None = None
    cooldown_hours: int | None = None
    recertify_grace_days: int = 30
    #: Learners affirm the policy in writing before the certification is issued; the
    #: statement per language may name {title} and {version} (validated in meta.py).
    attestation_required: bool = False
    attestation_statements: dict[str, str] = field(default_factory=dict)

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    @property
    def minor(self) -> int:
        return int(self.version.split(".")[1])

    def title(self, lang: str) -> str:
        return self.titles.get(lang) or self.titles[self.source_language]

    def description(self, lang: str) -> str:
        return self.descriptions.get(lang) or self.descriptions.get(self.source_language, "")

    def attestation_statement(self, lang: str, version: str) -> tuple[str, str]:
        """``(language, text)`` of the statement a learner affirms: in ``lang``, else in
        the source language, with the course title (same language) and ``version`` filled in.
        """
        used = lang if lang in self.attestation_statements else self.source_language
        template = self.attestation_statements.get(used, "")
        return used, template.format(title=self.title(used), version=version)

    def title_lang(self, lang: str) -> str:
        """The language :meth:`title` is in: ``lang``, or the source language."""
        return lang if self.titles.get(lang) else self.source_language

    def description_lang(self, lang: str) -> str:
        return lang if self.descriptions.get(lang) else self.source_language


@dataclass(frozen=True)
class Module:
    """One module in one language, rendered."""

    id: str  # the slug from the file name, stable across languages
    position: int  # the NN from the file name
    lang: str
    title: str
    html: str  # rendered and sanitised
    reading_seconds: int
    revision: str  # 12 hex digits, see docs/content-format.md
    translation_of: str | None  # the source revision a translation records
    path: str  # relative to the content root, e.g. "courses/x/en/01-a.md"


@dataclass(frozen=True)
class Answer:
    id: str  # position in the file: "a", "b", … — the same in every language
    html: str  # rendered inline Markdown
    correct: bool
    feedback_html: str  # "" when none


@dataclass(frozen=True)
class Question:
    id: str
    kind: QuestionKind
    prompt_html: str  # the heading text, rendered inline
    scenario_html: str  # "" when none
    answers: tuple[Answer, ...]
    explanation_html: str  # "" when none
    reading_seconds: int  # reading time of prompt, scenario and answers
    line: int  # where the question starts in its file
    module: str | None = None  # the module it assesses: <!-- module: id --> under its heading

    @property
    def correct_ids(self) -> frozenset[str]:
        return frozenset(a.id for a in self.answers if a.correct)


@dataclass(frozen=True)
class Quiz:
    lang: str
    title: str
    pool: int  # questions drawn per attempt: draw.questions, or the legacy pool
    shuffle: bool
    questions: tuple[Question, ...]
    revision: str
    translation_of: str | None
    path: str
    per_module: int = 0  # draw.per_module: at least this many from every module; 0: none

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


@dataclass(frozen=True)
class Course:
    """One valid version of a course: metadata, modules and quiz in every language."""

    meta: CourseMeta
    modules: dict[str, tuple[Module, ...]]  # lang -> modules in order
    quizzes: dict[str, Quiz]  # lang -> quiz
    sources: dict[str, str]  # relative path -> file text, frozen with the version
    content_hash: str  # hash over all source files; changes whenever any file changes
    guidelines: dict[str, Module] = field(default_factory=dict)  # lang -> public summary
    #: The source revisions a translation may record and still be served, by item
    #: (:func:`item_key`), as publishing set them (translation_status.accepted_after):
    #: the texts of this major version. Empty for a course built from files, and in
    #: versions published before: then only the current source revision.
    accepted: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: Names the company settings filled in (lms.content.company); "" for raw markers.
    company: str = ""

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def languages(self) -> list[str]:
        """Languages with at least one module, source language first."""
        source = self.meta.source_language
        others = sorted(lang for lang, found in self.modules.items() if found and lang != source)
        return [source, *others] if self.modules.get(source) else others

    @property
    def module_ids(self) -> list[str]:
        """Module ids in source-language order."""
        return [m.id for m in self.modules.get(self.meta.source_language, ())]

    def module(self, lang: str, module_id: str) -> Module | None:
        """The module in ``lang``, falling back to the source language when it is not
        translated or its translation lacks a change (:meth:`behind`); None if unknown."""
        for candidate in (lang, self.meta.source_language):
            found = self.translation(candidate, module_id)
            if found is not None and not self.behind(found):
                return found
        return None

    def translation(self, lang: str, module_id: str) -> Module | None:
        """The module's file in ``lang`` as it is, None when there is none."""
        return next((m for m in self.modules.get(lang, ()) if m.id == module_id), None)

    def behind(self, item: Module | Quiz) -> bool:
        """A translation that records an older source text than this version accepts:
        learners read the source language instead, so nobody studies (or is certified
        on) text that lacks a change. A translation that records none is served as it
        is (the validator warns about it)."""
        if item.lang == self.meta.source_language or item.translation_of is None:
            return False
        return item.translation_of not in self.accepted_revisions(item_key(item))

    def accepted_revisions(self, key: str) -> tuple[str, ...]:
        """The source revisions a translation of item ``key`` may record to be served."""
        return self.accepted.get(key) or self.source_revisions(key)

    def source_revisions(self, key: str) -> tuple[str, ...]:
        """The current source revision of item ``key`` (none if the item is gone)."""
        source = self.meta.source_language
        if key == QUIZ_KEY:
            quiz = self.quizzes.get(source)
            return (quiz.revision,) if quiz else ()
        module = self.translation(source, key.removeprefix("module:"))
        return (module.revision,) if module else ()

    def public_guidelines(self, lang: str) -> Module | None:
        """The public policy summary in ``lang``, falling back to the source language."""
        return self.guidelines.get(lang) or self.guidelines.get(self.meta.source_language)

    def quiz(self, lang: str) -> Quiz:
        """The quiz in ``lang``, falling back to the source language when it is not
        translated or its translation lacks a change (:meth:`behind`)."""
        found = self.quizzes.get(lang)
        if found is None or self.behind(found):
            return self.quizzes[self.meta.source_language]
        return found

    def reading_seconds(self, lang: str) -> int:
        """Modules (with fallback) plus the quiz, in ``lang``."""
        modules = (self.module(lang, module_id) for module_id in self.module_ids)
        return sum(m.reading_seconds for m in modules if m) + quiz_seconds(self.quiz(lang))

    def to_dict(self) -> dict:
        """A JSON-serialisable dict; :meth:`from_dict` rebuilds an equal Course."""
        return {
            "format": DICT_FORMAT,
            "meta": asdict(self.meta),
            "modules": {lang: [asdict(m) for m in found] for lang, found in self.modules.items()},
            "quizzes": {lang: asdict(quiz) for lang, quiz in self.quizzes.items()},
            "sources": dict(self.sources),
            "content_hash": self.content_hash,
            "guidelines": {lang: asdict(page) for lang, page in self.guidelines.items()},
            "accepted": {key: list(found) for key, found in self.accepted.items()},
        }

    @classmethod
    def from_dict(cls, data: dict) -> Course:
        """Inverse of :meth:`to_dict`; also accepts it after a JSON round trip."""
        if data.get("format") != DICT_FORMAT:
            raise ValueError(f"unsupported course dict format {data.get('format')!r}")
        return cls(
            meta=CourseMeta(**data["meta"]),
            modules={
                lang: tuple(Module(**m) for m in found) for lang, found in data["modules"].items()
            },
            quizzes={lang: _quiz_from_dict(q) for lang, q in data["quizzes"].items()},
            sources=dict(data["sources"]),
            content_hash=data["content_hash"],
            guidelines={lang: Module(**m) for lang, m in data.get("guidelines", {}).items()},
            # Older versions have none: read as "the current source revision only".
            accepted={key: tuple(found) for key, found in data.get("accepted", {}).items()},
        )


QUIZ_KEY = "quiz"


def item_key(item: Module | Quiz) -> str:
    """How :attr:`Course.accepted` names a module ("module:<id>") or the quiz."""
    return QUIZ_KEY if isinstance(item, Quiz) else f"module:{item.id}"


def _quiz_from_dict(data: dict) -> Quiz:
    questions = tuple(
        Question(**{**q, "answers": tuple(Answer(**a) for a in q["answers"])})
        for q in data["questions"]
    )
    return Quiz(**{**data, "questions": questions})
