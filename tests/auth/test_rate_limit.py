"""The sign-in limit counts failed attempts only, per account and per client address."""

import pytest

from tests.helpers import PASSWORD
from tests.helpers import events
from tests.helpers import text_of

WRONG = "not the password"


@pytest.fixture
def app_config():
    return {
        "RATELIMIT_ENABLED": True,
        "LOGIN_FAILURES_PER_ACCOUNT": "5 per 15 minutes",
        "LOGIN_FAILURES_PER_CLIENT": "12 per hour",
    }


def attempt(client, identifier, password, address="10.0.0.1"):
    response = client.post(
        "/login",
        data={"email": identifier, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )
    client.post("/logout")
    return response.status_code


def test_one_office_signs_in_all_day(client, make_user):
    """Thirty people behind one address sign in, twice each: nobody is limited."""
    people = [make_user() for _ in range(30)]
    codes = [attempt(client, p.email, PASSWORD) for p in people + people]
    assert set(codes) == {302}


def test_wrong_passwords_lock_that_account_only(client, make_user):
    ana, ben = make_user(email="ana@example.com"), make_user(email="ben@example.com")
    # From five addresses: the account's limit does not care where the attempts come from.
    codes = [attempt(client, "Ana@Example.com", WRONG, f"10.0.0.{n}") for n in range(6)]
    assert codes == [200] * 5 + [429]
    assert attempt(client, ana.email, PASSWORD, "10.9.9.9") == 429  # locked, right password too
    assert attempt(client, ben.email, PASSWORD) == 302  # others are not
    assert len(events("auth.sign_in_failed")) == 5  # the refused sixth changed nothing


def test_the_page_says_how_long_to_wait(client, make_user):
    make_user(email="ana@example.com")
    for _ in range(5):
        attempt(client, "ana@example.com", WRONG)
    response = client.post("/login", data={"email": "ana@example.com", "password": WRONG})
    assert response.status_code == 429
    text = text_of(response)
    assert "Too many attempts. Try again in 15 minutes." in text
    assert 'name="email"' in response.get_data(as_text=True)  # the form, not an error page
    assert int(response.headers["Retry-After"]) > 14 * 60


def test_the_wait_is_translated(client, make_user):
    make_user(email="ana@example.com")
    for _ in range(5):
        attempt(client, "ana@example.com", WRONG)
    response = client.post(
        "/login",
        data={"email": "ana@example.com", "password": WRONG},
        headers={"Accept-Language": "de"},
    )
    assert response.status_code == 429
    assert "15 Minuten" in text_of(response)


def test_failures_from_one_address_are_limited_across_accounts(client, make_user):
    ana = make_user(email="ana@example.com")
    codes = [attempt(client, f"ghost{n}@example.com", WRONG) for n in range(13)]
    assert codes == [200] * 12 + [429]
    assert attempt(client, ana.email, PASSWORD) == 429  # this address must wait
    assert attempt(client, ana.email, PASSWORD, "10.0.0.2") == 302  # another address need not


class TestForgotPassword:
    """Asking for reset links is limited per account named and per client address (every
    request counts: each may send an e-mail)."""

    @pytest.fixture
    def app_config(self):
        return {
            "RATELIMIT_ENABLED": True,
            "RESET_REQUESTS_PER_ACCOUNT": "2 per hour",
            "RESET_REQUESTS_PER_CLIENT": "4 per hour",
        }

    @staticmethod
    def ask(client, identifier, address="10.0.0.1"):
        return client.post(
            "/password/forgot", data={"email": identifier}, environ_base={"REMOTE_ADDR": address}
        )

    def test_per_account(self, client):
        codes = [self.ask(client, "Ana@example.com", f"10.0.0.{n}").status_code for n in range(3)]
        assert codes == [302, 302, 429]
        limited = self.ask(client, "ana@example.com", "10.0.0.9")
        assert "Too many attempts. Try again in 1 hour." in text_of(limited)
        assert 'name="email"' in limited.get_data(as_text=True)  # the form again
        assert self.ask(client, "ben@example.com").status_code == 302

    def test_per_client(self, client):
        codes = [self.ask(client, f"p{n}@example.com").status_code for n in range(5)]
        assert codes == [302] * 4 + [429]
        assert self.ask(client, "p9@example.com", "10.0.0.2").status_code == 302
