"""Moodle GIFT question banks: parse them, and convert what fits into our quiz Markdown.

Parsing follows Moodle's own importer (``question/format/gift/format.php``), which decides
what a question means once it is in Moodle: questions are separated by blank lines, ``//``
lines are comments, the first unescaped ``{`` and ``}`` delimit the answers, and the type
is inferred from the answers. Where that importer leaves a detail open, the expectations of
the GIFT PEG grammar (fuhrmanator/GIFT-grammar-PEG.js) are followed.

Our quizzes only have single-answer, multiple-answer and true/false questions; every other
GIFT item is skipped and reported with its line and the reason (:func:`gift_to_quiz`).
Pure Python: nothing here imports Flask.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from html.parser import HTMLParser

import yaml

from lms.content.files import SURROGATES
from lms.content.files import surrogate_message
from lms.content.files import without_surrogates

FORMATS = ("moodle", "html", "plain", "markdown")
KINDS = (
    "category", "description", "essay", "multichoice", "truefalse", "shortanswer",
    "numerical", "matching", "invalid",
)  # fmt: skip
MAX_ANSWERS = 26  # our answer ids are the letters a-z

_ESCAPABLE = set("~=#{}:n\\")
_ESCAPE = re.compile(r"\\([~=#{}:n\\])")
_FORMAT = re.compile(rf"^\[({'|'.join(FORMATS)})\]")
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_META = re.compile(r"\[(id|tag):([^\]]*)\]")
_SPACES = re.compile(r"[ \t\r\n]+")  # not U+00A0: a no-break space is meant
_TF_VALUES = {"T": True, "TRUE": True, "F": False, "FALSE": False}


# --- The parsed GIFT --------------------------------------------------------------------


@dataclass(frozen=True)
class GiftText:
    """A piece of text with its GIFT format: moodle, html, plain or markdown."""

    text: str
    format: str = "moodle"


@dataclass
class GiftAnswer:
    text: GiftText
    correct: bool  # marked "=" (an unmarked short answer counts as "=")
    weight: float | None = None  # the explicit %weight%, in percent
    feedback: GiftText | None = None
    match: str | None = None  # matching questions: the answer paired with this text


@dataclass
class GiftQuestion:
    """One GIFT item. ``kind`` is one of :data:`KINDS`; a category item sets the category
    of the questions after it (``category``, also set on every question)."""

    kind: str
    line: int  # 1-based line of the item's first line that is not a comment
    title: str | None = None
    stem: GiftText = GiftText("")
    answers: list[GiftAnswer] = field(default_factory=list)
    general_feedback: GiftText | None = None
    embedded: bool = False  # text follows the answers: a fill-in-the-blank
    is_true: bool | None = None  # true/false questions
    wrong_feedback: GiftText | None = None  # true/false: shown for the wrong choice
    right_feedback: GiftText | None = None  # true/false: shown for the right choice
    category: str | None = None
    id: str | None = None  # from a "// [id:…]" comment
    tags: list[str] = field(default_factory=list)  # from "// [tag:…]" comments
    error: str | None = None  # kind "invalid": why


# --- Escapes ------------------------------------------------------------------------------


def _scan(raw: str, start: int = 0) -> Iterator[int]:
    """Indices of the characters of ``raw`` that are not escaped by a backslash."""
    i = start
    while i < len(raw):
        if raw[i] == "\\" and raw[i + 1 : i + 2] in _ESCAPABLE:
            i += 2
            continue
        yield i
        i += 1


def _find(raw: str, target: str, start: int = 0) -> int:
    """First unescaped occurrence of ``target`` at or after ``start``, else -1."""
    return next((i for i in _scan(raw, start) if raw.startswith(target, i)), -1)


def _rfind(raw: str, target: str) -> int:
    found = -1
    for i in _scan(raw):
        if raw.startswith(target, i):
            found = i
    return found


def _split(raw: str, markers: str) -> list[tuple[str, str]]:
    """(marker, text) pieces of ``raw`` cut before each unescaped marker character."""
    pieces, marker, last = [], "", 0
    for i in _scan(raw):
        if raw[i] in markers:
            pieces.append((marker, raw[last:i]))
            marker, last = raw[i], i + 1
    pieces.append((marker, raw[last:]))
    if not pieces[0][0] and not pieces[0][1].strip():
        pieces.pop(0)
    return pieces


def _unescape(raw: str) -> str:
    return _ESCAPE.sub(lambda m: "\n" if m[1] == "n" else m[1], raw)


def _text(raw: str, default: str) -> GiftText:
    """Text with its optional ``[format]`` marker; whitespace collapses outside html and
    markdown, where line breaks and indentation carry meaning."""
    raw = raw.strip()
    marker = _FORMAT.match(raw)
    fmt = marker[1] if marker else default
    raw = raw[marker.end() :] if marker else raw
    if fmt in ("moodle", "plain"):
        raw = _SPACES.sub(" ", raw)
    return GiftText(_unescape(raw).strip(), fmt)


def _optional(raw: str | None, default: str) -> GiftText | None:
    text = None if raw is None else _text(raw, default)
    return text if text and text.text else None


# --- Blocks: one question each ------------------------------------------------------------


def _is_comment(line: str) -> bool:
    return line.strip().startswith("//")


def _braces(lines: list[str], block: list[int]) -> list[str]:
    """The unescaped braces in the block's non-comment lines, in order."""
    raw = "\n".join(lines[i] for i in block if not _is_comment(lines[i]))
    return [raw[i] for i in _scan(raw) if raw[i] in "{}"]


def _closes_later(lines: list[str], blocks: list[list[int]], i: int) -> bool:
    """Whether a ``{`` left open in block ``i`` seems closed after a blank line: the next
    block with a brace starts with ``}``. Moodle still ends the question at the blank line
    (so no other question is ever swallowed); this only explains the error."""
    braces = _braces(lines, blocks[i])
    if not braces or braces[-1] != "{":
        return False
    found = next((b for b in (_braces(lines, block) for block in blocks[i + 1 :]) if b), [])
    return found[:1] == ["}"]


def _blocks(lines: list[str]) -> list[list[int]]:
    """Line indices of each blank-line separated block: one item each, as in Moodle, which
    splits the file at blank lines before it reads any brace."""
    blocks: list[list[int]] = [[]]
    for i, line in enumerate(lines):
        if line.strip():
            blocks[-1].append(i)
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


# --- Questions ----------------------------------------------------------------------------


def _title(raw: str) -> tuple[str | None, str]:
    if not raw.startswith("::"):
        return None, raw
    end = _find(raw, "::", 2)
    if end < 0:
        return None, raw[2:]
    return " ".join(_unescape(raw[2:end]).split()), raw[end + 2 :]


def _kind(body: str) -> str:
    """The question type, inferred from the answers as Moodle does."""
    if not body:
        return "essay"
    if body.startswith("#"):
        return "numerical"
    if _find(body, "~") >= 0:
        return "multichoice"
    if _find(body, "=") >= 0 and "->" in body:
        return "matching"
    cut = _find(body, "#")
    return "truefalse" if (body[:cut] if cut > 0 else body).strip() in _TF_VALUES else "shortanswer"


def _choice(marker: str, raw: str, fmt: str, kind: str) -> GiftAnswer:
    raw = raw.strip()
    weight = _WEIGHT.match(raw)
    if weight:
        raw = raw[weight.end() :]
    cut = _find(raw, "#")
    text, feedback = (raw[:cut], raw[cut + 1 :]) if cut >= 0 else (raw, None)
    return GiftAnswer(
        text=_text(text, fmt),
        correct=marker == "=" or (not marker and kind == "shortanswer"),
        weight=float(weight[1]) if weight else None,
        feedback=_optional(feedback, fmt),
    )


def _pair(raw: str, fmt: str) -> GiftAnswer:
    left, _, right = raw.partition("->")
    return GiftAnswer(_text(left, fmt), True, match=" ".join(_unescape(right).split()))


def _answers(question: GiftQuestion, body: str) -> None:
    """Fill in the answers of ``question`` from the text between the braces."""
    fmt = question.stem.format
    if question.kind == "truefalse":
        value, *given = [body[a:b] for a, b in _hash_cuts(body)]
        question.is_true = _TF_VALUES[value.strip()]
        feedback: list[str | None] = [*given, None, None]
        question.wrong_feedback = _optional(feedback[0], fmt)
        question.right_feedback = _optional(feedback[1], fmt)
    elif question.kind == "matching":
        question.answers = [_pair(raw, fmt) for _, raw in _split(body, "=")]
    elif question.kind != "essay":
        text = body[1:] if question.kind == "numerical" else body
        pieces = _split(text, "~=")
        question.answers = [_choice(m, raw, fmt, question.kind) for m, raw in pieces]


def _hash_cuts(body: str) -> list[tuple[int, int]]:
    """Spans of the value and up to two feedbacks of a true/false answer (``T#wrong#right``);
    a third ``#`` belongs to the right-answer feedback, as in Moodle."""
    cuts = [i for i in _scan(body) if body[i] == "#"][:2]
    starts = [0, *(c + 1 for c in cuts)]
    ends = [*cuts, len(body)]
    return list(zip(starts, ends, strict=True))


def _question(raw: str, line: int) -> GiftQuestion:
    """One GIFT question from its text, comments removed."""
    title, raw = _title(raw)
    start, end = _find(raw, "{"), _find(raw, "}")
    if start < 0 and end < 0:
        return GiftQuestion("description", line, title, _text(raw, "moodle"))
    if start >= 0:
        end = _find(raw, "}", start)
    if start < 0 or end < 0:
        error = UNCLOSED if start >= 0 else "a } without its opening {"
        return GiftQuestion("invalid", line, title, _text(raw, "moodle"), error=error)
    after = raw[end + 1 :].strip()
    stem = " ".join(p for p in (raw[:start].strip(), "_____" if after else "", after) if p)
    body = raw[start + 1 : end].strip()
    question = GiftQuestion("", line, title, _text(stem, "moodle"), embedded=bool(after))
    general = _rfind(body, "####")
    if general >= 0:
        question.general_feedback = _optional(body[general + 4 :], question.stem.format)
        body = body[:general].strip()
    question.kind = _kind(body)
    _answers(question, body)
    return question


def _item(lines: list[str], numbers: list[int], category: str | None) -> list[GiftQuestion]:
    """The items of one block: a ``$CATEGORY:`` line, a question, or both."""
    items: list[GiftQuestion] = []
    if lines[0].strip().startswith("$CATEGORY:"):
        category = " ".join(_unescape(lines[0].strip()[len("$CATEGORY:") :]).split())
        items.append(GiftQuestion("category", numbers[0], title=category, category=category))
        rest = next((i for i, line in enumerate(lines[1:], 1) if line.strip()), len(lines))
        lines, numbers = lines[rest:], numbers[rest:]
    if lines:
        question = _question("\n".join(lines).strip(), numbers[0])
        question.category = category
        items.append(question)
    return items


UNCLOSED = "a { without its closing }"
BLANK_LINE_HINT = (
    ": a blank line ends a question, even between braces; write a line break "
    "in an answer or a feedback as \\n"
)


def _not_text(lines: list[str], kept: list[int], bad: int, category: str | None) -> GiftQuestion:
    """An invalid item for a block holding a UTF-16 surrogate (only text handed over as a
    string can: decoding a file refuses them)."""
    found = SURROGATES.search(lines[bad])
    assert found, "called for the line where a surrogate was found"
    stem = GiftText(without_surrogates(" ".join(lines[i].strip() for i in kept)))
    return GiftQuestion(
        "invalid", bad + 1, stem=stem, category=category, error=surrogate_message(found.group())
    )


def parse_gift(text: str) -> list[GiftQuestion]:
    """Every item of a GIFT file, in order: questions of all types, categories, and
    ``invalid`` items for questions that cannot be read (with the reason in ``error``)."""
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    items: list[GiftQuestion] = []
    category = None
    blocks = _blocks(lines)
    for n, block in enumerate(blocks):
        comments = [lines[i] for i in block if _is_comment(lines[i])]
        kept = [i for i in block if not _is_comment(lines[i])]
        if not kept:
            continue
        bad = next((i for i in kept if SURROGATES.search(lines[i])), None)
        if bad is not None:
            items.append(_not_text(lines, kept, bad, category))
            continue
        found = _item([lines[i] for i in kept], [i + 1 for i in kept], category)
        category = found[-1].category
        if found[-1].error == UNCLOSED and _closes_later(lines, blocks, n):
            found[-1].error += BLANK_LINE_HINT
        meta = _META.findall(" ".join(comments))
        for question in found:
            if question.kind != "category":
                question.id = next((v.strip() for k, v in meta if k == "id"), None)
                question.tags = [v.strip() for k, v in meta if k == "tag"]
        items += found
    return items


# --- Text conversion: GIFT text to our Markdown -------------------------------------------

_MD_ESCAPE = re.compile(r"([\\`*_\[\]{}|#])")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_BLOCK_START = re.compile(r"^(?: {4}|\t| {0,3}(?:[-*+](?:\s|$)|\d+[.)](?:\s|$)|>|#|\||`{3}|~{3}))")
_TASK_START = re.compile(r"^(\s*(?:[-*+]\s+)?)\[([ xX])\]")
_SAFE_URL = re.compile(r"^(?:https?://|mailto:)", re.IGNORECASE)
_INLINE = {"b": "strong", "strong": "strong", "i": "em", "em": "em", "code": "code",
           "tt": "code", "kbd": "code", "sub": "sub", "sup": "sup"}  # fmt: skip
_BLOCKS = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "table",
    "tr", "hr", "dl", "dt", "dd", "section", "article", "header", "footer", "figure",
    "figcaption", "address", "center",
}  # fmt: skip
_SKIPPED = {"script", "style", "head", "title", "template", "noscript"}


def _escape(text: str) -> str:
    """Literal text as Markdown that shows exactly that text."""
    text = re.sub(r"&(?=#?\w+;)", "&amp;", text).replace("<", "&lt;")
    return _MD_ESCAPE.sub(r"\\\1", text)


def _guard_line(line: str, first: bool = True) -> str:
    """Keep a line of literal text from starting a list, a quote, a rule or (after another
    line) a setext underline."""
    if re.match(r"[-+*](\s|$)|>|-[-\s]*$", line):
        return "\\" + line
    if number := re.match(r"\d+(?=[.)](\s|$))", line):
        return line[: number.end()] + "\\" + line[number.end() :]
    return "&#61;" + line[1:] if not first and re.fullmatch(r"=+\s*", line) else line


class _HtmlToMarkdown(HTMLParser):
    """HTML to Markdown blocks: text is kept and escaped, simple inline tags stay as HTML
    (our renderer sanitises them), block structure becomes paragraphs and list items."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.notes: list[str] = []
        self._parts: list[str] = []
        self._open: list[str] = []  # inline tags to close at the end of a block
        self._prefix = ""
        self._pre: list[str] | None = None
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skip += 1
        elif self._skip:
            return
        elif self._pre is not None:
            self._pre.append("\n" if tag == "br" else "")
        elif tag == "pre":
            self._flush()
            self._pre = []
        elif tag in _BLOCKS or tag in ("td", "th"):
            self._block_start(tag)
        else:
            self._inline_start(tag, dict(attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in _SKIPPED:
            self._skip -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skip = max(0, self._skip - 1)
        elif self._skip:
            return
        elif tag == "pre" and self._pre is not None:
            self._code_block("".join(self._pre))
            self._pre = None
        elif self._pre is not None:
            return
        elif tag in _BLOCKS:
            self._flush()
            self._prefix = ""  # an empty <li> marks nothing after it
        elif tag == "a" and "a" in self._open or _INLINE.get(tag) in self._open:
            name = "a" if tag == "a" else _INLINE[tag]
            while self._open:
                closing = self._open.pop()
                self._parts.append(f"</{closing}>")
                if closing == name:
                    break

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._pre is not None:
            self._pre.append(data)
        else:
            self._parts.append(_escape(_SPACES.sub(" ", data)))

    def close(self) -> None:
        super().close()
        if self._pre is not None:
            self._code_block("".join(self._pre))
        self._flush()

    def _block_start(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._parts.append(" ")
            return
        self._flush()
        if tag == "li":
            self._prefix = "- "
        if tag == "table" and "an HTML table became plain text" not in self.notes:
            self.notes.append("an HTML table became plain text")

    def _inline_start(self, tag: str, attrs: dict[str, str | None]) -> None:
        if tag == "br":
            self._parts.append("\n")
        elif tag == "img":
            self._image(attrs.get("src") or "", attrs.get("alt") or "")
        elif tag == "a" and _SAFE_URL.match(attrs.get("href") or ""):
            self._parts.append(f'<a href="{html.escape(attrs["href"] or "")}">')
            self._open.append("a")
        elif tag in _INLINE:
            self._parts.append(f"<{_INLINE[tag]}>")
            self._open.append(_INLINE[tag])

    def _image(self, src: str, alt: str) -> None:
        if _SAFE_URL.match(src):
            self._parts.append(f'<img src="{html.escape(src)}" alt="{html.escape(alt)}">')
            return
        # Moodle exports embedded files as @@PLUGINFILE@@ references; the files are not in
        # the GIFT file, so the image cannot come along.
        self.notes.append(f"image not imported (not an http(s) address): {src[:80]}")
        self._parts.append(_escape(alt))

    def _code_block(self, code: str) -> None:
        code = code.strip("\n")
        if code.strip():
            fence = "~~~~" if "```" in code else "```"
            self.blocks.append(f"{fence}\n{code}\n{fence}")

    def _flush(self) -> None:
        self._parts += [f"</{tag}>" for tag in reversed(self._open)]
        self._open = []
        lines = [re.sub(" +", " ", line).strip() for line in "".join(self._parts).split("\n")]
        lines = [line for line in lines if line]
        text = "\n".join(_guard_line(line, n == 0) for n, line in enumerate(lines))
        self._parts = []
        if re.sub(r"<(?!img\b)[^>]*>", "", text).strip():  # not just tags left from <br><p></p>
            self.blocks.append(self._prefix + text)
            self._prefix = ""  # else kept: <li><p>text</p></li> is one list item


def _markdown_blocks(text: str) -> list[str]:
    """Markdown split into blocks at blank lines outside code fences; an unclosed fence is
    closed, else it would hide the questions after it from our parser."""
    blocks: list[list[str]] = [[]]
    fence = ""
    for line in text.split("\n"):
        match = _FENCE.match(line)
        if fence:
            closing = line.strip().startswith(fence) and not line.strip().strip(fence[0])
            fence = "" if closing else fence
        elif match:
            fence = match[1]
        elif not line.strip():
            blocks.append([])
            continue
        blocks[-1].append(_guard_markdown(line) if not fence and not match else line)
    if fence:
        blocks[-1].append(fence)
    return ["\n".join(b) for b in blocks if b]


def _guard_markdown(line: str) -> str:
    """Keep a Markdown line from starting one of our questions or answers."""
    if re.match(r"^##(?!#)", line):
        return "#" + line  # a level-2 heading would start a question: demote it
    return _TASK_START.sub(lambda m: m[1] + "\\[" + m[2] + "]", line, 1)


def to_markdown(text: GiftText) -> tuple[list[str], list[str]]:
    """(Markdown blocks, notes on what could not be kept) for a GIFT text."""
    if text.format == "markdown":
        return _markdown_blocks(text.text), []
    if text.format == "plain":
        lines = [_escape(line.strip()) for line in text.text.split("\n") if line.strip()]
        guarded = [_guard_line(line, n == 0) for n, line in enumerate(lines)]
        return (["\n".join(guarded)] if guarded else []), []
    # Moodle's own format is HTML in which a line break is a <br>.
    source = text.text.replace("\n", "<br>") if text.format == "moodle" else text.text
    parser = _HtmlToMarkdown()
    parser.feed(source)
    parser.close()
    return parser.blocks, parser.notes


# --- Conversion to our quiz format --------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """A question that was skipped, or converted with a caveat (``kind`` "note")."""

    line: int
    label: str  # the GIFT title, else the first words of the question
    reason: str
    kind: str = "skipped"

    def __str__(self) -> str:
        return f"{self.line}: {self.kind}: {self.reason} ({self.label})"


@dataclass
class ConversionResult:
    markdown: str
    converted: int
    skipped: list[Report]
    notes: list[Report] = field(default_factory=list)


class _Unsupported(Exception):
    """The question cannot be expressed in our format; the message says why."""


_NO_CHOICE = "our quizzes have only single, multiple and true/false questions"
_SKIPPED_KINDS = {
    "description": "description (text without answers); " + _NO_CHOICE,
    "essay": "essay question; " + _NO_CHOICE,
    "shortanswer": "short-answer question; " + _NO_CHOICE,
    "numerical": "numerical question; " + _NO_CHOICE,
    "matching": "matching question; " + _NO_CHOICE,
}


def _plain(text: GiftText) -> str:
    if text.format in ("html", "moodle"):
        return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", text.text)).split())
    return " ".join(text.text.split())


def label(question: GiftQuestion, words: int = 8) -> str:
    """How reports name a question: its title, else its first words."""
    if question.title:
        return question.title
    first = _plain(question.stem).split()
    return " ".join(first[:words]) + (" …" if len(first) > words else "") or "(no text)"


def _slug(text: str, words: int = 6) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower())[:words])[:60].strip("-")


def _unique_id(title: str | None, heading: str, taken: set[str]) -> str:
    """A kebab-case id from the title (or the heading's first words), unique in the quiz."""
    words = html.unescape(re.sub(r"<[^>]*>|\\(?=[^\w\s])", "", heading))
    base = _slug(title or "") or _slug(words) or "question"
    qid, n = base, 1
    while qid in taken:
        n += 1
        qid = f"{base}-{n}"
    taken.add(qid)
    return qid


def _one_line(blocks: list[str]) -> str:
    return " ".join(" ".join(line.strip() for line in b.split("\n")) for b in blocks).strip()


def _inline(text: GiftText, notes: list[str]) -> str:
    """Text for one line (an answer or the heading), safe at the start of that line."""
    blocks, found = to_markdown(text)
    notes += found
    line = _one_line(blocks)
    if text.format == "markdown":
        line = _TASK_START.sub(lambda m: m[1] + "\\[" + m[2] + "]", line, 1)
        line = re.sub(r"^#", r"\\#", _guard_line(line))
    return line


def _braces_escaped(line: str) -> str:
    """Escape { and } outside code spans: a heading must end with our own {#id .type}."""
    parts = re.split(r"(`+[^`]*`+)", line)
    return "".join(p if p.startswith("`") else re.sub(r"(?<!\\)([{}])", r"\\\1", p) for p in parts)


def _heading_and_scenario(question: GiftQuestion, notes: list[str]) -> tuple[str, list[str]]:
    blocks, found = to_markdown(question.stem)
    notes += found
    if not blocks:
        raise _Unsupported("the question has no text")
    if _BLOCK_START.match(blocks[0]):  # a list or code first: the title heads the question
        heading = _guard_line(_escape(question.title or label(question)))
        return heading, blocks
    heading = _one_line(blocks[:1])
    if question.stem.format == "markdown":
        heading = _braces_escaped(re.sub(r"^#", r"\\#", _guard_line(heading)))
    return heading, blocks[1:]


def _quoted(text: GiftText | None, indent: str, notes: list[str]) -> list[str]:
    """A feedback or explanation as block-quote lines (no blank lines: they would end it)."""
    if text is None:
        return []
    blocks, found = to_markdown(text)
    notes += found
    lines = "\n\n".join(blocks).split("\n") if blocks else []
    return [f"{indent}> {line}".rstrip() for line in lines]


def _weight(answer: GiftAnswer) -> float:
    if answer.weight is not None:
        return answer.weight
    return 100.0 if answer.correct else 0.0


def _percent(value: float) -> str:
    return f"{value:g}%"


def _multiple_note(weights: list[float]) -> str | None:
    """Why Moodle's weights grade differently from our rule, or None if they agree."""
    right = sum(w > 0 for w in weights)
    ours = [100 / right if w > 0 else -100 / right for w in weights]
    if all(abs(a - b) < 0.01 for a, b in zip(weights, ours, strict=True)):
        return None
    gift = "/".join(_percent(w) for w in weights)
    mine = "/".join(_percent(round(w, 2)) for w in ours)
    return f"partial credit differs: GIFT weights {gift}, our grading {mine}"


def _choice_kind(question: GiftQuestion) -> tuple[str, list[bool], list[str]]:
    """(our type, which answers are right, notes) for a multiple-choice question."""
    weights = [_weight(a) for a in question.answers]
    if len(weights) < 2:
        raise _Unsupported("a multiple-choice question needs at least two answers")
    if len(weights) > MAX_ANSWERS:
        raise _Unsupported(f"more than {MAX_ANSWERS} answers")
    if any(a.correct for a in question.answers):  # Moodle: any "=" makes it single-answer
        full = sum(abs(w - 100) < 0.01 for w in weights)
        if full != 1:
            why = "no answer is fully right (=)" if not full else f"{full} answers are fully right"
            raise _Unsupported(f"{why}: a single-answer question needs exactly one")
        right = [abs(w - 100) < 0.01 for w in weights]
        partial = [
            f"answer {n}: {_percent(w)}"
            for n, (w, ok) in enumerate(zip(weights, right, strict=True), 1)
            if w and not ok
        ]
        note = f"partial credit dropped ({', '.join(partial)}): only the right answer scores"
        return "single", right, [note] if partial else []
    if not any(w > 0 for w in weights):
        raise _Unsupported("no right answer (no answer has a positive weight)")
    multiple_note = _multiple_note(weights)
    return "multiple", [w > 0 for w in weights], [multiple_note] if multiple_note else []


def _answer_lines(
    texts: list[GiftText], right: list[bool], feedback: list[GiftText | None], notes: list[str]
) -> list[str]:
    lines = []
    for n, (text, correct, fb) in enumerate(zip(texts, right, feedback, strict=True), 1):
        words = _inline(text, notes)
        if not words:
            raise _Unsupported(f"answer {n} has no text")
        lines.append(f"- [{'x' if correct else ' '}] {words}")
        lines += _quoted(fb, "  ", notes)
    return lines


def _body(question: GiftQuestion, notes: list[str]) -> tuple[str, list[str]]:
    """(our type, answer lines) of a convertible question."""
    if question.kind == "truefalse":
        assert question.is_true is not None, "parsing a true/false question sets its value"
        right = [question.is_true, not question.is_true]
        feedback = [
            question.right_feedback if ok else question.wrong_feedback for ok in right
        ]  # fmt: skip
        texts = [GiftText("True", "plain"), GiftText("False", "plain")]
        return "true-false", _answer_lines(texts, right, feedback, notes)
    kind, right, found = _choice_kind(question)
    notes += found
    texts = [a.text for a in question.answers]
    feedback = [a.feedback for a in question.answers]
    return kind, _answer_lines(texts, right, feedback, notes)


def _comment(name: str, value: str) -> str:
    return f"<!-- {name}: {' '.join(value.replace('--', '- -').split())} -->"


def _convert(question: GiftQuestion, taken: set[str], source: str) -> tuple[str, list[str]]:
    """(our Markdown for the question, notes); raises _Unsupported."""
    if question.kind == "invalid":
        raise _Unsupported(f"not valid {source}: {question.error}")
    if question.kind in _SKIPPED_KINDS:
        raise _Unsupported(_SKIPPED_KINDS[question.kind])
    if question.embedded:
        raise _Unsupported("answers embedded in the text (fill in the blank); " + _NO_CHOICE)
    notes: list[str] = []
    heading, scenario = _heading_and_scenario(question, notes)
    kind, answers = _body(question, notes)
    explanation = _quoted(question.general_feedback, "", notes)
    lines = [f"## {heading} {{#{_unique_id(question.title, heading, taken)} .{kind}}}"]
    if question.category:
        lines.append(_comment("category", question.category))
    if question.id:
        lines.append(_comment("gift-id", question.id))
    if question.tags:
        lines.append(_comment("tags", ", ".join(question.tags)))
    for part in ("\n\n".join(scenario), "\n".join(answers), "\n".join(explanation)):
        lines += ["", part] if part else []
    return "\n".join(lines), notes


def _front_matter(title: str, pool: int | None, shuffle: bool) -> str:
    fields: dict[str, object] = {"title": title}
    if pool is not None:
        fields["pool"] = pool
    fields["shuffle"] = shuffle
    dumped = yaml.safe_dump(fields, allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{dumped}---\n"


def gift_to_quiz(
    questions: list[GiftQuestion],
    title: str,
    pool: int | None = None,
    shuffle: bool = True,
    source: str = "GIFT",
) -> ConversionResult:
    """Our quiz Markdown for the questions that fit; every other one is reported in
    ``skipped``, and converted ones whose meaning shifted (grading, images) in ``notes``.
    ``source`` names the format the questions were read from (the Aiken importer's too).

    Raises ValueError when ``pool`` is not between 1 and the number of converted questions.
    """
    if not title.strip():
        raise ValueError("the quiz needs a title")
    if surrogate := SURROGATES.search(title):
        raise ValueError("the quiz title: " + surrogate_message(surrogate[0]))
    parts: list[str] = []
    skipped: list[Report] = []
    notes: list[Report] = []
    taken: set[str] = set()
    for question in questions:
        if question.kind == "category":
            continue
        try:
            markdown, found = _convert(question, taken, source)
        except _Unsupported as why:
            skipped.append(Report(question.line, label(question), str(why)))
            continue
        parts.append(markdown)
        notes += [Report(question.line, label(question), note, "note") for note in found]
    if pool is not None and not 1 <= pool <= len(parts):
        raise ValueError(f"pool must be from 1 to the number of converted questions ({len(parts)})")
    body = _front_matter(title, pool, shuffle) + "".join(f"\n{part}\n" for part in parts)
    return ConversionResult(body, len(parts), skipped, notes)
