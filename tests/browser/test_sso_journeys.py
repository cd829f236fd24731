"""Company sign-in in Chromium, through a real OpenID provider (the ``oidc_provider``
fixture): the button, the provider's round trip, the refusal page; axe scans each page."""

import pytest

from tests.browser.support import PHONE_SCREEN


@pytest.fixture
def company_sign_in(live_app, oidc_provider):
    """Company sign-in switched on in the live server, for one test."""
    settings = {
        "OIDC_ISSUER": oidc_provider.issuer,
        "OIDC_CLIENT_ID": "lms-browser",
        "OIDC_CLIENT_SECRET": "browser-secret",
        "OIDC_COMPANY_NAME": "Example Corp",
    }
    before = {key: live_app.config[key] for key in settings}
    live_app.config.update(settings)
    yield oidc_provider
    live_app.config.update(before)


def test_employee_signs_in_with_the_company_button(journey, company_sign_in):
    company_sign_in.next({"sub": "idp-1", "email": "employee@example.com"})
    me = journey("sso-employee")
    me.open("/login")
    me.click("text=Sign in with Example Corp")  # to the provider and straight back
    assert me.path == "/training"
    me.assert_accessible()


def test_a_stranger_is_told_why_in_hebrew_on_a_phone(journey, company_sign_in):
    company_sign_in.next({"sub": "idp-2", "email": "stranger@example.com"})
    me = journey("sso-stranger-he", phone=True, locale="he-IL")
    me.open("/login?lang=he")
    me.click("main a.btn-primary", status=403)
    assert me.path.startswith("/login/sso/callback")
    assert me.page.evaluate("document.documentElement.dir") == "rtl"
    assert me.page.viewport_size == PHONE_SCREEN
    me.assert_accessible()
