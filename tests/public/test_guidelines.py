"""The public guidelines page: no sign-in, every language, linked from sign-in."""

from tests.helpers import text_of


def test_anyone_can_read_the_guidelines(client):
    response = client.get("/guidelines/en")
    assert response.status_code == 200
    page = text_of(response)
    assert "Our social media guidelines" in page
    assert "keep secrets secret" in page


def test_every_language_is_linked_and_served(client):
    html = client.get("/guidelines/en").get_data(as_text=True)
    assert 'href="/guidelines/he"' in html and 'hreflang="he"' in html
    hebrew = client.get("/guidelines/he").get_data(as_text=True)
    assert "ההנחיות שלנו לרשתות החברתיות" in hebrew
    assert 'lang="he" dir="rtl"' in hebrew


def test_missing_language_falls_back_with_notice(client):
    page = text_of(client.get("/guidelines/zh_Hans"))
    assert "Our social media guidelines" in page
    assert "not available in your language" in page


def test_default_language_follows_the_browser(client):
    page = text_of(client.get("/guidelines", headers={"Accept-Language": "he"}))
    assert "ההנחיות שלנו" in page


def test_unknown_language_is_404(client):
    assert client.get("/guidelines/xx").status_code == 404
    assert client.get("/guidelines/..%2f..%2fetc").status_code == 404


def test_sign_in_page_links_to_the_guidelines(client):
    assert 'href="/guidelines"' in client.get("/login").get_data(as_text=True)
