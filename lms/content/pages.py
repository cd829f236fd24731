"""What a learner's course, module and quiz pages show, as values.

The learner pages and the author's preview both build their pages here, so the preview
shows exactly what a learner will see: the same text, language fallback, reading order,
previous/next and position. Links and learner state (progress, the "Done" button, time on
page) are not here: each blueprint makes its own links and adds its own state.
"""

from dataclasses import dataclass

from lms.content.model import Course
from lms.content.model import Module
from lms.content.model import Quiz


@dataclass(frozen=True)
class CoursePage:
    """The course page in ``lang``: its modules in reading order, each in ``lang`` or in
    the source language when not translated."""

    course: Course
    lang: str
    version: str  # the label shown: "1.2", or the preview's "draft after 1.2"
    modules: tuple[Module, ...]

    @property
    def title(self) -> str:
        return self.course.meta.title(self.lang)

    @property
    def description(self) -> str:
        return self.course.meta.description(self.lang)

    @property
    def reading_seconds(self) -> int:
        return self.course.reading_seconds(self.lang)


@dataclass(frozen=True)
class ModulePage:
    """One module in ``lang`` and its place in the course's reading order."""

    course: Course
    lang: str
    module: Module
    position: int  # 1-based
    total: int
    previous_id: str | None
    next_id: str | None

    @property
    def course_title(self) -> str:
        return self.course.meta.title(self.lang)

    @property
    def percent_before(self) -> int:
        """How far into the course this module starts, for the position bar."""
        return round(100 * (self.position - 1) / self.total)

    @property
    def translated(self) -> bool:
        return self.module.lang == self.lang

    @property
    def behind(self) -> bool:
        """The module has a translation in ``lang`` that lacks a change of this version:
        the source text is shown instead (Course.behind)."""
        translation = self.course.translation(self.lang, self.module.id)
        return not self.translated and translation is not None


@dataclass(frozen=True)
class QuizPage:
    """The quiz's introduction in ``lang`` (or the source language when not translated)."""

    course: Course
    lang: str
    quiz: Quiz

    @property
    def course_title(self) -> str:
        return self.course.meta.title(self.lang)

    @property
    def translated(self) -> bool:
        return self.quiz.lang == self.lang

    @property
    def behind(self) -> bool:
        """The quiz has a translation in ``lang`` that lacks a change of this version: the
        source-language questions are asked instead."""
        return not self.translated and self.lang in self.course.quizzes


def course_page(course: Course, lang: str, version: str) -> CoursePage:
    modules = (course.module(lang, module_id) for module_id in course.module_ids)
    return CoursePage(course, lang, version, tuple(m for m in modules if m is not None))


def module_page(course: Course, lang: str, module_id: str) -> ModulePage | None:
    """None when the course has no such module."""
    ids = course.module_ids
    module = course.module(lang, module_id) if module_id in ids else None
    if module is None:
        return None
    index = ids.index(module_id)
    return ModulePage(
        course,
        lang,
        module,
        position=index + 1,
        total=len(ids),
        previous_id=ids[index - 1] if index > 0 else None,
        next_id=ids[index + 1] if index + 1 < len(ids) else None,
    )


def quiz_page(course: Course, lang: str) -> QuizPage:
    return QuizPage(course, lang, course.quiz(lang))
