"""Moodle GIFT import: the parser against the GIFT PEG grammar's expectations, the conversion
to our quiz format (checked by loading it as a course), and ``flask lms quiz import-gift``.

``tests/data/gift/`` holds the 51 test files of fuhrmanator/GIFT-grammar-PEG.js (MIT, see
LICENSE.MIT.txt there), each with its expected parse as JSON.
"""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest

from lms.content import load_course
from lms.content.gift import GiftQuestion
from lms.content.gift import GiftText
from lms.content.gift import gift_to_quiz
from lms.content.gift import parse_gift
from lms.content.render import html_text

GIFT = Path(__file__).parents[1] / "data" / "gift"
FILES = sorted(p.stem for p in GIFT.glob("*.gift"))
PEG_TYPES = {
    "category": "Category", "description": "Description", "essay": "Essay",
    "multichoice": "MC", "truefalse": "TF", "shortanswer": "Short", "numerical": "Numerical",
    "matching": "Matching",
}  # fmt: skip
COURSE = "gift-import"
COURSE_YML = f"""\
id: {COURSE}
version: "1.0"
source_language: en
title:
  en: GIFT import
pass_mark: 80
validity_days: 365
"""


def _parse(name: str) -> list[GiftQuestion]:
    return parse_gift((GIFT / f"{name}.gift").read_text(encoding="utf-8"))


def _text(value: GiftText | None) -> dict | None:
    return None if value is None else {"format": value.format, "text": value.text}


def _common(q: GiftQuestion) -> dict:
    return {
        "type": PEG_TYPES[q.kind],
        "title": q.title,
        "id": q.id,
        "tags": q.tags or None,
        "stem": _text(q.stem),
        "hasEmbeddedAnswers": q.embedded,
        "globalFeedback": _text(q.general_feedback),
    }


def _as_peg(q: GiftQuestion) -> dict:
    """Our parse in the shape of the PEG grammar's JSON, for the fields we parse."""
    if q.kind == "category":
        return {"type": "Category", "title": q.category}
    found = _common(q)
    if q.kind in ("multichoice", "shortanswer"):
        found["choices"] = [
            {"isCorrect": a.correct, "weight": a.weight, "text": _text(a.text),
             "feedback": _text(a.feedback)}
            for a in q.answers
        ]  # fmt: skip
    elif q.kind == "truefalse":
        # The grammar names the feedbacks by position: the first "#" is Moodle's feedback for
        # a wrong choice, the second for the right one (Moodle's split_truefalse_comment).
        found.update(
            isTrue=q.is_true,
            trueFeedback=_text(q.wrong_feedback),
            falseFeedback=_text(q.right_feedback),
        )
    elif q.kind == "matching":
        found["matchPairs"] = [
            {"subquestion": _text(a.text), "subanswer": a.match} for a in q.answers
        ]  # fmt: skip
    return found


def _expected(item: dict) -> dict:
    """The JSON item, limited to the fields we compare. Numerical answers are not compared:
    numerical questions are only recognised (and reported as skipped), never converted."""
    keys = ["type", "title"] if item["type"] == "Category" else [
        "type", "title", "id", "tags", "stem", "hasEmbeddedAnswers", "globalFeedback",
        "choices", "isTrue", "trueFeedback", "falseFeedback", "matchPairs",
    ]  # fmt: skip
    if item["type"] == "Numerical":
        keys.remove("choices")
    return {k: item.get(k) for k in keys if k in item}


@pytest.mark.parametrize("name", FILES)
def test_parse_matches_the_peg_grammar_expectations(name):
    expected = json.loads((GIFT / f"{name}.json").read_text(encoding="utf-8"))
    found = _parse(name)
    assert [q.kind for q in found] == [
        next(k for k, v in PEG_TYPES.items() if v == item["type"]) for item in expected
    ]
    for ours, item in zip(found, expected, strict=True):
        wanted = _expected(item)
        assert {k: v for k, v in _as_peg(ours).items() if k in wanted} == wanted


def test_all_51_test_files_are_there():
    assert len(FILES) == 51 and (GIFT / "LICENSE.MIT.txt").is_file()


# --- Conversion, checked by loading the result as a course --------------------------------


def _load(tmp_path: Path, markdown: str):
    """Load ``markdown`` as the quiz of a one-module course; no error may be reported."""
    files = {
        f"courses/{COURSE}/course.yml": COURSE_YML,
        f"courses/{COURSE}/en/01-intro.md": "---\ntitle: Intro\n---\n\nText.\n",
        f"quizzes/{COURSE}/en.md": markdown,
    }
    for rel, text in files.items():
        path = tmp_path / "content" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    course, problems = load_course(tmp_path / "content", COURSE)
    assert [p for p in problems if p.severity == "error"] == [], markdown
    return course.quizzes["en"]


def _convert(gift: str, **options):
    return gift_to_quiz(parse_gift(gift), options.pop("title", "Imported"), **options)


@pytest.mark.parametrize("name", FILES)
def test_every_file_converts_to_a_valid_quiz_and_drops_nothing_silently(name, tmp_path):
    questions = _parse(name)
    result = gift_to_quiz(questions, f"Quiz {name}")
    items = [q for q in questions if q.kind != "category"]
    assert result.converted + len(result.skipped) == len(items)
    assert all(r.reason and r.label and r.line >= 1 for r in result.skipped + result.notes)
    if result.converted:
        quiz = _load(tmp_path, result.markdown)
        assert len(quiz.questions) == result.converted


def test_converted_and_skipped_over_all_test_files():
    results = [gift_to_quiz(_parse(name), name) for name in FILES]
    assert sum(r.converted for r in results) == 40
    assert sum(len(r.skipped) for r in results) == 60


def test_single_answer_question(tmp_path):
    result = _convert("// c\n::Grant::Who's buried in Grant's tomb?{~Grant ~Jefferson =no one}")
    quiz = _load(tmp_path, result.markdown)
    (question,) = quiz.questions
    assert question.id == "grant" and question.kind == "single"
    assert html_text(question.prompt_html) == "Who's buried in Grant's tomb?"
    assert [(html_text(a.html), a.correct) for a in question.answers] == [
        ("Grant", False), ("Jefferson", False), ("no one", True),
    ]  # fmt: skip
    assert result.converted == 1 and result.skipped == [] and result.notes == []


def test_multiple_answers_with_equivalent_weights_have_no_note(tmp_path):
    gift = "Pick two.{~%-50%No one ~%50%Grant ~%50%Julia ~%-50%Jesse}"
    result = _convert(gift)
    (question,) = _load(tmp_path, result.markdown).questions
    assert question.kind == "multiple"
    assert [a.correct for a in question.answers] == [False, True, True, False]
    assert result.notes == []


def test_float_weights_are_equivalent_but_unequal_negatives_get_a_note(tmp_path):
    result = gift_to_quiz(_parse("multipleAnswersFloat"), "Continents")
    (question,) = _load(tmp_path, result.markdown).questions
    assert question.kind == "multiple"
    assert [a.correct for a in question.answers] == [True, True, False, True, False]
    (note,) = result.notes
    assert note.kind == "note" and note.line == 1
    assert "-100%" in note.reason and "-33.33%" in note.reason


@pytest.mark.parametrize(
    ("gift", "note"),
    [
        ("Q?{~%50%a ~%25%b ~c}", "GIFT weights 50%/25%/0%"),
        ("Q?{~%100%a ~b}", "our grading 100%/-100%"),
        ("Q?{~wrong ~%50%half =full}", "partial credit dropped (answer 2: 50%)"),
    ],
)
def test_weights_our_grading_cannot_reproduce_are_noted_and_converted(gift, note, tmp_path):
    result = _convert(gift)
    assert result.converted == 1 and len(result.notes) == 1
    assert note in result.notes[0].reason
    _load(tmp_path, result.markdown)


def test_true_false_feedback_goes_under_the_answer_that_shows_it(tmp_path):
    gift = "42 is the answer.{FALSE#Chosen True: wrong.#Chosen False: right.}\n\nSky is blue.{T}"
    quiz = _load(tmp_path, _convert(gift).markdown)
    first, second = quiz.questions
    assert first.kind == "true-false"
    assert [(html_text(a.html), a.correct, html_text(a.feedback_html)) for a in first.answers] == [
        ("True", False, "Chosen True: wrong."), ("False", True, "Chosen False: right."),
    ]  # fmt: skip
    assert [a.correct for a in second.answers] == [True, False]


def test_feedback_explanation_category_and_tags(tmp_path):
    gift = (
        "$CATEGORY: $course$/top/Policy\n\n// [id:7] [tag:launch]\n::Launch::When do we ship?{\n"
        "=Never say#Right.\n~Tomorrow#No:\nconfidential.\n####Ask the press team.}"
    )
    result = _convert(gift)
    lines = result.markdown.split("\n")
    heading = next(i for i, line in enumerate(lines) if line.startswith("## "))
    assert lines[heading + 1] == "<!-- category: $course$/top/Policy -->"
    assert "<!-- tags: launch -->" in lines and "<!-- gift-id: 7 -->" in lines
    (question,) = _load(tmp_path, result.markdown).questions
    assert html_text(question.answers[1].feedback_html) == "No: confidential."
    assert html_text(question.explanation_html) == "Ask the press team."


def test_ids_are_unique_slugs(tmp_path):
    gift = "\n\n".join(["Grant is buried here.{T}"] * 3 + ["::Ünïcode — Title!::Q?{F}"])
    quiz = _load(tmp_path, _convert(gift).markdown)
    assert [q.id for q in quiz.questions] == [
        "grant-is-buried-here", "grant-is-buried-here-2", "grant-is-buried-here-3",
        "unicode-title",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("gift", "reason"),
    [
        ("Who?{=no one =nobody}", "short-answer"),
        ("When?{#1822:5}", "numerical"),
        ("Match.{=a -> 1 =b -> 2}", "matching"),
        ("Write.{}", "essay"),
        ("Just text.", "description"),
        ("Grant is {~buried =entombed} here.", "embedded"),
        ("Seasons:{=spring =summer ~easter}", "2 answers are fully right"),
        ("None right?{~a ~b}", "no right answer"),
        ("Half right?{=%50%a ~b}", "no answer is fully right"),
        ("One answer?{=a ~}", "answer 2 has no text"),
        ("Only one?{~%100%a}", "at least two answers"),
        ("::T::[html]<p></p>{=a ~b}", "no text"),
        ("Broken {=a ~b", "a { without its closing }"),
    ],
)
def test_what_our_format_cannot_express_is_skipped_with_line_and_reason(gift, reason):
    result = _convert(f"// header\n\n{gift}\n\nFine?{{T}}")
    (report,) = result.skipped
    assert reason in report.reason and report.line == 3 and report.kind == "skipped"
    assert result.converted == 1


def test_an_unclosed_brace_does_not_swallow_the_questions_after_it():
    result = _convert("A {=x ~y\n\nB?{=x ~y}\n\nC?{T}")
    assert [r.line for r in result.skipped] == [1] and result.converted == 2


@pytest.mark.parametrize(
    "second",
    [
        "::B:: Close it with } ? {T}",  # a question of its own, with a stray }
        "B? =x ~y}",  # a question that lost its {
        "::B:: Which?\n=x\n~y\n}",
    ],
)
def test_a_blank_line_ends_the_question_even_inside_braces_as_in_moodle(second):
    result = _convert(f"A {{=x ~y\n\n{second}\n\nC?{{T}}")
    converted = re.findall(r"^## (.*) \{#", result.markdown, re.M)
    assert [r.line for r in result.skipped if "{ without its closing }" in r.reason] == [1]
    assert not any(q.startswith("A") for q in converted)  # A swallowed nothing
    assert converted[-1] == "C?"
    if second.startswith("::B:: Close"):
        assert converted == ["Close it with \\} ?", "C?"] and result.converted == 2
    else:
        assert result.converted == 1 and [r.line for r in result.skipped] == [1, 3]


def test_a_blank_line_between_braces_is_explained(tmp_path):
    result = _convert("[markdown]Q?{\n=a#First paragraph.\n\nSecond paragraph.\n~b\n}\n\nN?{T}")
    first, second = result.skipped
    assert first.line == 1 and "a blank line ends a question" in first.reason
    assert "\\n" in first.reason
    assert second.line == 4 and "a } without its opening {" in second.reason
    assert result.converted == 1
    paragraphs = _convert("[markdown]Q?{\n=a#First paragraph.\\n\\nSecond paragraph.\n~b\n}")
    (question,) = _load(tmp_path, paragraphs.markdown).questions
    assert question.answers[0].feedback_html.count("<p>") == 2


def test_html_becomes_safe_markdown(tmp_path):
    gift = (
        "[html]<p>Which is <b>bold</b>?</p><pre>if (a < b) \\{ x(); \\}</pre>{\n"
        '=<span style\\="color\\:red">Red</span> <a href\\="javascript\\:alert(1)">x</a>'
        '#<a href\\="https\\://example.com">See</a><script>alert(1)</script>\n'
        '~<img src\\="@@PLUGINFILE@@/a.png" alt\\="chart"> 2 < 3 & 4\n}'
    )
    result = _convert(gift)
    question = _load(tmp_path, result.markdown).questions[0]
    assert question.prompt_html == "Which is <strong>bold</strong>?"
    assert "<code>if (a &lt; b) { x(); }\n</code>" in question.scenario_html
    assert html_text(question.answers[0].html) == "Red x"
    assert question.answers[0].feedback_html == (
        '<p><a href="https://example.com" rel="noopener noreferrer">See</a></p>'
    )
    assert html_text(question.answers[1].html) == "chart 2 < 3 & 4"
    assert "script" not in result.markdown and "javascript" not in result.markdown
    (note,) = result.notes
    assert "@@PLUGINFILE@@/a.png" in note.reason


@pytest.mark.parametrize(
    "text",
    [
        "{literal} braces {#not-an-id .single}",
        "[x] looks like a task",
        "# not a heading",
        "> not a quote",
        "- not a list",
        "1. not a list",
        "=",
        "*stars* and _underscores_ and `ticks` and \\backslash\\",
        "<b>not a tag</b> &amp; not an entity, & 2 < 3",
        "## not a question",
    ],
)
def test_text_that_looks_like_our_syntax_stays_text(text, tmp_path):
    escaped = text.replace("\\", "\\\\")
    for char in "~=#{}:":
        escaped = escaped.replace(char, "\\" + char)
    gift = f"[plain]{escaped}{{=[plain]{escaped}#[plain]{escaped} ~other}}"
    question = _load(tmp_path, _convert(gift).markdown).questions[0]
    assert _visible(question.prompt_html) == text
    assert _visible(question.answers[0].html) == text
    assert _visible(question.answers[0].feedback_html) == text


def _visible(html: str) -> str:
    """The text a browser shows (html_text unescapes twice, so "&amp;amp;" would be "&")."""
    return " ".join(unescape(re.sub(r"<[^>]*>", "", html)).split())


def test_markdown_is_kept_but_cannot_break_the_quiz(tmp_path):
    # GIFT separates questions with blank lines: paragraphs are written with \n escapes.
    gift = (
        r"[markdown]Which is **right** \{\#x\}?\n\n## A heading\n\n- [x] not an answer\n\n"
        r"```\nunclosed fence{"
        "\n=yes#*Good*\n~no\n}\n\nNext?{T}"
    )
    quiz = _load(tmp_path, _convert(gift).markdown)
    first, second = quiz.questions
    assert first.prompt_html == "Which is <strong>right</strong> {#x}?"
    assert "<h3" in first.scenario_html and "[x] not an answer" in first.scenario_html
    assert first.answers[0].feedback_html == "<p><em>Good</em></p>"
    assert second.kind == "true-false"


def test_spanish_and_french_text_survives(tmp_path):
    spanish = gift_to_quiz(_parse("mcHTMLComment"), "Cuestionario")
    quiz = _load(tmp_path, spanish.markdown)
    assert html_text(quiz.questions[0].prompt_html).startswith("¿En qué supuestos podría")
    assert "Instrucción" in html_text(quiz.questions[0].answers[0].html)
    french = gift_to_quiz(_parse("multiLineFeedback1"), "Questionnaire")
    quiz = _load(tmp_path / "fr", french.markdown)
    assert "Comment réalise t’on" in html_text(quiz.questions[1].prompt_html)
    assert html_text(quiz.questions[1].answers[4].html) == "ContrôleurAbonnement"
    assert quiz.questions[1].id == "06-creation-d-instance"


def test_chinese_and_hebrew_text_survives(tmp_path):
    gift = (
        "::社交媒体::朋友问新手机什么时候发货？{\n~告诉日期。#日期是机密。\n=说你不能谈论。#对。\n}\n\n"
        "::מדיניות::הסתייגות מאפשרת לשתף סודות.{FALSE#לא נכון.#נכון!}"
    )
    result = _convert(gift, title="测验 / מבחן")
    quiz = _load(tmp_path, result.markdown)
    assert quiz.title == "测验 / מבחן"
    zh, he = quiz.questions
    assert html_text(zh.prompt_html) == "朋友问新手机什么时候发货？"
    assert html_text(zh.answers[0].feedback_html) == "日期是机密。"
    assert html_text(he.prompt_html) == "הסתייגות מאפשרת לשתף סודות."
    assert html_text(he.answers[1].feedback_html) == "נכון!"
    assert (zh.id, he.id) == ("question", "question-2")  # no Latin letters to slug


BLNS = Path(__file__).parents[1] / "data" / "strings" / "blns.json"  # MIT, see there


def _gift_escaped(text: str) -> str:
    text = text.replace("\\", "\\\\")
    for char in "~=#{}:":
        text = text.replace(char, "\\" + char)
    return text.replace("\n", "\\n")


@pytest.mark.skipif(not BLNS.is_file(), reason="../shared/testdata/strings/ is not here")
@pytest.mark.parametrize("fmt", ["plain", "moodle", "html", "markdown"])
def test_naughty_strings_never_break_the_quiz(fmt, tmp_path):
    strings = [s for s in json.loads(BLNS.read_text(encoding="utf-8")) if s.strip()]
    gift = "\n\n".join(
        f"[{fmt}]{t}{{=[{fmt}]{t}#[{fmt}]{t} ~[plain]other ####[{fmt}]{t}}}"
        for t in map(_gift_escaped, strings)
    )
    result = _convert(gift)
    quiz = _load(tmp_path, result.markdown)
    assert result.converted + len(result.skipped) == len(strings)
    assert all(r.reason == "the question has no text" for r in result.skipped)
    if fmt == "plain":  # shown exactly as written (Markdown itself drops \x02 and \x03)
        for text, question in zip(strings, quiz.questions, strict=True):
            shown = " ".join(re.sub("[\x02\x03]", "", text).split())
            assert _visible(question.prompt_html + question.scenario_html) == shown
            assert _visible(question.answers[0].html) == shown
            assert _visible(question.explanation_html) == shown


def test_pool_and_shuffle_are_written_and_checked(tmp_path):
    result = _convert("A?{T}\n\nB?{F}", pool=1, shuffle=False)
    quiz = _load(tmp_path, result.markdown)
    assert (quiz.pool, quiz.shuffle) == (1, False)
    with pytest.raises(ValueError, match="pool"):
        _convert("A?{T}", pool=2)


def test_crlf_bom_and_line_numbers():
    result = _convert("\ufeff// c\r\n\r\nA?{T}\r\n\r\n\r\nB?{=x}\r\n")
    assert result.converted == 1 and [r.line for r in result.skipped] == [6]


# --- flask lms quiz import-gift -----------------------------------------------------------


def test_cli_imports_and_reports_each_skipped_question(runner, tmp_path):
    out = tmp_path / "quizzes" / "en.md"
    source = GIFT / "options1.gift"
    result = runner.invoke(
        args=[
            "lms",
            "quiz",
            "import-gift",
            str(source),
            "--out",
            str(out),
            "--title",
            "Options",
            "--pool",
            "3",
        ]
    )
    assert result.exit_code == 0, result.output
    assert f"{source}:6: skipped: numerical question" in result.output
    assert f"{source}:51: note: partial credit differs" in result.output
    assert result.output.strip().splitlines()[-1] == "converted 7, skipped 7"
    quiz = _load(tmp_path / "load", out.read_text(encoding="utf-8"))
    assert quiz.title == "Options" and quiz.pool == 3 and len(quiz.questions) == 7


def test_cli_exits_1_when_nothing_converts(runner, tmp_path):
    out = tmp_path / "en.md"
    result = runner.invoke(
        args=["lms", "quiz", "import-gift", str(GIFT / "numerical1.gift"), "--out", str(out)]
    )
    assert result.exit_code == 1
    assert "converted 0, skipped 10" in result.output and not out.exists()


def test_cli_reports_undecodable_bytes_and_unreadable_files(runner, tmp_path):
    bad = tmp_path / "latin1.gift"
    bad.write_bytes("Où?{T}".encode("latin-1"))
    result = runner.invoke(
        args=["lms", "quiz", "import-gift", str(bad), "--out", str(tmp_path / "en.md")]
    )
    assert result.exit_code == 1
    assert "not UTF-8" in result.output and "byte offset 1" in result.output
    missing = runner.invoke(
        args=[
            "lms",
            "quiz",
            "import-gift",
            str(tmp_path / "nope.gift"),
            "--out",
            str(tmp_path / "en.md"),
        ]
    )
    assert missing.exit_code == 1 and "nope.gift" in missing.output


def test_text_holding_a_utf16_surrogate_is_skipped_with_its_line():
    """A file cannot hold one (decoding refuses it); a string handed over can."""
    result = _convert("A?{T}\n\n::B::\nWho \ud83d?{T}")
    (report,) = result.skipped
    assert report.line == 4 and "half of a UTF-16 surrogate pair" in report.reason
    assert result.converted == 1
    result.markdown.encode()
    with pytest.raises(ValueError, match="surrogate"):
        _convert("A?{T}", title="Quiz \udcff")
