"""Every validator error is reported with its file and line, and never blocks the others."""

from __future__ import annotations

import pytest

from lms.content import load_course
from tests.helpers import SAMPLE_COURSE
from tests.helpers import SAMPLE_COURSE_YML
from tests.helpers import SAMPLE_EN_QUIZ
from tests.helpers import line_of

P = f"courses/{SAMPLE_COURSE}"
YML = f"{P}/course.yml"
M1 = f"{P}/en/01-why-it-matters.md"
HE1 = f"{P}/he/01-why-it-matters.md"
Q = f"quizzes/{SAMPLE_COURSE}"
EN = f"{Q}/en.md"
ZH = f"{Q}/zh_Hans.md"


def _yml(files, old, new):
    files[YML] = files[YML].replace(old, new)
    return line_of(files[YML], new.split("\n")[0]) if new else None


def _quiz(files, path, old, new):
    assert old in files[path], old
    files[path] = files[path].replace(old, new, 1)
    return line_of(files[path], new.split("\n")[0])


def _put(files, path, text):
    files[path] = text
    return path


def _move(files, old, new):
    files[new] = files.pop(old)
    return new


def _heading_line(files, path, question_id):
    return line_of(files[path], f"{{#{question_id} ")


# Each case mutates the valid course and returns (path, line, part of the message).
CASES = {
    "missing course.yml": lambda f: (f.pop(YML) and YML, None, "missing course.yml"),
    "broken yaml": lambda f: (
        YML,
        _yml(f, "pass_mark: 80", "pass_mark: [80") + 1,
        "(opened on line 11)",
    ),
    "broken yaml indentation": lambda f: (
        YML,
        _yml(f, "required: true", "required: true\n  oops: 1") + 1,
        "broken YAML",
    ),
    "unknown key": lambda f: (
        YML,
        _yml(f, "pass_mark: 80", "pass_mrak: 80"),
        "unknown key 'pass_mrak'",
    ),
    "missing required key": lambda f: (
        YML,
        _yml(f, "validity_days: 365\n", ""),
        "missing required key 'validity_days'",
    ),
    "pass_mark 0": lambda f: (YML, _yml(f, "pass_mark: 80", "pass_mark: 0"), "between 1 and 100"),
    "pass_mark 101": lambda f: (
        YML,
        _yml(f, "pass_mark: 80", "pass_mark: 101"),
        "between 1 and 100",
    ),
    "pass_mark text": lambda f: (YML, _yml(f, "pass_mark: 80", 'pass_mark: "80"'), "whole number"),
    "pass_mark bool": lambda f: (YML, _yml(f, "pass_mark: 80", "pass_mark: true"), "whole number"),
    "validity_days 0": lambda f: (
        YML,
        _yml(f, "validity_days: 365", "validity_days: 0"),
        "at least 1",
    ),
    "renewal negative": lambda f: (
        YML,
        _yml(f, "validity_days: 365", "validity_days: 365\nrenewal_window_days: -1") + 1,
        "at least 0",
    ),
    "attempt_limit 0": lambda f: (
        YML,
        _yml(f, "validity_days: 365", "validity_days: 365\nattempt_limit: 0") + 1,
        "at least 1",
    ),
    "required not bool": lambda f: (
        YML,
        _yml(f, "required: true", "required: maybe"),
        "true or false",
    ),
    "version unquoted": lambda f: (
        YML,
        _yml(f, 'version: "1.0"', "version: 1.10"),
        'quote the version: version: "1.10"',
    ),
    "version not major.minor": lambda f: (
        YML,
        _yml(f, 'version: "1.0"', 'version: "1"'),
        "MAJOR.MINOR",
    ),
    "id not folder": lambda f: (
        YML,
        _yml(f, "id: social-media-policy", "id: other-course"),
        "must equal the folder",
    ),
    "source folder missing": lambda f: (
        YML,
        _yml(f, "source_language: en", "source_language: fr\n# fr"),
        "has no modules",
    ),
    "no source title": lambda f: (
        YML,
        _yml(f, "  en: Social media policy\n", "") or line_of(f[YML], "title:"),
        "no title for the source language",
    ),
    "duplicate yaml key": lambda f: (
        YML,
        _yml(f, "required: true", "required: true\nrequired: false") + 1,
        "duplicate key",
    ),
    "module file name": lambda f: (_put(f, f"{P}/en/why.md", f.pop(M1)), None, "NN-slug.md"),
    "not markdown": lambda f: (_put(f, f"{P}/en/notes.txt", "x"), None, "unexpected file"),
    "bad language folder": lambda f: (
        _put(f, f"{P}/English/01-a.md", "x").rsplit("/", 1)[0],
        None,
        "not a language folder",
    ),
    "nested file": lambda f: (_put(f, f"{P}/en/img/a.png", b"\x89PNG"), None, "unexpected file"),
    "stray quiz file": lambda f: (_put(f, f"{Q}/notes.txt", "x"), None, "<lang>.md"),
    "duplicate module id": lambda f: (
        _put(f, f"{P}/en/03-why-it-matters.md", f[M1]),
        None,
        "duplicate module id 'why-it-matters'",
    ),
    "duplicate module number": lambda f: (
        _put(f, f"{P}/en/01-zzz.md", f[M1]),
        None,
        "two modules numbered 1",
    ),
    "module not in source": lambda f: (
        _put(f, f"{P}/he/04-extra.md", "---\ntitle: x\n---\nx\n"),
        None,
        "does not exist in the source language en",
    ),
    "renumbered translation": lambda f: (
        _move(f, HE1, f"{P}/he/05-why-it-matters.md"),
        None,
        "01-why-it-matters.md",
    ),
    "empty module body": lambda f: (_put(f, M1, "---\ntitle: Why\n---\n\n  \n"), 3, "no text"),
    "missing title": lambda f: (_put(f, M1, "---\n---\nBody\n"), 1, "missing title"),
    "title not text": lambda f: (
        _put(f, M1, "---\ntitle: [a, b]\n---\nBody\n"),
        2,
        "title must be text",
    ),
    "no front matter": lambda f: (_put(f, M1, "Body\n"), 1, "no front matter"),
    "front matter not closed": lambda f: (_put(f, M1, "---\ntitle: x\nBody\n"), 1, "not closed"),
    "unknown front matter key": lambda f: (
        _put(f, M1, "---\ntitle: x\nauthor: me\n---\nBody\n"),
        3,
        "unknown key 'author'",
    ),
    "broken front matter yaml": lambda f: (
        _put(f, M1, "---\ntitle: x\ntitle2: 'open\n---\nBody\n"),
        3,
        "broken YAML",
    ),
    "bad translation_of": lambda f: (
        _put(f, HE1, "---\ntitle: x\ntranslation_of: abc\n---\nx"),
        3,
        "12 hexadecimal digits",
    ),
    "lone surrogate escape in a title": lambda f: (
        _put(f, M1, '---\ntitle: "Why \\ud83d"\n---\nBody\n'),
        2,
        "UTF-16 surrogate pair",
    ),
    "surrogate pair escape in course.yml": lambda f: (
        YML,
        _yml(f, "  en: Social media policy", '  en: "Policy \\ud83d\\ude00"'),
        'write 😀 itself or "\\U0001F600"',
    ),
    "surrogate escape on a later line": lambda f: (
        YML,
        _yml(f, "  en: Social media policy", '  en: "Policy\n    and \\U0000DC00"') + 1,
        '"\\udc00" is half of a UTF-16 surrogate pair',
    ),
    "surrogate escape in a key": lambda f: (
        _put(f, M1, '---\ntitle: x\n"\\ud800": y\n---\nBody\n'),
        3,
        "surrogate",
    ),
    "surrogate escape in a list": lambda f: (
        EN,
        _quiz(f, EN, "pool: 2", 'pool: 2\nnotes: [a, "\\udfff"]') + 1,
        "surrogate",
    ),
    "surrogate escape in a quiz title": lambda f: (
        EN,
        _quiz(f, EN, "title: Social media policy quiz", 'title: "Quiz \\ud83d"'),
        "surrogate",
    ),
    "not utf-8": lambda f: (_put(f, M1, b"---\ntitle: x\n---\n\nCaf\xe9\n"), 5, "not UTF-8"),
    "quiz missing for source": lambda f: (f.pop(EN) and EN, None, "quiz missing"),
    "heading without attributes": lambda f: (
        EN,
        _quiz(f, EN, "never post? {#never-post .multiple}", "never post?"),
        "{#id .type}",
    ),
    "invalid question id": lambda f: (
        EN,
        _quiz(f, EN, "{#never-post .multiple}", "{#Never_Post .multiple}"),
        "lower-case",
    ),
    "missing question id": lambda f: (
        EN,
        _quiz(f, EN, "{#never-post .multiple}", "{.multiple}"),
        "needs one id",
    ),
    "duplicate question id": lambda f: (
        EN,
        _quiz(f, EN, "{#disclaimer-limits .true-false}", "{#never-post .true-false}"),
        "duplicate question id 'never-post'",
    ),
    "unknown type": lambda f: (
        EN,
        _quiz(f, EN, "{#never-post .multiple}", "{#never-post .multi}"),
        "unknown question type .multi",
    ),
    "missing type": lambda f: (
        EN,
        _quiz(f, EN, "{#never-post .multiple}", "{#never-post}"),
        "exactly one type",
    ),
    "no answers": lambda f: (
        EN,
        _quiz(f, EN, "- [ ] True\n- [x] False\n", "Nothing here.\n")
        and _heading_line(f, EN, "disclaimer-limits"),
        "no answers",
    ),
    "plain list is not answers": lambda f: (
        EN,
        _quiz(f, EN, "- [ ] True\n- [x] False\n", "- True\n- False\n")
        and _heading_line(f, EN, "disclaimer-limits"),
        "task list",
    ),
    "single two correct": lambda f: (
        EN,
        _quiz(f, EN, "- [ ] Give the date.", "- [x] Give the date.")
        and _heading_line(f, EN, "launch-date"),
        "exactly one correct answer, found 2",
    ),
    "single none correct": lambda f: (
        EN,
        _quiz(f, EN, "- [x] Say you", "- [ ] Say you") and _heading_line(f, EN, "launch-date"),
        "no correct answer",
    ),
    "multiple none correct": lambda f: (
        EN,
        _quiz(f, EN, "- [x] A customer's", "- [ ] A customer's")
        and _quiz(f, EN, "- [x] Unpublished", "- [ ] Unpublished")
        and _heading_line(f, EN, "never-post"),
        "no correct answer",
    ),
    "true-false three answers": lambda f: (
        EN,
        _quiz(f, EN, "- [x] False\n", "- [x] False\n- [ ] Maybe\n")
        and _heading_line(f, EN, "disclaimer-limits"),
        "exactly two answers",
    ),
    "true-false two correct": lambda f: (
        EN,
        _quiz(f, EN, "- [ ] True", "- [X] True") and _heading_line(f, EN, "disclaimer-limits"),
        "exactly one correct answer",
    ),
    "answer not a task item": lambda f: (
        EN,
        _quiz(f, EN, "- [ ] Ignore the question.", "- Ignore the question."),
        "not a task item",
    ),
    "empty answer": lambda f: (
        EN,
        _quiz(f, EN, "- [ ] Ignore the question.", "- [ ]") and line_of(f[EN], "Right.") + 1,
        "no text",
    ),
    "feedback not indented": lambda f: (
        EN,
        _quiz(f, EN, "- [ ] True\n- [x] False", "- [ ] True\n> no\n- [x] False") + 2,
        "indent feedback",
    ),
    "text after answers": lambda f: (
        EN,
        _quiz(f, EN, "> The explanation.", "Not a quote."),
        "block quote",
    ),
    "text before first question": lambda f: (
        EN,
        _quiz(f, EN, "---\n\n## A friend", "---\nIntro.\n## A friend") and line_of(f[EN], "Intro."),
        "before the first",
    ),
    "pool 0": lambda f: (EN, _quiz(f, EN, "pool: 2", "pool: 0"), "pool must be"),
    "pool too big": lambda f: (EN, _quiz(f, EN, "pool: 2", "pool: 4"), "pool must be"),
    "shuffle not bool": lambda f: (
        EN,
        _quiz(f, EN, "pool: 2", "pool: 2\nshuffle: often") + 1,
        "shuffle must be true",
    ),
    "quiz title missing": lambda f: (
        EN,
        _quiz(f, EN, "title: Social media policy quiz\n", "") and 1,
        "missing title",
    ),
    "no questions": lambda f: (_put(f, EN, "---\ntitle: Q\n---\n"), 3, "no questions"),
    "translated ids differ": lambda f: (
        ZH,
        _quiz(f, ZH, "{#never-post .multiple}", "{#never-posts .multiple}") and None,
        "missing never-post; extra never-posts",
    ),
    "translated type differs": lambda f: (
        ZH,
        _quiz(f, ZH, "{#never-post .multiple}", "{#never-post .single}")
        and _quiz(f, ZH, "- [x] 客户订单。", "- [ ] 客户订单。")
        and _heading_line(f, ZH, "never-post"),
        ".single here but .multiple",
    ),
    "translated answer count": lambda f: (
        ZH,
        _quiz(f, ZH, "- [ ] 不理会。", "- [ ] 不理会。\n- [ ] 再说。")
        and _heading_line(f, ZH, "launch-date"),
        "4 answers here but 3",
    ),
    "translated correct positions": lambda f: (
        ZH,
        _quiz(f, ZH, "- [ ] 告诉日期。\n- [x]", "- [x] 告诉日期。\n- [ ]")
        and _heading_line(f, ZH, "launch-date"),
        "correct answers (a) differ from en (b)",
    ),
    "translated pool": lambda f: (ZH, _quiz(f, ZH, "pool: 2", "pool: 3"), "pool is 3 here but 2"),
    "translated shuffle": lambda f: (
        ZH,
        _quiz(f, ZH, "pool: 2", "pool: 2\nshuffle: false") + 1,
        "shuffle is False here",
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_error_is_reported_with_file_and_line(case, files, tree):
    path, line, fragment = CASES[case](files)
    course, problems = load_course(tree(files), SAMPLE_COURSE)
    errors = [p for p in problems if p.severity == "error"]
    assert course is None
    matching = [p for p in errors if p.path == path and fragment in p.message]
    assert matching, "\n".join(map(str, problems))
    assert matching[0].line == line, "\n".join(map(str, problems))


def test_every_problem_of_a_file_is_reported_at_once(tree):
    quiz = SAMPLE_EN_QUIZ.replace("pool: 2", "pool: 9")  # 1: pool larger than the quiz
    quiz = quiz.replace("{#never-post .multiple}", "{#never-post .multi}")  # 2: unknown type
    quiz = quiz.replace("- [ ] True", "- True")  # 3: not a task item
    files = {
        f"{P}/course.yml": SAMPLE_COURSE_YML,
        M1: "---\ntitle: Why\n---\nText.\n",
        EN: quiz,
    }
    course, problems = load_course(tree(files), SAMPLE_COURSE)
    assert course is None
    assert [(p.path, p.line) for p in problems] == [
        (EN, 3),
        (EN, line_of(quiz, "never-post")),
        (EN, line_of(quiz, "- True")),
    ], "\n".join(map(str, problems))


def test_problems_in_many_files_are_all_reported(files, tree):
    files[YML] = files[YML].replace("pass_mark: 80", "pass_mark: 0")
    files[M1] = "---\ntitle: x\n---\n"
    files[EN] = files[EN].replace("{#never-post .multiple}", "{#never-post .multi}")
    _, problems = load_course(tree(files), SAMPLE_COURSE)
    assert {p.path for p in problems if p.severity == "error"} >= {YML, M1, EN}


def test_problems_are_formatted_for_editors(files, tree):
    files[YML] = files[YML].replace("pass_mark: 80", "pass_mrak: 80")
    _, problems = load_course(tree(files), SAMPLE_COURSE)
    unknown = next(p for p in problems if "pass_mrak" in p.message)
    assert str(unknown) == (f"{YML}:11: error: unknown key 'pass_mrak' (did you mean 'pass_mark'?)")


def test_a_surrogate_in_text_handed_over_as_a_string_is_refused_with_its_line():
    """Files cannot hold one (UTF-8 decoding refuses it); text from elsewhere is checked."""
    from lms.content.modules import parse_module

    text = "---\ntitle: Fine\n---\n\nFirst line.\nSecond \ud83d line.\n"
    module, problems, _ = parse_module(text, M1, "en", (1, "why-it-matters"), "0" * 12)
    assert [(p.line, p.severity) for p in problems] == [(6, "error")]
    assert "half of a UTF-16 surrogate pair" in problems[0].message
    module.html.encode()  # still shown (U+FFFD), so the editor's preview can show it


def test_a_surrogate_never_reaches_the_rendered_course(files, tree):
    files[M1] = '---\ntitle: "Why \\ud83d\\ude00"\n---\nBody\n'
    course, problems = load_course(tree(files), SAMPLE_COURSE)
    assert course is None
    for problem in problems:
        str(problem).encode()
