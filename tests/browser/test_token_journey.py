"""An admin creates an API token on a phone, copies it once, and revokes it (axe-scanned)."""


def test_admin_creates_and_revokes_a_token_on_a_phone(journey):
    me = journey("admin-tokens-phone", phone=True)
    me.sign_in("admin@example.com")
    me.page.click(".navbar-toggler")
    me.click('nav a[href="/admin/"]')
    me.click('main a[href="/admin/tokens"]')
    me.page.fill("input[name=name]", "Posting tool")
    me.page.fill("input[name=rate_limit]", "1200 per minute")
    me.click("main form[aria-labelledby=create-heading] [type=submit]")
    token = me.page.input_value("#new-token")
    assert token.startswith("lms_") and "shown only this once" in me.text()
    me.open("/admin/tokens")
    assert token not in me.page.content() and "Posting tool" in me.text()
    me.click("main form[action$='/revoke'] [type=submit]")
    assert "is revoked" in me.text()
    me.assert_accessible()
