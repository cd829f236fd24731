"""Signing in takes as long for an unknown account as for a wrong password.

Timing in a shared test run is noise, so the tests count the expensive part instead:
every way a sign-in can go checks exactly one password hash, of the same cost.
"""

import pytest
from werkzeug.security import check_password_hash

from lms.extensions import db
from lms.models import user as user_module

PASSWORD = "correct horse battery staple"  # the make_user fixture's
WRONG = "not the password"
FAILED = "The email, employee ID or password is not right."


@pytest.fixture
def hash_checks(monkeypatch):
    """The hashes checked since the fixture started: (hash, password) pairs."""
    checked = []

    def counting(pwhash: str, password: str) -> bool:
        checked.append((pwhash, password))
        return check_password_hash(pwhash, password)

    monkeypatch.setattr(user_module, "check_password_hash", counting)
    return checked


@pytest.fixture
def accounts(make_user):
    with_password = make_user(email="ana@example.com", employee_id="E1")
    with_password.set_password(PASSWORD)  # the app's own hashing, not make_user's cheap one
    from_roster = make_user(email="ben@example.com", employee_id="E2", roster_managed=True)
    from_roster.password_hash = None  # roster accounts have no password (they use SSO)
    left = make_user(email="cy@example.com", employee_id="E3", active=False)
    left.set_password(PASSWORD)
    db.session.commit()
    return with_password


PATHS = {
    "unknown email": ("ghost@example.com", WRONG),
    "unknown employee id": ("E404", WRONG),
    "account without a password": ("ben@example.com", WRONG),
    "deactivated account, right password": ("cy@example.com", PASSWORD),
    "deactivated account, wrong password": ("E3", WRONG),
    "wrong password": ("ana@example.com", WRONG),
}


@pytest.mark.parametrize("path", PATHS)
def test_every_failed_sign_in_checks_one_hash_of_the_same_cost(client, accounts, hash_checks, path):
    identifier, password = PATHS[path]
    response = client.post("/login", data={"email": identifier, "password": password})
    assert FAILED in response.get_data(as_text=True)
    assert [p for _, p in hash_checks] == [password]
    [(checked, _)] = hash_checks
    assert _method(checked) == _method(accounts.password_hash)  # algorithm and cost


def test_a_successful_sign_in_checks_one_hash(client, accounts, hash_checks):
    response = client.post("/login", data={"email": "ana@example.com", "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/training")
    assert hash_checks == [(accounts.password_hash, PASSWORD)]


def test_an_account_without_a_password_cannot_sign_in_with_any(client, accounts):
    for password in ("", " ", "None", WRONG):
        response = client.post("/login", data={"email": "ben@example.com", "password": password})
        assert response.status_code != 302


def _method(pwhash: str) -> str:
    """``scrypt:32768:8:1`` of ``scrypt:32768:8:1$salt$hash``."""
    return pwhash.split("$", 1)[0]
