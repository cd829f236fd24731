"""Company settings: an admin (or the CLI) sets the values that course text's
``{{company.KEY}}`` markers show; learners read them filled in, escaped and linked, and a
visible placeholder where a value is missing."""

import shutil

import pytest

from lms.extensions import db
from lms.models import CompanySetting
from lms.models import Role
from tests.helpers import COURSE
from tests.helpers import EN_MODULE
from tests.helpers import HE_MODULE
from tests.helpers import TEST_CONTENT
from tests.helpers import edit_url
from tests.helpers import events
from tests.helpers import publish
from tests.helpers import save
from tests.helpers import sign_in
from tests.helpers import text_of

MODULE_URL = f"/training/{COURSE}/modules/say-who-you-are"
MARKED = (
    "---\ntitle: Say who you work for\n---\n\n"
    "Questions? Ask {{company.hr_contact}}. Read {{company.code_of_conduct_link}}.\n\n"
    "Tag your posts {{company.disclosure_tag}}.\n"
)
HE_MARKED = "---\ntitle: ציינו איפה אתם עובדים\n---\n\nשאלות? פנו אל {{company.hr_contact}}.\n"


@pytest.fixture
def admin(app, make_user):
    client = app.test_client()
    sign_in(client, make_user(roles=[Role.ADMIN], email="ada@example.com"))
    return client


def publish_marked(author) -> None:
    save(author, EN_MODULE, MARKED)
    save(author, HE_MODULE, HE_MARKED)
    assert publish(author, "minor").status_code == 302


def set_values(admin, **values):
    response = admin.post("/admin/company", data=values)
    assert response.status_code == 302, text_of(response)[:500]
    return response


def module_html(app, make_user, lang: str = "en") -> str:
    client = app.test_client()
    sign_in(client, make_user(preferred_language=lang))
    return client.get(MODULE_URL).get_data(as_text=True)


def test_only_admins_open_the_company_settings(app, client, author, make_user):
    assert client.get("/admin/company").status_code == 302  # to the sign-in page
    assert author.get("/admin/company").status_code == 403
    learner = app.test_client()
    sign_in(learner, make_user())
    assert learner.post("/admin/company", data={"hr_contact": "x"}).status_code == 403
    assert db.session.get(CompanySetting, "hr_contact") is None


def test_the_admin_page_lists_every_key_with_its_marker_and_default(admin):
    text = text_of(admin.get("/admin/company"))
    for marker in ("{{company.company_name}}", "{{company.after_hours_route}}"):
        assert marker in text
    assert "Default: #employee" in text


def test_a_value_the_admin_sets_is_what_learners_read_linked(app, admin, author, make_user):
    publish_marked(author)
    set_values(
        admin,
        hr_contact="hr@acme.example",
        code_of_conduct_link="https://intranet.acme.example/conduct",
    )
    html = module_html(app, make_user)
    assert (
        'Ask <a href="mailto:hr@acme.example" rel="noopener noreferrer">hr@acme.example</a>.'
        in html
    )
    assert '<a href="https://intranet.acme.example/conduct"' in html
    assert "Tag your posts <bdi>#employee</bdi>." in html  # the default
    assert "{{company." not in html
    changed = events("company.setting_changed")
    assert [(e.after["key"], e.before["value"], e.after["value"]) for e in changed] == [
        ("hr_contact", None, "hr@acme.example"),
        ("code_of_conduct_link", None, "https://intranet.acme.example/conduct"),
    ]
    # The same values again change nothing and record nothing.
    set_values(
        admin,
        hr_contact="hr@acme.example",
        code_of_conduct_link="https://intranet.acme.example/conduct",
    )
    assert len(events("company.setting_changed")) == 2


def test_an_unset_value_shows_a_translated_placeholder_and_a_warning(app, admin, author, make_user):
    save(author, EN_MODULE, MARKED)
    page = author.get(f"/author/{COURSE}/publish")
    warning = page.get_data(as_text=True).split('id="unset-settings"')[1].split("</section>")[0]
    assert "HR contact" in warning and "Code of conduct" in warning
    assert "Disclosure tag" not in warning  # it has a default
    assert "2 company settings used in the course are not set" in text_of(page)
    editor = author.get(edit_url(EN_MODULE))
    assert "2 company settings used here are not set" in text_of(editor)
    assert publish(author, "minor").status_code == 302  # a warning, not an error
    save(author, HE_MODULE, HE_MARKED)
    publish(author, "minor")

    html = module_html(app, make_user)
    assert '<span class="company-unset">[HR contact: ask your manager]</span>' in html
    assert "{{company." not in html
    hebrew = module_html(app, make_user, "he")
    assert "[איש קשר במשאבי אנוש: שאלו את המנהל שלכם]" in hebrew
    admin_page = text_of(admin.get("/admin/company"))
    assert "2 settings the published courses use are not set" in admin_page


def test_a_value_is_escaped_and_never_a_script_link(app, admin, author, make_user):
    publish_marked(author)
    set_values(
        admin,
        hr_contact='<script>alert(1)</script>"><img src=x onerror=alert(2)>',
        code_of_conduct_link="javascript:alert(3)",
    )
    html = module_html(app, make_user)
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "Ask &lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x" in html
    assert "Read javascript:alert(3)." in html  # shown as text, not made a link
    assert 'href="javascript' not in html


def test_a_changed_value_is_shown_at_once_although_the_page_is_cached(
    app, admin, author, make_user
):
    publish_marked(author)
    set_values(admin, hr_contact="first@acme.example")
    learner = app.test_client()
    sign_in(learner, make_user())
    learner.get(MODULE_URL)  # the first view records reading
    assert "first@acme.example" in learner.get(MODULE_URL).get_data(as_text=True)  # cached
    set_values(admin, hr_contact="second@acme.example")
    html = learner.get(MODULE_URL).get_data(as_text=True)
    assert "second@acme.example" in html and "first@acme.example" not in html


def test_the_author_preview_shows_the_values(admin, author):
    set_values(admin, hr_contact="hr@acme.example")
    save(author, EN_MODULE, MARKED)
    preview = author.get(f"/author/{COURSE}/preview/modules/say-who-you-are?lang=en")
    assert 'href="mailto:hr@acme.example"' in preview.get_data(as_text=True)
    editor = author.post(
        edit_url(EN_MODULE), data={"text": MARKED, "preview": "Preview", "base": ""}
    )
    assert 'href="mailto:hr@acme.example"' in editor.get_data(as_text=True)


def test_an_unknown_key_is_an_error_with_its_line_in_the_editor(author):
    text = MARKED.replace("{{company.hr_contact}}", "{{company.hr_contct}}")
    page = author.post(edit_url(EN_MODULE), data={"text": text, "preview": "Preview"})
    shown = text_of(page).replace("&#39;", "'")
    assert "Error Line 5 : unknown company setting 'hr_contct'" in shown
    assert "did you mean hr_contact?" in shown


def test_a_too_long_value_is_refused_and_changes_nothing(admin):
    response = admin.post("/admin/company", data={"hr_contact": "x" * 301})
    assert response.status_code == 400
    assert "Enter at most 300 characters." in text_of(response)
    assert db.session.get(CompanySetting, "hr_contact") is None


def test_cli_sets_shows_and_clears_values(runner):
    done = runner.invoke(args=["lms", "company", "set", "company_name", "Acme"])
    assert done.exit_code == 0 and "company_name set." in done.output
    shown = runner.invoke(args=["lms", "company", "show"]).output
    assert "company_name                 Acme" in shown
    assert "disclosure_tag               (default: #employee)" in shown
    assert "hr_contact                   (not set)" in shown
    assert events("company.setting_changed")[-1].after == {
        "key": "company_name",
        "value": "Acme",
        "via": "cli",
    }
    cleared = runner.invoke(args=["lms", "company", "set", "company_name", ""])
    assert cleared.exit_code == 0 and "company_name cleared." in cleared.output
    assert db.session.get(CompanySetting, "company_name") is None


def test_cli_refuses_an_unknown_key(runner):
    refused = runner.invoke(args=["lms", "company", "set", "company_nmae", "Acme"])
    assert refused.exit_code == 1
    assert "There is no company setting “company_nmae”." in refused.output
    assert events("company.setting_changed") == []


def test_content_check_warns_about_used_settings_without_a_value(app, runner, tmp_path):
    root = shutil.copytree(TEST_CONTENT, tmp_path / "content")
    (root / EN_MODULE).write_text(MARKED)
    app.config["CONTENT_ROOT"] = str(root)
    checked = runner.invoke(args=["lms", "content", "check"])
    assert checked.exit_code == 0  # warnings only
    assert f"{EN_MODULE}:5: warning: company setting hr_contact is used but not set" in (
        checked.output
    )
    assert "company setting disclosure_tag" not in checked.output  # it has a default
    assert runner.invoke(args=["lms", "content", "check", "--strict"]).exit_code == 1
    runner.invoke(args=["lms", "company", "set", "hr_contact", "hr@acme.example"])
    assert "hr_contact is used" not in runner.invoke(args=["lms", "content", "check"]).output
