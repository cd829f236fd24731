"""Language choice, right-to-left layout and locale dates."""

from lms.extensions import db
from tests.helpers import text_of


def test_browser_language_is_used_when_signed_out(client):
    html = client.get("/login", headers={"Accept-Language": "he-IL,he;q=0.9"}).get_data(True)
    assert '<html lang="he" dir="rtl">' in html
    assert "bootstrap.rtl.min.css" in html


def test_chinese_browser_tag_maps_to_simplified_chinese(client):
    html = client.get("/login", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert '<html lang="zh-Hans" dir="ltr">' in html


def test_default_is_english(client):
    html = client.get("/login", headers={"Accept-Language": "xx"}).get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in html


def test_user_preference_beats_browser(client, auth, make_user):
    user = make_user(preferred_language="zh_Hans")
    auth.login(user)
    html = client.get("/training", headers={"Accept-Language": "he"}).get_data(as_text=True)
    assert 'lang="zh-Hans"' in html


def test_switcher_sets_preference_for_signed_in_user(client, auth, employee):
    auth.login(employee)
    response = client.post("/language", data={"lang": "he", "next": "/training"})
    assert response.headers["Location"] == "/training"
    db.session.refresh(employee)
    assert employee.preferred_language == "he"
    assert 'dir="rtl"' in client.get("/training").get_data(as_text=True)


def test_switcher_ignores_unknown_language_and_foreign_redirects(client):
    response = client.post("/language", data={"lang": "xx", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_content_follows_the_ui_language(client, auth, make_user):
    user = make_user(preferred_language="zh_Hans")
    auth.login(user)
    page = text_of(client.get("/training/policy-basics/modules/keep-secrets"))
    assert "保守秘密" in page


def test_strings_in_shared_macros_follow_each_requests_language(client, auth, employee):
    """Jinja imports a macro file once and reuses it for every render: its strings must
    still be translated for the request at hand (an English page first, then Hebrew)."""
    page = "/training/policy-basics/modules/keep-secrets"
    auth.login(employee)
    assert "% done" in text_of(client.get(page))
    client.post("/language", data={"lang": "he", "next": page})
    hebrew = text_of(client.get(page))
    assert "הושלמו" in hebrew and "% done" not in hebrew
