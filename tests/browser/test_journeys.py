"""Each role's main journey in Chromium, with an axe scan of every page on the way.

A page with a serious or critical axe violation fails the journey, listing the rule ids
and the elements they were found on (see ``Journey.assert_accessible``).
"""

from tests.browser.support import COURSE
from tests.browser.support import PHONE_SCREEN

MODULE = f"courses/{COURSE}/en/01-everyone-is-a-voice.md"
HEBREW_MODULE = f"courses/{COURSE}/he/01-everyone-is-a-voice.md"


#: Time on each of the 9 modules: 18 minutes, over the course's minimum of 12.
READING_SECONDS = 2 * 60


def read_every_module_and_pass_the_quiz(me, name: str) -> None:
    """From the course page: read each module for two minutes and press "Done", start the
    quiz, answer right, then affirm the policy (the bundled course asks for it) by ticking
    and signing."""
    me.click("main ol.list-group a")  # the first module
    while "/modules/" in me.path:
        me.spend_reading_time(READING_SECONDS)
        me.click("main form [type=submit]")  # "Done, next module" / "Done, go to the quiz"
    assert me.path == f"/training/{COURSE}/quiz"
    me.click("main form [type=submit]")  # "Start the quiz"
    assert me.path.startswith("/training/attempts/")
    me.choose_right_answers()
    me.click("main form.quiz [type=submit]")
    assert me.path.endswith("/affirm")
    me.page.check("#affirm")
    me.page.fill("#name", name)
    me.click("main form.affirm [type=submit]")
    assert me.path.endswith("/result")


def test_employee_reads_passes_and_is_cleared_in_english(journey):
    me = journey("employee-en")
    me.sign_in("employee@example.com")
    assert me.path == "/training"
    assert "Not yet" in me.text()
    me.click(f'main a[href="/training/{COURSE}"]')
    read_every_module_and_pass_the_quiz(me, "Alex Morgan")
    assert "Your result: 100%" in me.text()
    me.open("/training")
    assert "You may represent the brand until" in me.text()
    me.assert_accessible()


def test_employee_reads_passes_and_is_cleared_in_hebrew_on_a_phone(journey):
    me = journey("employee-he-phone", phone=True, locale="he-IL")
    me.sign_in("noa@example.com")
    assert me.page.get_attribute("html", "dir") == "rtl"
    assert me.page.get_attribute("html", "lang") == "he"
    assert "מדיניות הרשתות החברתיות" in me.text("main .clearance")  # the Hebrew course title
    me.click(f'main a[href="/training/{COURSE}"]')
    read_every_module_and_pass_the_quiz(me, "noa cohen")
    assert "100%" in me.text()
    me.open("/training")
    assert me.page.locator("main .alert-success.clearance").is_visible()
    me.assert_accessible()


def test_hr_sees_the_dashboard_roster_a_person_and_the_audit_trail(journey, tmp_path):
    me = journey("hr")
    me.sign_in("hr@example.com")
    me.click('nav a[href="/hr/"]')
    assert "Cleared to represent the brand" in me.text()
    me.click('nav a[href="/hr/roster"]')
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "employee_id,email,name,department,country,manager,preferred_language,hire_date,active\n"
        "E5001,dana@example.com,Dana Levi,Sales,IL,E2001,he,2024-03-01,true\n",
        encoding="utf-8",
    )
    me.page.set_input_files("input[type=file]", str(roster))
    me.click("main form [type=submit]")
    assert "/hr/roster/uploads/" in me.path
    assert "Dana Levi" in me.text()
    preview = me.path
    me.open("/hr/people")
    me.click('main a[href="/hr/people/E1003"]')
    assert "Cleared to represent the brand until" in me.text()
    me.click('main a[href="/hr/audit?employee=E1003"]')
    assert "user.created" in me.text()
    me.page.set_viewport_size(PHONE_SCREEN)  # the same pages on a phone
    for path in ("/hr/", preview, "/hr/people/E1003", "/hr/audit"):
        me.open(path)
    me.assert_accessible()


def test_marketing_edits_previews_translates_and_publishes(journey):
    me = journey("marketing")
    me.sign_in("marketing@example.com")
    me.click('nav a[href="/author"]')
    me.click(f'main a[href="/author/{COURSE}"]')
    me.click(f'main a[href="/author/{COURSE}/files/{MODULE}"]')
    editor = me.page.locator("textarea")
    editor.fill(editor.input_value() + "\nAsk the social media team when you are unsure.\n")
    me.click("main form [name=preview]")
    assert "Ask the social media team" in me.text("#preview-heading + div")
    me.click("main form [name=save]")
    assert "Saved in the draft" in me.text()
    # The Hebrew translation is now out of date; the translator brings it up to date.
    me.open(f"/author/{COURSE}/files/{HEBREW_MODULE}")
    assert "out of date" in me.text("#file-problems")
    me.click("main form [name=save_current]")
    assert "No problem in this file." in me.text()
    me.open(f"/author/{COURSE}/status?lang=he")
    me.open(f"/author/{COURSE}/preview")
    me.click(f'main a[href^="/author/{COURSE}/preview/modules/"]')
    me.open(f"/author/{COURSE}/preview/quiz")
    me.open(f"/author/{COURSE}/publish")
    me.page.check("input[name=kind][value=minor]")
    me.click("main form [type=submit]")
    assert me.path.startswith("/jobs/")  # publishing is a job; the test app runs it at once
    assert "Version 2.1 of social-media-policy is published." in me.text()
    me.assert_accessible()
    me.click(f'main a[href="/author/{COURSE}/versions"]')
    me.click(f'main a[href="/author/{COURSE}/versions/2.1"]')
    assert "Ask the social media team" in me.text()
    me.page.set_viewport_size(PHONE_SCREEN)
    me.open(f"/author/{COURSE}/versions/2.1")
    me.assert_accessible()


def test_department_lead_sees_their_team_on_a_phone(journey):
    me = journey("lead-phone", phone=True)
    me.sign_in("lead@example.com")
    me.page.click(".navbar-toggler")  # the menu folds away on a phone
    me.click('nav a[href="/hr/"]')
    me.open("/hr/people")
    team = me.text()
    assert "Alex Morgan" in team and "Li Wei" in team
    assert "Noa Cohen" not in team  # Engineering is not theirs
    me.click('main a[href="/hr/people/E1001"]')
    assert "Alex Morgan" in me.text()
    me.assert_accessible()


def test_admin_makes_the_lead_lead_two_departments_on_a_phone(journey):
    me = journey("admin-phone", phone=True)
    me.sign_in("admin@example.com")
    me.page.click(".navbar-toggler")
    me.click('nav a[href="/admin/"]')
    assert "People who hold a role" in me.text()
    me.page.fill("input[name=q]", "sam")
    me.click("main form[role=search] [type=submit]")
    me.click('main a[href="/admin/people/E2001"]')
    assert "Leads: Sales" in me.text()
    me.page.check("input[name=departments][value=Engineering]")
    me.page.select_option("select[name=role]", "lead")
    me.click("main form[aria-labelledby=grant-heading] [type=submit]")
    assert "Sam Patel now leads: Engineering, Sales." in me.text()
    me.click('main a[href="/hr/audit?employee=E2001"]')
    assert "role.changed" in me.text()
    # Back to Sales only: the lead's own journey expects their usual team.
    me.open("/admin/people/E2001")
    me.page.uncheck("input[name=departments][value=Engineering]")
    me.page.select_option("select[name=role]", "lead")
    me.click("main form[aria-labelledby=grant-heading] [type=submit]")
    assert "Sam Patel now leads: Sales." in me.text()
    me.assert_accessible()


def test_admin_registers_a_webhook_in_hebrew_on_a_phone(journey):
    me = journey("admin-webhooks-he-phone", phone=True, locale="he-IL")
    me.sign_in("admin@example.com")
    me.open("/admin/")
    me.page.click(".navbar-toggler")
    me.page.select_option("#language-select", "he")
    me.click("nav form:has(#language-select) [type=submit]")
    assert me.page.get_attribute("html", "dir") == "rtl"
    me.click('main a[href="/admin/webhooks"]')
    me.click('main a[href="/admin/webhooks/new"]')
    me.follow(lambda: me.page.locator("main form [type=submit]").click(), status=400)  # no URL
    assert me.page.locator("#url-error").is_visible()
    me.page.fill("input[name=url]", "http://127.0.0.1:9/hooks/browser")
    me.page.check('input[name=events][value="person.deactivated"]')
    me.page.check("input[name=allow_private]")
    me.click("main form [type=submit]")
    secret = me.page.input_value("#secret")
    assert secret.startswith("whsec_")
    me.click('main a[href^="/admin/webhooks/"]')
    assert secret not in me.page.content()
    me.click("main form[action$='/disable'] [type=submit]")
    assert me.page.locator("main form[action$='/enable']").is_visible()
    me.assert_accessible()
    # The choice of language is the account's: back to English for the journeys after this.
    me.page.click(".navbar-toggler")
    me.page.select_option("#language-select", "en")
    me.click("nav form:has(#language-select) [type=submit]")
    assert me.page.get_attribute("html", "dir") == "ltr"
