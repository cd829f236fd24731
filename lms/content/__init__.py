"""The content engine: Markdown courses and quizzes in, validated :class:`Course` values out.

Pure Python (PyYAML, Markdown, nh3); nothing here imports Flask.
"""

from lms.content.loader import course_source_hash
from lms.content.loader import load_catalog
from lms.content.loader import load_course
from lms.content.loader import revision_of
from lms.content.model import Answer
from lms.content.model import Course
from lms.content.model import CourseMeta
from lms.content.model import Module
from lms.content.model import Problem
from lms.content.model import Question
from lms.content.model import Quiz
from lms.content.reading import quiz_seconds
from lms.content.reading import reading_seconds
from lms.content.render import plain_text
from lms.content.render import render_inline
from lms.content.render import render_markdown
from lms.content.stats import stats

__all__ = [
    "Answer",
    "Course",
    "CourseMeta",
    "Module",
    "Problem",
    "Question",
    "Quiz",
    "course_source_hash",
    "load_catalog",
    "load_course",
    "plain_text",
    "quiz_seconds",
    "reading_seconds",
    "render_inline",
    "render_markdown",
    "revision_of",
    "stats",
]
