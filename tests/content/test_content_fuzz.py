"""Garbage in, Problems out: the loader never raises on malformed content."""

from __future__ import annotations

import random

from lms.content import Problem
from lms.content import load_catalog
from lms.content import load_course
from tests.helpers import SAMPLE_COURSE
from tests.helpers import SAMPLE_COURSE_YML
from tests.helpers import SAMPLE_EN_MODULES
from tests.helpers import SAMPLE_EN_QUIZ
from tests.helpers import write_tree

QUIZ = f"quizzes/{SAMPLE_COURSE}/en.md"
PIECES = [
    "---", "## ", "{#", "}", ".single", ".multiple", ".true-false", "- [x] ", "- [ ] ", "- ",
    "> ", "  > ", "```", "~~~", "\n", "\n\n", "\t", "title:", "pool:", "shuffle:", "[", "]",
    ": ", "'", '"', "&", "*", "!!", "|", "#", "\ufeff", "\r", "\x00", "中", "א", " ", "-1",
    "9999999999999999999999", "yes", "null", "{", "<script>", "? ", "- [X]", "{#a .single}",
]  # fmt: skip


def _garbage(rng: random.Random) -> str:
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 80)))


def _mutate(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 12)):
        position = rng.randrange(len(chars) + 1)
        chars[position : position + rng.randint(0, 3)] = rng.choice(PIECES)
    return "".join(chars)


def _check(root) -> None:
    course, problems = load_course(root, SAMPLE_COURSE)
    assert all(isinstance(p, Problem) for p in problems)
    assert course is None or not any(p.severity == "error" for p in problems)
    load_catalog(root)


def test_random_quiz_files_never_raise(tmp_path):
    rng = random.Random(20240607)
    base = {f"courses/{SAMPLE_COURSE}/course.yml": SAMPLE_COURSE_YML}
    base.update({f"courses/{SAMPLE_COURSE}/en/{n}": t for n, t in SAMPLE_EN_MODULES.items()})
    for i in range(150):
        root = tmp_path / str(i)
        quiz = _garbage(rng) if i % 2 else _mutate(rng, SAMPLE_EN_QUIZ)
        write_tree(root, {**base, QUIZ: quiz})
        _check(root)


def test_random_course_and_module_files_never_raise(tmp_path):
    rng = random.Random(7)
    for i in range(100):
        root = tmp_path / str(i)
        files = {
            f"courses/{SAMPLE_COURSE}/course.yml": _mutate(rng, SAMPLE_COURSE_YML),
            f"courses/{SAMPLE_COURSE}/en/01-a.md": _mutate(
                rng, SAMPLE_EN_MODULES["01-why-it-matters.md"]
            ),
            QUIZ: _mutate(rng, SAMPLE_EN_QUIZ),
        }
        write_tree(root, files)
        _check(root)


def test_random_bytes_never_raise(tmp_path):
    rng = random.Random(99)
    for i in range(40):
        root = tmp_path / str(i)
        data = bytes(rng.randrange(256) for _ in range(rng.randint(0, 300)))
        write_tree(
            root,
            {
                f"courses/{SAMPLE_COURSE}/course.yml": data,
                QUIZ: data,
                f"courses/{SAMPLE_COURSE}/en/01-a.md": data,
            },
        )
        _check(root)
