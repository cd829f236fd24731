"""Markdown rendering: features work, and nothing executable survives sanitising."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest

from lms.content import plain_text
from lms.content import render_inline
from lms.content import render_markdown

BLNS = Path(__file__).resolve().parents[1] / "data" / "strings" / "blns.json"  # MIT, see there
# An event handler inside a tag. Text such as '" onfocus=x' is escaped by the sanitiser
# ("<" becomes "&lt;"), so only a literal "<" can open a tag in the output.
EVENT_HANDLER = re.compile(r"<[^>]*\son\w+\s*=", re.IGNORECASE)
SCRIPT_URL = re.compile(r"""<[^>]*\s(?:href|src)\s*=\s*["']?\s*(?:javascript|vbscript|data):""")


def assert_safe(html: str) -> None:
    lowered = html.lower()
    assert "<script" not in lowered and "<style" not in lowered and "<iframe" not in lowered
    assert not EVENT_HANDLER.search(html), html
    assert not SCRIPT_URL.search(lowered), html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>hello",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "![x](data:image/svg+xml;base64,PHN2Zz4=)",
        "<style>body{display:none}</style>",
        '<iframe src="https://example.com"></iframe>',
        '<p style="position:fixed" onclick="x()">hi</p>',
        '<svg onload="alert(1)"></svg>',
        "<a href=java&#1&#2&#3script:alert(1)>x</a>",
    ],
)
def test_executable_content_is_removed(source):
    html = render_markdown(source)
    assert_safe(html)
    assert "alert" not in html or "&lt;" in html or "<" not in html.replace("<p>", "")


def test_script_content_is_dropped_not_shown():
    assert render_markdown("<script>alert(1)</script>\n\nhello") == "<p>hello</p>"


def test_links_get_rel_and_keep_safe_urls():
    html = render_markdown('[a](https://example.com "T") [m](mailto:a@example.com) [r](/x)')
    assert '<a href="https://example.com" title="T" rel="noopener noreferrer">a</a>' in html
    assert 'href="mailto:a@example.com"' in html and 'href="/x"' in html


def test_images_only_from_this_site_remote_ones_become_links():
    html = render_markdown("![a](https://e.com/a.png) ![b](b.png) ![c](mailto:x@y.z)")
    assert '<a href="https://e.com/a.png" rel="noopener noreferrer">a</a>' in html
    assert not re.search(r"<img[^>]*e\.com", html) and 'src="b.png"' in html
    assert "mailto" not in html


@pytest.mark.parametrize(
    "source",
    [
        "![pixel](https://tracker.example/p.gif)",
        "![](http://tracker.example/p.gif)",
        "![x](//tracker.example/p.gif)",
        '<img src="https://tracker.example/p.gif">',
        '<img src=" //tracker.example/p.gif" alt="x">',
        "<img src='\\\\tracker.example/p'>",
        '<img src="/\\tracker.example/p">',
        "![x](HTTPS://tracker.example/p.gif)",
        'A ![x](https://tracker.example/p.gif "T") inline',
    ],
)
def test_no_remote_image_is_embedded(source):
    for html in (render_markdown(source), render_inline(source)):
        assert not re.search(r"<img[^>]*tracker", html), html
        assert_safe(html)


def test_a_remote_image_link_keeps_its_text_escaped():
    html = render_markdown('<img src="https://e.com/a.png" alt="<b>&quot;hi&quot;</b>">')
    assert html == (
        '<p><a href="https://e.com/a.png" rel="noopener noreferrer">'
        "&lt;b&gt;&quot;hi&quot;&lt;/b&gt;</a></p>"
    )


def test_images_on_this_site_stay():
    html = render_markdown("![logo](/static/logo.png) ![b](img/b.png)")
    assert '<img alt="logo" src="/static/logo.png">' in html and 'src="img/b.png"' in html


def test_admonition():
    html = render_markdown('!!! warning "Careful"\n    Think first.\n')
    assert html == (
        '<div class="admonition warning">\n<p class="admonition-title">Careful</p>\n'
        "<p>Think first.</p>\n</div>"
    )


def test_table_with_alignment():
    html = render_markdown("| a | b |\n|:--|--:|\n| 1 | 2 |\n")
    assert '<th align="left">a</th>' in html and '<td align="right">2</td>' in html
    assert "style" not in html


def test_toc_and_attribute_lists():
    html = render_markdown("[TOC]\n\n## First {#one}\n\n## שלום\n\nText\n{: .hidden }\n")
    assert '<div class="toc">' in html and '<a href="#one"' in html
    assert '<h2 id="one">First</h2>' in html
    assert '<h2 id="שלום">שלום</h2>' in html  # unicode anchors, not empty ones
    assert "hidden" not in html  # author classes could restyle the app


def test_fenced_code_keeps_language_class_only():
    html = render_markdown("```python\nprint('<b>')\n```\n")
    assert "<pre><code class=\"language-python\">print('&lt;b&gt;')" in html


def test_other_allowed_markup():
    html = render_markdown("a^b^ ~c~\n\n---\n\n> quote\n\n*em* **strong** `code`\n")
    for tag in ("<hr>", "<blockquote>", "<em>", "<strong>", "<code>"):
        assert tag in html


def test_inline_has_no_paragraph():
    assert render_inline("Hello *world*") == "Hello <em>world</em>"
    assert render_inline("  ") == ""
    assert render_inline("<script>x</script>ok") == "ok"
    assert render_inline("# Not a heading [x](https://e.com)") == (
        'Not a heading <a href="https://e.com" rel="noopener noreferrer">x</a>'
    )


def test_plain_text_counts_visible_words_once():
    text = plain_text("[TOC]\n\n## Heading\n\nSome *text* &amp; more.\n")
    assert text == "Heading Some text & more."


def test_render_is_thread_safe():
    sources = [f"## Title {i} {{#t{i}}}\n\n[TOC]\n\n- item {i}\n" for i in range(40)]
    expected = [render_markdown(s) for s in sources]
    results: dict[int, str] = {}

    def work(i: int) -> None:
        for _ in range(5):
            results[i] = render_markdown(sources[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [results[i] for i in range(40)] == expected


@pytest.mark.skipif(not BLNS.exists(), reason="shared/testdata/strings/blns.json not present")
def test_big_list_of_naughty_strings():
    strings = json.loads(BLNS.read_text(encoding="utf-8"))
    for text in strings:
        assert_safe(render_markdown(text))
        assert_safe(render_inline(text))
        assert_safe(render_markdown(f"!!! note\n    {text}\n\n| {text} |\n|---|\n| x |\n"))
