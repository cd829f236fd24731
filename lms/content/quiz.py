"""Quiz files: ``quizzes/<course-id>/<lang>.md``.

Questions are found line by line rather than from the rendered HTML so that every problem
can name its line. Fenced code blocks are skipped when looking for headings and answers.
"""

from __future__ import annotations

import re
from string import ascii_lowercase
from typing import NamedTuple

from lms.content.files import SLUG
from lms.content.frontmatter import Fields
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

QUIZ_KEYS = {"title", "pool", "shuffle", "translation_of"}
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


def _lines(body: str, first: int) -> list[Line]:
    """The body's lines, without whole-line HTML comments: authors annotate questions with
    them (``<!-- module: … -->``) anywhere, and they are never shown."""
    result, fence = [], ""
    for offset, text in enumerate(body.split("\n")):
        if not fence and COMMENT.match(text):
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
    return result


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


def parse_question(
    block: list[Line], lang: str, path: str
) -> tuple[Question | None, list[Problem]]:
    """One ``##`` question; None when it has no usable id."""
    head, problems = _heading(block[0], path)
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
    )
    return question, problems


def _settings(fields: Fields, count: int, path: str) -> tuple[int, bool, list[Problem]]:
    """(pool, shuffle) from the front matter, with their defaults."""
    problems = []
    pool = fields.values.get("pool", count)
    if "pool" in fields.key_lines and (type(pool) is not int or not 1 <= pool <= count):
        message = f"pool must be a whole number from 1 to the number of questions ({count})"
        problems.append(Problem(path, fields.line("pool"), message))
        pool = count
    shuffle = fields.values.get("shuffle", True)
    if not isinstance(shuffle, bool):
        problems.append(Problem(path, fields.line("shuffle"), "shuffle must be true or false"))
        shuffle = True
    return pool, shuffle, problems


def _questions(
    blocks: list[list[Line]], lang: str, path: str
) -> tuple[list[Question], list[Problem]]:
    questions: list[Question] = []
    problems: list[Problem] = []
    first_line: dict[str, int] = {}
    for block in blocks:
        question, found = parse_question(block, lang, path)
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
    preamble, blocks = _split(_lines(doc.body, doc.body_line))
    stray = next((line for line in preamble if not line.blank), None)
    if stray:
        message = "text before the first question: each question starts with ## text {#id .type}"
        problems.append(Problem(path, stray.no, message))
    if doc.closed and not blocks:
        problems.append(Problem(path, max(doc.body_line - 1, 1), "the quiz has no questions"))
    questions, found = _questions(blocks, lang, path)
    problems += found
    pool, shuffle, found = _settings(doc.fields, len(blocks), path)
    problems += found
    quiz = Quiz(lang, title, pool, shuffle, tuple(questions), revision, translation_of, path)
    return quiz, problems, doc.fields
