"""Markdown to sanitised HTML: the only place content Markdown is rendered.

A fresh :class:`markdown.Markdown` is built for every call because instances keep state
between conversions and are not thread safe.
"""

from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as etree
from html import escape
from html import unescape
from html.parser import HTMLParser
from typing import Any

import markdown
import nh3
from markdown.extensions import Extension
from markdown.extensions.toc import slugify_unicode
from markdown.inlinepatterns import InlineProcessor

#: A #hashtag or @handle in running text: not part of a word, an e-mail address, a URL or
#: an entity, not right after an escaped or stashed piece (\x03 ends Python-Markdown's
#: placeholders), and not in an attribute list such as ``{#anchor}`` (before its ``}``).
HANDLE = re.compile(r"(?<![\w&#@/{\\\x03])[#@]\w(?:[\w.-]*\w)?(?![\w@#])(?![^{}\n]*\})")


class _IsolateHandles(InlineProcessor):
    """Wraps each #hashtag and @handle in ``<bdi>``: in right-to-left text the bidi
    algorithm would otherwise move the # or @ to the other end ("#ad" shown as "ad#")."""

    # The stubs give InlineProcessor the older Pattern's one-argument signature.
    def handleMatch(self, m: re.Match, data: str):  # type: ignore[override]  # noqa: N802
        element = etree.Element("bdi")
        element.text = markdown.util.AtomicString(m.group(0))
        return element, m.start(0), m.end(0)


class HandlesExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802
        # After code spans, links, raw HTML and entities (80), before emphasis (60).
        md.inlinePatterns.register(_IsolateHandles(HANDLE.pattern, md), "handles", 75)


_EXTENSIONS: list[Any] = [
    "tables", "attr_list", "toc", "admonition", "fenced_code", "sane_lists", HandlesExtension(),
]  # fmt: skip
_EXTENSION_CONFIGS: dict[str, dict[str, Any]] = {
    # align="…" instead of style="text-align: …", so no style attribute is ever needed.
    "tables": {"use_align_attribute": True},
    # Hebrew or Chinese headings would otherwise get empty ASCII anchors.
    "toc": {"slugify": slugify_unicode, "permalink": False},
}

_TAGS = {
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "a", "ul", "ol", "li",
    "table", "thead", "tbody", "tr", "th", "td", "blockquote", "code", "pre",
    "em", "strong", "div", "span", "img", "hr", "br", "abbr", "dl", "dt", "dd", "sup", "sub",
    "bdi",
}  # fmt: skip
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_ATTRIBUTES = {
    **{h: {"id"} for h in _HEADINGS},
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "abbr": {"title"},
    "ol": {"start"},
    "div": {"class"},
    "p": {"class"},
    "span": {"class"},
    "code": {"class"},
}
_ALIGN = {cell: {"align": {"left", "center", "right"}} for cell in ("th", "td")}
# Only the classes our extensions emit: author classes could restyle or hide app UI.
_CLASSES = {
    "admonition", "admonition-title", "note", "tip", "hint", "important", "warning",
    "caution", "danger", "error", "attention", "toc",
}  # fmt: skip
_CODE_CLASS = re.compile(r"^language-[\w+#.-]{1,40}$")
_SAFE_ID = re.compile(r"^[\w-]{1,100}$")
_HTTP = re.compile(r"^\s*https?:", re.IGNORECASE)
_SCHEME = re.compile(r"^\s*[a-z][a-z0-9+.-]*:", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SCRIPT_SCHEME = re.compile(r"^(?:javascript|vbscript|data):")


def _safe_url(value: str) -> bool:
    """Belt and braces on top of nh3's scheme check: some browsers ignored control
    characters inside a scheme, so "java" + U+0001 + "script:" must not pass as relative."""
    if _CONTROL.search(value):
        return False
    return not _SCRIPT_SCHEME.match(re.sub(r"[^a-z:]", "", value.lower()))


def safe_link(url: str, image: bool = False) -> bool:
    """Whether ``url`` may be a link's address (http, https, mailto or relative) or, with
    ``image``, an image's (relative only: see :func:`_link_remote_images`), as the
    sanitiser would allow it."""
    if not _safe_url(url):
        return False
    if image:
        return not _is_remote(url)
    scheme = _SCHEME.match(url)
    return scheme is None or scheme.group(0).strip().lower() in ("http:", "https:", "mailto:")


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    """Narrow allowed attributes to safe values; None drops the attribute."""
    if attr == "class":
        allowed = _CODE_CLASS if tag == "code" else None
        keep = [c for c in value.split() if (allowed.match(c) if allowed else c in _CLASSES)]
        return " ".join(keep) or None
    if attr == "id":
        return value if _SAFE_ID.match(value) else None
    if attr in ("href", "src") and not _safe_url(value):
        return None
    if tag == "img" and attr == "src":
        # Images load without a click: only http(s) or relative, never mailto: or data:.
        return value if _HTTP.match(value) or not _SCHEME.match(value) else None
    return value


def _clean(html: str, tags: set[str] = _TAGS) -> str:
    return _link_remote_images(
        nh3.clean(
            html,
            tags=tags,
            attributes=_ATTRIBUTES,
            tag_attribute_values=_ALIGN,
            attribute_filter=_attribute_filter,
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener noreferrer",
            strip_comments=True,
        )
    )


# nh3 writes every attribute as name="value" with quotes escaped, so these are exact.
_IMG = re.compile(r'<img((?:\s+[a-z-]+="[^"]*")*)\s*/?>')
_ATTRIBUTE = re.compile(r'([a-z-]+)="([^"]*)"')


def _link_remote_images(html: str) -> str:
    """An image from another site becomes a link to it, labelled with its alt text: an
    embedded one would load without a click and tell that site who read the page, and
    when (a tracking pixel). Images on this site stay (the CSP allows only those too)."""

    def replace(match: re.Match) -> str:
        attributes = {k: unescape(v) for k, v in _ATTRIBUTE.findall(match.group(1))}
        src = attributes.get("src", "")
        if not _is_remote(src):
            return match.group(0)
        label = attributes.get("alt") or attributes.get("title") or src
        return f'<a href="{escape(src)}" rel="noopener noreferrer">{escape(label)}</a>'

    return _IMG.sub(replace, html)


def _is_remote(url: str) -> bool:
    # Browsers ignore surrounding spaces and read "\" as "/": "\\host" means "//host".
    url = url.strip().replace("\\", "/")
    return url.startswith("//") or bool(_SCHEME.match(url))


_local = threading.local()


def _markdown(text: str) -> str:
    # Building a Markdown instance costs about twice a quiz answer's conversion: each
    # thread keeps one and resets it between documents, as Python-Markdown documents.
    md = getattr(_local, "md", None)
    if md is None:
        md = _local.md = markdown.Markdown(
            extensions=_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS
        )
    return md.reset().convert(text)


def render_markdown(text: str) -> str:
    """Render block Markdown to sanitised HTML."""
    return _clean(_markdown(text)).strip()


# Inline contexts (a question heading, an answer label) must not receive block elements.
_INLINE_TAGS = {"a", "em", "strong", "code", "abbr", "sup", "sub", "br", "img", "span", "bdi"}
_BLOCK_BREAK = re.compile(r"</p>\s*<p>")


def render_inline(text: str) -> str:
    """Render one line of Markdown to inline HTML: no ``<p>`` or other block elements."""
    html = _BLOCK_BREAK.sub(" ", _markdown(text.strip()))
    return _clean(html, _INLINE_TAGS).strip()


class _TextExtractor(HTMLParser):
    """Collects text, skipping the table of contents (it repeats the headings)."""

    _BLOCKS = {"p", "li", "td", "th", "br", "div", "pre", "blockquote", "dt", "dd", "tr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skip_depth:
            self._skip_depth += tag == "div"
        elif tag == "div" and "toc" in (dict(attrs).get("class") or "").split():
            self._skip_depth = 1
        elif tag in self._BLOCKS or tag in _HEADINGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if self._skip_depth:
            self._skip_depth -= tag == "div"
        elif tag in self._BLOCKS or tag in _HEADINGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self.parts.append(data)


def html_text(html: str) -> str:
    """The visible text of sanitised HTML, with whitespace collapsed."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    return " ".join(unescape("".join(parser.parts)).split())


def plain_text(html_or_md: str) -> str:
    """Plain text for counting words: Markdown (or HTML) is rendered, then tags dropped."""
    return html_text(render_markdown(html_or_md))
