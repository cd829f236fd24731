"""Hashtags and handles in right-to-left text: isolated, so the bidi algorithm keeps
"#ad" as "#ad" (and not "ad#") inside Hebrew."""

from __future__ import annotations

from lms.content import load_course
from lms.content import render_inline
from lms.content import render_markdown
from tests.helpers import SAMPLE_COURSE

HE1 = f"courses/{SAMPLE_COURSE}/he/01-why-it-matters.md"


def test_hashtags_and_handles_in_hebrew_are_isolated():
    html = render_markdown("כשאתם מפרסמים תוכן ממומן, הוסיפו #ad ותייגו את @OurCompany.")
    assert html == (
        "<p>כשאתם מפרסמים תוכן ממומן, הוסיפו <bdi>#ad</bdi> ותייגו את <bdi>@OurCompany</bdi>.</p>"
    )


def test_inline_text_and_emphasis_keep_the_isolation():
    assert (
        render_inline("שאלה על **#IAmIntel**?") == "שאלה על <strong><bdi>#IAmIntel</bdi></strong>?"
    )


def test_addresses_anchors_code_and_attribute_lists_are_left_alone():
    html = render_markdown(
        "mail a@example.com, https://example.com/#part, [x](#part), `#code`, C# and &#35;1\n\n"
        "## כותרת {#stable-anchor}"
    )
    assert "<bdi>" not in html
    assert '<h2 id="stable-anchor">כותרת</h2>' in html


def test_the_sanitiser_keeps_bdi_but_not_its_attributes():
    assert render_markdown('<bdi onclick="x()">@x</bdi>') == "<p><bdi>@x</bdi></p>"


def test_a_hebrew_module_renders_isolated_hashtags(files, tree):
    files[HE1] = files[HE1].replace("כל עובד הוא קול.", "כל עובד הוא קול: #employee")
    course, _ = load_course(tree(files), SAMPLE_COURSE)
    assert "<bdi>#employee</bdi>" in course.module("he", "why-it-matters").html
