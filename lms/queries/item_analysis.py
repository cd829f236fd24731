"""Item analysis of one published version's quiz: per question and language, how often it
was drawn, the share answered right, its discrimination, the wrong answer chosen most
often, and a flag where one language differs sharply (a likely translation fault).

One GROUP BY over ``attempt_responses`` (question, language, right, chosen answers) and
arithmetic in Python over its few hundred rows (:mod:`lms.rules.item_analysis`). Only
aggregates leave here, never a person: a language with fewer than
:data:`~lms.rules.item_analysis.MIN_ATTEMPTS` attempts at a question shows no figure,
and counts nowhere else either (not in "all languages", not as "the other languages"
of a flag), so no figure shown can be subtracted from another to reveal it.

Cost: the GROUP BY reads every response of the version once. At 100,000 employees
(``python -m bench.generate``: 1.07 million responses for the required course) it took
1.2–1.7 s on PostgreSQL on a busy 2-CPU machine, where reading and grading the attempts'
JSON took 40 s. Should that grow too slow, the sums are additive: counters per group kept
at submission would answer in milliseconds.
"""

from collections import Counter
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa

from lms import content
from lms.extensions import db
from lms.models import AttemptResponse
from lms.models import CourseVersion
from lms.queries import catalog
from lms.rules import item_analysis as rules

CSV_COLUMNS = (
    "course",
    "version",
    "question_id",
    "language",  # "all": every language with enough attempts, together
    "attempts",
    "share_right",
    "discrimination",
    "most_chosen_wrong_answer",
    "most_chosen_wrong_count",
    "translation_flag",
    "suppressed",
)
ALL = "all"


@dataclass(frozen=True)
class Cell:
    """One question in one language (or all of them), with its figures."""

    lang: str | None  # None: all shown languages together
    sums: rules.Sums
    wrong: tuple[tuple[str, ...], int] | None  # most chosen wrong answer ids, and how often
    flagged: bool = False

    @property
    def shown(self) -> bool:
        return self.sums.shown

    @property
    def share_right(self) -> float | None:
        return self.sums.share_right if self.shown else None

    @property
    def discrimination(self) -> float | None:
        return rules.discrimination(self.sums) if self.shown else None


@dataclass(frozen=True)
class Item:
    """One question of the version's quiz, with its answers' text for labelling."""

    question: content.Question  # in the source language
    everyone: Cell
    languages: list[Cell]

    @property
    def flagged(self) -> bool:
        return any(cell.flagged for cell in self.languages)


@dataclass(frozen=True)
class Analysis:
    course: content.Course
    version: CourseVersion
    items: list[Item]
    languages: list[str]  # languages that answered, the source language first

    def quiz_language(self, lang: str | None) -> str:
        """The language of the quiz learners of ``lang`` took (the source language when
        it has no quiz in theirs)."""
        return self.course.quiz(lang or self.course.meta.source_language).lang

    def answer_text(self, lang: str | None, question_id: str, answer_id: str) -> str:
        """An answer's HTML in the quiz learners of ``lang`` took."""
        question = self.course.quiz(self.quiz_language(lang)).question(question_id)
        answer = (
            next((a for a in question.answers if a.id == answer_id), None) if question else None
        )
        return answer.html if answer else ""


def versions(course_id: str) -> list[CourseVersion]:
    """The course's published versions, newest first."""
    return list(
        db.session.scalars(
            sa.select(CourseVersion)
            .where(CourseVersion.course_id == course_id)
            .order_by(CourseVersion.major.desc(), CourseVersion.minor.desc())
        )
    )


def analyse(version: CourseVersion) -> Analysis:
    """The item analysis of ``version``'s quiz from every submitted attempt on it."""
    course = catalog.course_of(version)
    sums: dict[tuple[str, str], rules.Sums] = defaultdict(rules.Sums)
    wrong: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for question_id, lang, right, chosen, group in _groups(version.id):
        sums[question_id, lang] += group
        if not right:
            wrong[question_id, lang][chosen] += group.drawn
    source = course.meta.source_language
    languages = sorted({lang for _, lang in sums}, key=lambda lang: (lang != source, lang))
    questions = course.quiz(source).questions
    items = [_item(question, source, languages, sums, wrong) for question in questions]
    return Analysis(course, version, items, languages)


def _groups(version_id: int) -> Iterator[tuple[str, str, bool, str, rules.Sums]]:
    """The sums per question, language, right or not, and answers chosen: a few hundred
    rows however many attempts (the index holds every column it reads)."""
    r = AttemptResponse
    rest = r.rest_score
    # Grouped by right or not too: the sums of the right answers are their groups' sums.
    stmt = (
        sa.select(
            r.question_id,
            r.lang,
            r.correct,
            r.chosen,
            sa.func.count(),
            sa.func.count(rest),
            sa.func.sum(rest),  # NULL when no attempt of the group drew another question
            sa.func.sum(rest * rest),
        )
        .where(r.course_version_id == version_id)
        .group_by(r.question_id, r.lang, r.correct, r.chosen)
    )
    for question_id, lang, right, chosen, n, n_rest, summed, summed_squares in db.session.execute(
        stmt
    ):
        total, squares = float(summed or 0), float(summed_squares or 0)
        yield (
            question_id,
            lang,
            bool(right),
            chosen,
            rules.Sums(
                drawn=n,
                right=n if right else 0,
                with_rest=n_rest,
                right_with_rest=n_rest if right else 0,
                rest=total,
                rest_squared=squares,
                rest_when_right=total if right else 0.0,
            ),
        )


def _item(question, source: str, languages, sums, wrong) -> Item:
    cells = {lang: sums.get((question.id, lang), rules.Sums()) for lang in languages}
    shown = [lang for lang in languages if cells[lang].shown]
    everyone = sum((cells[lang] for lang in shown), rules.Sums())
    wrong_everyone: Counter = sum(
        (wrong.get((question.id, lang), Counter()) for lang in shown), Counter()
    )
    # What a translation is compared with (rules.item_analysis.FLAG_GAP): the source
    # language, else every other language with enough attempts together.
    reference = {
        lang: cells[source]
        if source in shown
        else sum((cells[other] for other in shown if other != lang), rules.Sums())
        for lang in languages
    }
    language_cells = [
        Cell(
            lang,
            cells[lang],
            _most_chosen(wrong.get((question.id, lang))) if cells[lang].shown else None,
            lang != source and rules.translation_flag(cells[lang], reference[lang]),
        )
        for lang in languages
    ]
    return Item(question, Cell(None, everyone, _most_chosen(wrong_everyone)), language_cells)


def _most_chosen(counter: Counter | None) -> tuple[tuple[str, ...], int] | None:
    if not counter:
        return None
    chosen, count = min(counter.items(), key=lambda pair: (-pair[1], pair[0]))
    return tuple(chosen.split(",")) if chosen else (), count


def csv_rows(analysis: Analysis) -> Iterator[tuple]:
    """The page's figures, a row per question and language ("all" first)."""
    for item in analysis.items:
        for cell in [item.everyone, *item.languages]:
            wrong = cell.wrong if cell.shown else None
            yield (
                analysis.course.id,
                analysis.version.version,
                item.question.id,
                cell.lang or ALL,
                cell.sums.drawn if cell.shown else None,
                _rounded(cell.share_right, 3),
                _rounded(cell.discrimination, 3),
                (",".join(wrong[0]) or "-") if wrong else None,
                wrong[1] if wrong else None,
                cell.flagged,
                not cell.shown,
            )


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)
