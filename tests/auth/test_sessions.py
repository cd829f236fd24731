"""Ending a sign-in ends it for every copy of its cookies: signing out, signing out
everywhere, a new password and deactivation. Old cookies are replayed in a new browser."""

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.models import AuditEvent
from lms.models import User

PASSWORD = "correct horse battery staple"  # the make_user fixture's
SESSION, REMEMBER = "session", "remember_token"


@pytest.fixture
def ana(make_user):
    return make_user(email="ana@example.com", employee_id="E1", name="Ana", roster_managed=True)


def sign_in(app, user: User):
    """A new browser signed in with "keep me signed in"; (client, its two cookies)."""
    client = app.test_client()
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "remember": "y"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    cookies = {name: client.get_cookie(name).value for name in (SESSION, REMEMBER)}
    return client, cookies


def signs_in(app, name: str, value: str) -> bool:
    """Whether this one cookie, copied into a new browser, opens a signed-in page."""
    browser = app.test_client()
    browser.set_cookie(name, value)
    return browser.get("/training").status_code == 200


def assert_cookies_work(app, cookies):
    assert all(signs_in(app, name, value) for name, value in cookies.items())


def assert_cookies_dead(app, cookies):
    assert not any(signs_in(app, name, value) for name, value in cookies.items())


def test_signing_out_ends_this_browsers_sign_in_only(app, ana):
    client, cookies = sign_in(app, ana)
    _other_browser, other_cookies = sign_in(app, ana)
    assert_cookies_work(app, cookies)

    response = client.post("/logout", follow_redirects=True)
    assert "You are signed out." in response.get_data(as_text=True)
    assert client.get_cookie(REMEMBER) is None  # the browser was told to drop it
    assert client.get("/training").status_code == 302
    assert_cookies_dead(app, cookies)
    assert_cookies_work(app, other_cookies)  # the phone stays signed in


def test_signing_out_everywhere_ends_every_sign_in_and_is_audited(app, ana):
    client, cookies = sign_in(app, ana)
    _other_browser, other_cookies = sign_in(app, ana)
    page = client.get("/account").get_data(as_text=True)
    assert "Sign out everywhere" in page and "ana@example.com" in page

    response = client.post("/account/sign-out-everywhere", follow_redirects=True)
    assert "You are signed out on every browser and device." in response.get_data(as_text=True)
    assert_cookies_dead(app, cookies)
    assert_cookies_dead(app, other_cookies)
    [event] = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "auth.signed_out_everywhere")
    ).all()
    assert (event.actor_id, event.subject_user_id) == (ana.id, ana.id)
    assert event.after == {"sessions_ended": 2}
    sign_in(app, ana)  # and signing in again works


def test_a_new_password_ends_every_sign_in(app, ana):
    _client, cookies = sign_in(app, ana)
    ana.set_password("a new password, long enough")
    db.session.commit()
    assert_cookies_dead(app, cookies)


def test_deactivation_ends_every_sign_in_even_after_the_person_returns(app, ana, runner, tmp_path):
    _client, cookies = sign_in(app, ana)
    ana_row = "E1,ana@example.com,Ana,,,,,,true"
    header = "employee_id,email,name,department,country,manager,preferred_language,hire_date,active"
    (tmp_path / "without.csv").write_text(f"{header}\nE2,ben@example.com,Ben,,,,,,true\n")
    (tmp_path / "with.csv").write_text(f"{header}\n{ana_row}\nE2,ben@example.com,Ben,,,,,,true\n")

    result = runner.invoke(args=["lms", "roster", "import", str(tmp_path / "without.csv")])
    assert "1 to deactivate" in result.output
    assert_cookies_dead(app, cookies)
    result = runner.invoke(args=["lms", "roster", "import", str(tmp_path / "with.csv")])
    assert "1 to reactivate" in result.output
    assert_cookies_dead(app, cookies)  # back at work, but the old cookies stay dead
    sign_in(app, ana)


def test_sign_out_everywhere_is_a_post_for_a_signed_in_person(app, client, ana):
    assert client.get("/account/sign-out-everywhere").status_code == 405
    response = client.post("/account/sign-out-everywhere")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/account").status_code == 302


@pytest.mark.parametrize(
    "value", ["1", "1:", ":abc", "abc:def", "99999999999999999999:x", "1:not-a-token"]
)
def test_cookies_without_a_live_sign_in_are_ignored(app, ana, value):
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = value.replace("1", str(ana.id), 1)
    assert client.get("/training").status_code == 302
