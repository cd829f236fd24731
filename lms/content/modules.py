"""Module files: ``courses/<id>/<lang>/NN-<slug>.md``."""

from __future__ import annotations

from lms.content.frontmatter import Document
from lms.content.frontmatter import Fields
from lms.content.frontmatter import required_text
from lms.content.frontmatter import revision_field
from lms.content.frontmatter import split_front_matter
from lms.content.frontmatter import unknown_keys
from lms.content.model import Module
from lms.content.model import Problem
from lms.content.reading import reading_seconds
from lms.content.render import html_text
from lms.content.render import render_markdown

MODULE_KEYS = {"title", "translation_of"}
NO_FRONT_MATTER = "no front matter: start the file with a line ---, then title: …, then ---"


def front_matter(text: str, path: str, keys: set[str]) -> tuple[Document, list[Problem]]:
    """Split and check the front matter shared by modules and quizzes."""
    doc, problems = split_front_matter(text, path)
    if not doc.has_front_matter:
        return doc, [Problem(path, 1, NO_FRONT_MATTER)]
    return doc, problems + unknown_keys(doc.fields, keys, path)


def title_and_revision(doc: Document, path: str) -> tuple[str, str | None, list[Problem]]:
    """The ``title`` and ``translation_of`` every module and quiz file carries."""
    title = ""
    problems: list[Problem] = []
    if doc.has_front_matter:
        title, problems = required_text(doc.fields, "title", path)
    translation_of, found = revision_field(doc.fields, "translation_of", path)
    return title, translation_of, problems + found


def parse_module(
    text: str, path: str, lang: str, name: tuple[int, str], revision: str
) -> tuple[Module, list[Problem], Fields]:
    """Parse one module file; ``name`` is (NN, slug) from the file name.

    The Module is returned even when there are problems, so translations can still be
    compared with it; the caller drops the course when any problem is an error. The front
    matter is returned to locate later findings.
    """
    doc, problems = front_matter(text, path, MODULE_KEYS)
    title, translation_of, found = title_and_revision(doc, path)
    problems += found
    if doc.closed and not doc.body.strip():
        line = max(doc.body_line - 1, 1)  # the closing ---: the body may have no line at all
        problems.append(Problem(path, line, "the module has no text after the front matter"))
    html = render_markdown(doc.body)
    module = Module(
        id=name[1],
        position=name[0],
        lang=lang,
        title=title,
        html=html,
        reading_seconds=reading_seconds(html_text(html), lang),
        revision=revision,
        translation_of=translation_of,
        path=path,
    )
    return module, problems, doc.fields
