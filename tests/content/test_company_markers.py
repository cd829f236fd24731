"""``{{company.KEY}}`` markers: the validator (file and line) and how values are filled
into rendered content (escaped, linked, a placeholder when missing)."""

from __future__ import annotations

from lms.content import load_course
from lms.content import render_markdown
from lms.content.company import BY_KEY
from lms.content.company import Filling
from lms.content.company import check_markers
from lms.content.company import used_keys
from tests.helpers import SAMPLE_COURSE

M1 = f"courses/{SAMPLE_COURSE}/en/01-why-it-matters.md"
QUIZ = f"quizzes/{SAMPLE_COURSE}/en.md"
REQUIRED_KEYS = {
    "company_name", "disclosure_tag", "social_media_team_contact", "champions_list",
    "communications_contact", "investor_relations_contact", "it_security_contact",
    "hr_contact", "privacy_officer", "legal_contact", "trading_policy_link",
    "code_of_conduct_link", "crisis_channel", "after_hours_route",
}  # fmt: skip


def fill(html: str, lang: str = "en", **values: str) -> str:
    return Filling(values, lambda key, lang: f"[{key} in {lang}]").html(html, lang)


def test_the_registry_has_every_key_the_courses_may_name():
    assert REQUIRED_KEYS <= set(BY_KEY)
    assert BY_KEY["disclosure_tag"].default == "#employee"
    assert all(s.label and s.help for s in BY_KEY.values())


def test_an_unknown_key_is_an_error_with_file_and_line(files, tree):
    files[M1] = files[M1] + "\nAsk {{company.hr_contct}} first.\n"
    course, problems = load_course(tree(files), SAMPLE_COURSE)
    assert course is None
    [problem] = [p for p in problems if p.severity == "error"]
    assert (problem.path, problem.line) == (M1, 7)
    assert problem.message.startswith(
        "unknown company setting 'hr_contct' in {{company.hr_contct}}: did you mean hr_contact?"
    )


def test_a_marker_in_a_quiz_is_checked_too(files, tree):
    files[QUIZ] = files[QUIZ].replace("Give the date.", "Ask {{company.nobody}}.")
    _, problems = load_course(tree(files), SAMPLE_COURSE)
    assert [(p.path, p.line) for p in problems if "nobody" in p.message] == [(QUIZ, 10)]


def test_near_misses_are_errors_and_comments_are_ignored():
    text = "a {{ company.hr_contact }}\nb {{company.HR_contact}}\n<!-- {{company.notes}} -->\n"
    problems = check_markers("f.md", text)
    assert [(p.line, p.message) for p in problems] == [
        (1, "write the marker {{ company.hr_contact }} as {{company.hr_contact}}: no spaces, "
         "key in lower case"),
        (2, "write the marker {{company.HR_contact}} as {{company.hr_contact}}: no spaces, "
         "key in lower case"),
    ]  # fmt: skip


def test_used_keys_say_where():
    texts = {"b.md": "x\n{{company.hr_contact}}", "a.md": "{{company.hr_contact}} {{company.x}}"}
    assert used_keys(texts) == {"hr_contact": [("a.md", 1), ("b.md", 2)]}


def test_values_are_escaped_and_addresses_linked():
    html = render_markdown("Ask {{company.hr_contact}} or see {{company.trading_policy_link}}.")
    filled = fill(
        html,
        hr_contact="HR <hr@acme.example>",
        trading_policy_link="https://acme.example/t?a=1&b=2",
    )
    assert filled == (
        '<p>Ask HR &lt;<a href="mailto:hr@acme.example" rel="noopener noreferrer">'
        "hr@acme.example</a>&gt; or see "
        '<a href="https://acme.example/t?a=1&amp;b=2" rel="noopener noreferrer">'
        "https://acme.example/t?a=1&amp;b=2</a>.</p>"
    )


def test_a_missing_value_is_a_visible_placeholder_never_the_marker():
    filled = fill(render_markdown("Ask {{company.legal_contact}}."), "he")
    assert filled == '<p>Ask <span class="company-unset">[legal_contact in he]</span>.</p>'


def test_inside_links_and_code_values_are_not_linked_again():
    html = render_markdown(
        "[write to {{company.hr_contact}}](https://x.example) `{{company.hr_contact}}`"
    )
    filled = fill(html, hr_contact="hr@acme.example")
    assert (
        '<a href="https://x.example" rel="noopener noreferrer">write to hr@acme.example</a>'
        in filled
    )
    assert "<code>hr@acme.example</code>" in filled


def test_a_marker_as_a_link_address_takes_only_a_safe_address():
    html = render_markdown("[policy]({{company.trading_policy_link}}) [hr]({{company.hr_contact}})")
    assert 'href="https://acme.example/p"' in fill(
        html, trading_policy_link="https://acme.example/p"
    )
    assert 'href="#"' in fill(html, trading_policy_link="javascript:alert(1)")
    assert 'href="#"' in fill(html, trading_policy_link='x" onclick="alert(1)')
    assert 'href="mailto:hr@acme.example"' in fill(html, hr_contact="hr@acme.example")


def test_a_hashtag_value_is_isolated_for_right_to_left_text():
    filled = fill(render_markdown("תייגו {{company.disclosure_tag}} בכל פוסט."), "he",
                  disclosure_tag="#IAmAcme")  # fmt: skip
    assert filled == "<p>תייגו <bdi>#IAmAcme</bdi> בכל פוסט.</p>"


def test_titles_are_filled_as_plain_text():
    filling = Filling({"company_name": "<Acme>"}, lambda key, lang: f"[{key}]")
    assert filling.text("{{company.company_name}} and {{company.hr_contact}}", "en") == (
        "<Acme> and [hr_contact]"
    )  # escaped by the template that shows it
