"""Quiz files: ``quizzes/<course-id>/<lang>.md``.

Questions are found line by line rather than from the rendered HTML so that every problem
can name its line. Fenced code blocks are skipped when looking for headings and answers.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from string import ascii_lowercase
from typing import NamedTuple

from lms.content.cues import cue_warnings
from lms.content.files import SLUG
from lms.content.frontmatter import Fields
from lms.content.frontmatter import unknown_keys
from lms.content.model import Answer
from lms.content.model import Problem
from lms.content.model import Question
from lms.content.model import Quiz
from lms.content.modules import front_matter
from lms.content.modules import title_and_revision
from lms.content.reading import reading_seconds
from lms.content.render import html_text
from lms.content.render import render_inline
from lms.content.render import render_markdown

QUIZ_KEYS = {"title", "draw", "pool", "shuffle", "translation_of"}
KINDS = ("single", "multiple", "true-false")
MAX_ANSWERS = len(ascii_lowercase)  # answer ids are the letters a-z

HEADING = re.compile(r"^##(?!#)(.*)$")
ATTRIBUTES = re.compile(r"\s*\{:?([^{}]*)\}\s*$")
BULLET = re.compile(r"^[-*+](?:[ \t]|$)")
TASK = re.compile(r"^[-*+][ \t]+\[([ xX])\](?:[ \t]+(.*))?$")
QUOTE = re.compile(r"^ {0,3}> ?")
CODE_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
TASK_HINT = "write answers as a task list: - [x] for a right answer, - [ ] for a wrong one"


class Line(NamedTuple):
    no: int  # 1-based line in the file
    text: str
    fenced: bool  # inside (or opening/closing) a fenced code block

    @property
    def blank(self) -> bool:
        return not self.text.strip()

    @property
    def bullet(self) -> bool:
        return not self.fenced and bool(BULLET.match(self.text))


COMMENT = re.compile(r"^\s*<!--.*-->\s*$")
MODULE_NOTE = re.compile(r"^\s*<!--\s*module\s*:(.*?)-->\s*$")


class Note(NamedTuple):
    """A ``<!-- module: id -->`` line: the module the question above it assesses."""

    no: int
    module: str  # as written


def _lines(body: str, first: int) -> tuple[list[Line], list[Note]]:
    """The body's lines without whole-line HTML comments, which are never shown; and the
    module notes among those comments."""
    result: list[Line] = []
    notes: list[Note] = []
    fence = ""
    for offset, text in enumerate(body.split("\n")):
        if not fence and COMMENT.match(text):
            note = MODULE_NOTE.match(text)
            if note:
                notes.append(Note(first + offset, note.group(1).strip()))
            continue
        match = CODE_FENCE.match(text)
        if fence:
            if text.strip().startswith(fence) and not text.strip().strip(fence[0]):
                fence, inside = "", True
            else:
                inside = True
        elif match:
            fence, inside = match.group(1), True
        else:
            inside = False
        result.append(Line(first + offset, text, inside))
    return result, notes


def _split(lines: list[Line]) -> tuple[list[Line], list[list[Line]]]:
    """(lines before the first question, one list of lines per question)."""
    preamble: list[Line] = []
    blocks: list[list[Line]] = []
    for line in lines:
        if not line.fenced and HEADING.match(line.text):
            blocks.append([line])
        elif blocks:
            blocks[-1].append(line)
        else:
            preamble.append(line)
    return preamble, blocks


class _Heading(NamedTuple):
    prompt: str
    id: str | None
    kind: str  # "" when missing or unknown


def _heading(line: Line, path: str) -> tuple[_Heading, list[Problem]]:
    """Question text, id and type from ``## text {#id .type}``."""
    heading = HEADING.match(line.text)
    assert heading, "_split starts every question block at its ## heading"
    text = re.sub(r"\s+#+\s*$", "", heading.group(1)).strip()
    attributes = ATTRIBUTES.search(text)
    if not attributes:
        message = "a question heading must end with {#id .type}, e.g. {#launch-date .single}"
        return _Heading(text, None, ""), [Problem(path, line.no, message)]
    problems: list[Problem] = []
    tokens = attributes.group(1).split()
    ids = [t[1:] for t in tokens if t.startswith("#")]
    kinds = [t[1:] for t in tokens if t.startswith(".")]
    for token in tokens:
        if token[0] not in "#.":
            problems.append(Problem(path, line.no, f"unexpected '{token}' in {{…}}"))
    qid, found = _question_id(ids, line, path)
    problems += found
    kind, found = _kind(kinds, line, path)
    problems += found
    prompt = text[: attributes.start()].strip()
    if not prompt:
        problems.append(Problem(path, line.no, "the question has no text"))
    return _Heading(prompt, qid, kind), problems


def _question_id(ids: list[str], line: Line, path: str) -> tuple[str | None, list[Problem]]:
    if len(ids) != 1:
        message = "a question needs one id, e.g. {#launch-date .single}"
        return None, [Problem(path, line.no, message)]
    if not SLUG.match(ids[0]):
        message = f"question id '{ids[0]}' must be lower-case letters, digits and hyphens"
        return None, [Problem(path, line.no, message)]
    return ids[0], []


def _kind(kinds: list[str], line: Line, path: str) -> tuple[str, list[Problem]]:
    types = "use .single, .multiple or .true-false"
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        return "", [Problem(path, line.no, f"unknown question type .{unknown[0]}: {types}")]
    if len(kinds) != 1:
        return "", [Problem(path, line.no, f"a question needs exactly one type: {types}")]
    return kinds[0], []


def _list_end(lines: list[Line], start: int) -> int:
    """Index after the bullet list starting at ``start`` (trailing blank lines excluded)."""
    end = start + 1
    while end < len(lines):
        line = lines[end]
        # A fence at column 0 ends the list like any other unindented text.
        if not (line.blank or line.bullet or line.text[0] in " \t"):
            break
        end += 1
    while lines[end - 1].blank:
        end -= 1
    return end


def _answers_start(lines: list[Line], start: int, first_task: int) -> int:
    """Where the answers begin in a list whose first task item is at ``first_task``.

    Items right above it (no blank line between) are answers that lack a checkbox; items
    separated by a blank line are a list in the scenario.
    """
    k = first_task
    while k > start and not lines[k - 1].blank:
        k -= 1
    while not lines[k].bullet:
        k += 1
    return k


def _sections(lines: list[Line]) -> tuple[list[Line], list[Line], list[Line]]:
    """(scenario, answer list, after): the answers are the first list with a task item."""
    i = 0
    while i < len(lines):
        if not lines[i].bullet:
            i += 1
            continue
        end = _list_end(lines, i)
        tasks = (j for j in range(i, end) if lines[j].bullet and TASK.match(lines[j].text))
        first_task = next(tasks, None)
        if first_task is not None:
            begin = _answers_start(lines, i, first_task)
            return lines[:begin], lines[begin:end], lines[end:]
        i = end
    return lines, [], []


def _unquote(lines: list[str]) -> str:
    return "\n".join(QUOTE.sub("", line, count=1) for line in lines)


def _dedent(text: str) -> str:
    # List-item continuation: up to four columns belong to the item, not to the content.
    return re.sub(r"^(?: {1,4}|\t)", "", text, count=1)


def _answer(item: list[Line], index: int, path: str) -> tuple[Answer | None, list[Problem]]:
    match = TASK.match(item[0].text)
    if not match:
        message = f"this answer is not a task item: {TASK_HINT}"
        return None, [Problem(path, item[0].no, message)]
    rest = [_dedent(line.text) for line in item[1:]]
    split = next((i for i, text in enumerate(rest) if QUOTE.match(text)), len(rest))
    words = " ".join([match.group(2) or "", *rest[:split]]).strip()
    problems = [] if words else [Problem(path, item[0].no, "the answer has no text")]
    feedback = _unquote(rest[split:]).strip()
    answer = Answer(
        id=ascii_lowercase[index % MAX_ANSWERS],
        html=render_inline(words),
        correct=match.group(1) != " ",
        feedback_html=render_markdown(feedback) if feedback else "",
    )
    return answer, problems


def _answers(lines: list[Line], path: str) -> tuple[list[Answer], bool, list[Problem]]:
    """(answers, all items were task items, problems)."""
    items: list[list[Line]] = []
    for line in lines:
        if line.bullet:
            items.append([line])
        else:
            items[-1].append(line)
    answers: list[Answer] = []
    problems: list[Problem] = []
    for item in items:
        answer, found = _answer(item, len(answers), path)
        problems += found
        if answer:
            answers.append(answer)
    return answers, len(answers) == len(items), problems


def _explanation(lines: list[Line], path: str) -> tuple[str, list[Problem]]:
    """The block quote after the answers; anything else there is an error."""
    kept: list[str] = []
    in_quote = False
    for line in lines:
        if line.blank:
            in_quote = False
            kept.append("")
        elif QUOTE.match(line.text) or (in_quote and not line.bullet):  # or lazy continuation
            in_quote = True
            kept.append(line.text)
        else:
            hint = (
                "answers must form one list: indent feedback under its answer (  > …)"
                if line.bullet
                else "only a block quote (> …), the explanation, may follow the answers"
            )
            return "", [Problem(path, line.no, hint)]
    text = _unquote(kept).strip()
    return (render_markdown(text) if text else ""), []


def _check_answers(kind: str, answers: list[Answer], line: int, path: str) -> list[Problem]:
    """The rules for the number of answers and of correct answers, by question type."""
    correct = sum(a.correct for a in answers)
    count = len(answers)
    if not answers:
        return [Problem(path, line, f"the question has no answers: {TASK_HINT}")]
    rules = [
        (count > MAX_ANSWERS, f"a question may have at most {MAX_ANSWERS} answers"),
        (correct == 0, "the question has no correct answer: mark it - [x]"),
        (kind == "single" and correct > 1,
         f"a .single question needs exactly one correct answer, found {correct}"),
        (kind == "true-false" and count != 2,
         f"a .true-false question needs exactly two answers (true, then false), found {count}"),
        (kind == "true-false" and correct > 1,
         f"a .true-false question needs exactly one correct answer, found {correct}"),
    ]  # fmt: skip
    return [Problem(path, line, message) for failed, message in rules if failed]


def _module(notes: list[Note], path: str) -> tuple[str | None, list[Problem]]:
    """The module a question's notes name; None when it has none (or a broken one)."""
    if not notes:
        return None, []
    first, problems = notes[0], []
    for extra in notes[1:]:
        message = f"a question assesses one module: already <!-- module: {first.module} -->"
        problems.append(Problem(path, extra.no, message))
    if not SLUG.match(first.module):
        message = (
            f"'{first.module}' is not a module id: write the module file's id, "
            "e.g. <!-- module: who-you-are --> for 02-who-you-are.md"
        )
        return None, [Problem(path, first.no, message), *problems]
    return first.module, problems


def parse_question(
    block: list[Line], lang: str, path: str, notes: list[Note] | None = None
) -> tuple[Question | None, list[Problem]]:
    """One ``##`` question; None when it has no usable id. ``notes`` are the module notes
    between its heading and the next question."""
    head, problems = _heading(block[0], path)
    module, found = _module(notes or [], path)
    problems += found
    scenario_lines, answer_lines, after = _sections(block[1:])
    answers, all_tasks, found = _answers(answer_lines, path)
    problems += found
    explanation, found = _explanation(after, path)
    problems += found
    if all_tasks:  # else the counts would be off by the broken items
        problems += _check_answers(head.kind, answers, block[0].no, path)
    if head.id is None:
        return None, problems
    prompt_html = render_inline(head.prompt)
    scenario = "\n".join(line.text for line in scenario_lines).strip()
    scenario_html = render_markdown(scenario) if scenario else ""
    texts = [html_text(h) for h in (prompt_html, scenario_html, *(a.html for a in answers))]
    question = Question(
        id=head.id,
        kind=head.kind,  # type: ignore[arg-type]  # "" only when a problem was reported
        prompt_html=prompt_html,
        scenario_html=scenario_html,
        answers=tuple(answers),
        explanation_html=explanation,
        reading_seconds=reading_seconds(" ".join(texts), lang),
        line=block[0].no,
        module=module,
    )
    return question, problems


class Draw(NamedTuple):
    """How an attempt draws: ``questions`` per attempt, at least ``per_module`` from every
    module that has questions (0: a plain random draw, as the legacy ``pool``)."""

    questions: int
    per_module: int
    shuffle: bool


DRAW_KEYS = {"questions", "per_module"}
DRAW_EXAMPLE = "draw:\n  questions: 12\n  per_module: 1"


def _whole(value, low: int, high: int | None = None) -> bool:
    return type(value) is int and low <= value and (high is None or value <= high)


def _draw(fields: Fields, count: int, path: str) -> tuple[Draw, list[Problem]]:
    """The draw from the front matter (``draw:``, or the legacy ``pool:``), with defaults.

    ``count`` is the number of question headings, so that a broken question does not make
    a sound draw look wrong as well.
    """
    problems = []
    shuffle = fields.values.get("shuffle", True)
    if not isinstance(shuffle, bool):
        problems.append(Problem(path, fields.line("shuffle"), "shuffle must be true or false"))
        shuffle = True
    if "draw" in fields.key_lines:
        questions, per_module, found = _draw_block(fields, count, path)
        return Draw(questions, per_module, shuffle), problems + found
    pool = fields.values.get("pool", count)
    if "pool" in fields.key_lines and not _whole(pool, 1, count):
        message = f"pool must be a whole number from 1 to the number of questions ({count})"
        problems.append(Problem(path, fields.line("pool"), message))
        pool = count
    return Draw(pool, 0, shuffle), problems


def _draw_block(fields: Fields, count: int, path: str) -> tuple[int, int, list[Problem]]:
    """(questions, per_module, problems) from ``draw:``."""
    line = fields.line("draw")
    block = fields.children.get("draw")
    if block is None:
        message = f"draw holds questions and per_module on indented lines:\n{DRAW_EXAMPLE}"
        return count, 0, [Problem(path, line, message)]
    problems = unknown_keys(block, DRAW_KEYS, path)
    if "pool" in fields.key_lines:
        message = "use draw or pool, not both: pool: N is draw with questions: N"
        problems.append(Problem(path, fields.line("pool"), message))
    questions = block.values.get("questions", count)
    if "questions" in block.key_lines and not _whole(questions, 1, count):
        message = (
            f"draw: questions must be a whole number from 1 to the number of questions ({count})"
        )
        problems.append(Problem(path, block.line("questions"), message))
        questions = count
    per_module = block.values.get("per_module", 0)
    if not _whole(per_module, 0):
        message = "draw: per_module must be a whole number, 0 or more (0: no minimum per module)"
        problems.append(Problem(path, block.line("per_module", line), message))
        per_module = 0
    return questions, per_module, problems


def _module_problems(
    questions: list[Question], draw: Draw, fields: Fields, path: str
) -> list[Problem]:
    """A draw of ``per_module`` from every module must be possible on every attempt."""
    if not draw.per_module:
        return []
    problems = []
    for question in questions:
        if question.module is None:
            message = (
                f"question '{question.id}' names no module, but the draw takes per_module "
                "from every module: add <!-- module: <module id> --> under its heading"
            )
            problems.append(Problem(path, question.line, message))
    block = fields.children.get("draw")
    line = block.line("per_module") if block else None
    counts = Counter(q.module for q in questions if q.module)
    for module, found in counts.items():
        if found < draw.per_module:
            message = (
                f"module '{module}' has {found} question(s): per_module: {draw.per_module} "
                "needs that many from every module with questions"
            )
            problems.append(Problem(path, line, message))
    needed = draw.per_module * len(counts)
    if needed > draw.questions:
        message = (
            f"per_module: {draw.per_module} from each of {len(counts)} modules is {needed} "
            f"questions, more than the {draw.questions} drawn per attempt"
        )
        problems.append(Problem(path, line, message))
    return problems


def _questions(
    blocks: list[list[Line]], notes: list[list[Note]], lang: str, path: str
) -> tuple[list[Question], list[Problem]]:
    questions: list[Question] = []
    problems: list[Problem] = []
    first_line: dict[str, int] = {}
    for block, block_notes in zip(blocks, notes, strict=True):
        question, found = parse_question(block, lang, path, block_notes)
        problems += found
        if question is None:
            continue
        if question.id in first_line:
            first = first_line[question.id]
            message = f"duplicate question id '{question.id}' (first on line {first})"
            problems.append(Problem(path, question.line, message))
            continue
        first_line[question.id] = question.line
        questions.append(question)
    return questions, problems


def parse_quiz(
    text: str, path: str, lang: str, revision: str
) -> tuple[Quiz, list[Problem], Fields]:
    """Parse one quiz file. The Quiz is returned even with problems, for comparisons."""
    doc, problems = front_matter(text, path, QUIZ_KEYS)
    title, translation_of, found = title_and_revision(doc, path)
    problems += found
    lines, notes = _lines(doc.body, doc.body_line)
    preamble, blocks = _split(lines)
    stray = next((line for line in preamble if not line.blank), None)
    if stray:
        message = "text before the first question: each question starts with ## text {#id .type}"
        problems.append(Problem(path, stray.no, message))
    if doc.closed and not blocks:
        problems.append(Problem(path, max(doc.body_line - 1, 1), "the quiz has no questions"))
    by_block, found = _notes_by_block(notes, blocks, path)
    problems += found
    questions, found = _questions(blocks, by_block, lang, path)
    problems += found
    draw, found = _draw(doc.fields, len(blocks), path)
    problems += found + _module_problems(questions, draw, doc.fields, path)
    quiz = Quiz(
        lang=lang,
        title=title,
        pool=draw.questions,
        shuffle=draw.shuffle,
        questions=tuple(questions),
        revision=revision,
        translation_of=translation_of,
        path=path,
        per_module=draw.per_module,
    )
    return quiz, problems + cue_warnings(quiz), doc.fields


def _notes_by_block(
    notes: list[Note], blocks: list[list[Line]], path: str
) -> tuple[list[list[Note]], list[Problem]]:
    """The module notes of each question: those between its heading and the next."""
    starts = [block[0].no for block in blocks]
    by_block: list[list[Note]] = [[] for _ in blocks]
    problems = []
    for note in notes:
        index = bisect_right(starts, note.no) - 1
        if index < 0:
            message = "a module note belongs under a question's heading"
            problems.append(Problem(path, note.no, message))
        else:
            by_block[index].append(note)
    return by_block, problems
