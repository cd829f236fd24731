"""Passwords without an identity provider: "Forgot password?", the one-time link it
e-mails (expired, reused, after a password change), changing a password, and the audit
trail of sign-ins. E-mails go to a real SMTP server (aiosmtpd)."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.models import PasswordLink
from lms.models import SignInAttempt
from lms.models import utcnow
from tests.helpers import PASSWORD
from tests.helpers import events
from tests.helpers import mail_settings
from tests.helpers import sign_in
from tests.helpers import text_of

NEW = "a long new passphrase 42"
SAME_ANSWER = "If an account matches, a link to choose a new password is on its way"


@pytest.fixture
def app_config(smtp):
    return mail_settings(smtp)


def link_of(message) -> str:
    """The site-relative link an e-mail carries."""
    found = re.search(r"https://lms\.example\.com(/password/[\w-]+)", message.get_content())
    assert found, message.get_content()
    return found.group(1)


def forgot(client, identifier: str):
    return client.post("/password/forgot", data={"email": identifier}, follow_redirects=True)


def reset_link(client, smtp, person) -> str:
    forgot(client, person.email)
    return link_of(smtp.to(person.email)[-1])


def links() -> list[PasswordLink]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(PasswordLink).order_by(PasswordLink.id)))


def test_forgot_password_answers_the_same_and_mails_only_known_people(client, smtp, make_user):
    ana = make_user(email="ana@example.com", name="Ana", preferred_language="en")
    page = client.get("/login")
    assert 'href="/password/forgot"' in page.get_data(as_text=True)
    known = forgot(client, "ANA@example.com")
    unknown = forgot(client, "nobody@example.com")
    by_id = forgot(client, ana.employee_id)
    for response in (known, unknown, by_id):
        assert response.status_code == 200 and response.request.path == "/login"
        assert SAME_ANSWER in text_of(response) and "2 hours" in text_of(response)
    assert [rcpts for rcpts, _ in smtp.messages] == [["ana@example.com"]] * 2
    message = smtp.messages[0][1]
    assert message["Subject"] == "Reset your password"
    assert "Hello Ana," in message.get_content()
    requested = events("password_reset.requested")
    # What was typed is in the sign-in log, which retention deletes; the audit trail points at it.
    typed = [db.session.get(SignInAttempt, e.after["sign_in_attempt"]) for e in requested]
    assert [
        (t.identifier, t.kind, e.after["account_exists"])
        for t, e in zip(typed, requested, strict=True)
    ] == [
        ("ANA@example.com", "reset", True),
        ("nobody@example.com", "reset", False),
        (ana.employee_id, "reset", True),
    ]
    assert requested[0].subject_user_id == ana.id and requested[1].subject_user_id is None
    assert len(events("password_reset.sent")) == 2


def test_a_reset_link_sets_the_password_once_and_signs_in(client, smtp, make_user):
    ana = make_user(email="ana@example.com", name="Ana Lima")
    link = reset_link(client, smtp, ana)
    page = client.get(link)
    assert page.status_code == 200 and "Ana Lima (ana@example.com)" in text_of(page)
    weak = client.post(link, data={"password": "short", "confirm": "short"})
    assert "at least 12 characters" in text_of(weak)
    mine = "ana@example.com!"
    personal = client.post(link, data={"password": mine, "confirm": mine})
    assert "does not contain your name" in text_of(personal)
    differ = client.post(link, data={"password": NEW, "confirm": NEW + "x"})
    assert "The two passwords differ." in text_of(differ)
    done = client.post(link, data={"password": NEW, "confirm": NEW})
    assert done.status_code == 302 and done.headers["Location"] == "/training"
    assert client.get("/account").status_code == 200  # signed in
    assert client.get(link).status_code == 410  # once only
    again = client.post(link, data={"password": NEW + "!", "confirm": NEW + "!"})
    assert again.status_code == 410 and "This link no longer works" in text_of(again)
    client.post("/logout")
    assert client.post("/login", data={"email": ana.email, "password": PASSWORD}).status_code == 200
    assert client.post("/login", data={"email": ana.email, "password": NEW}).status_code == 302
    [used] = events("password_reset.used")
    [changed] = events("auth.password_changed")
    assert used.subject_user_id == ana.id and changed.after == {"by": "reset"}


def test_an_expired_link_does_not_work(client, smtp, make_user):
    ana = make_user(email="ana@example.com")
    link = reset_link(client, smtp, ana)
    [row] = links()
    assert timedelta(hours=1, minutes=59) < row.expires_at - utcnow() <= timedelta(hours=2)
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(link).status_code == 410
    assert client.post(link, data={"password": NEW, "confirm": NEW}).status_code == 410
    assert events("password_reset.used") == []


def test_a_new_password_ends_every_link_sent_before_it(client, smtp, make_user):
    ana = make_user(email="ana@example.com")
    first, second = reset_link(client, smtp, ana), reset_link(client, smtp, ana)
    assert first != second
    assert client.post(second, data={"password": NEW, "confirm": NEW}).status_code == 302
    assert client.get(first).status_code == 410


def test_a_link_stops_working_when_the_password_is_changed_on_the_account_page(
    app, smtp, make_user
):
    ana = make_user(email="ana@example.com")
    mailbox, browser = app.test_client(), app.test_client()
    link = reset_link(mailbox, smtp, ana)
    sign_in(browser, ana)
    data = {"current": PASSWORD, "password": NEW, "confirm": NEW}
    assert browser.post("/account/password", data=data).status_code == 302
    assert mailbox.get(link).status_code == 410


def test_changing_the_password_needs_the_current_one_and_signs_out_elsewhere(app, make_user):
    ana = make_user(email="ana@example.com")
    here, elsewhere = app.test_client(), app.test_client()
    sign_in(here, ana)
    sign_in(elsewhere, ana)
    page = here.get("/account")
    assert "Change your password" in text_of(page)
    change = {"password": NEW, "confirm": NEW}
    wrong = here.post("/account/password", data={"current": "nope", **change})
    assert wrong.status_code == 400 and "Your current password is not right." in text_of(wrong)
    weak = "x" * 12
    refused = here.post(
        "/account/password", data={"current": PASSWORD, "password": weak, "confirm": weak}
    )
    assert refused.status_code == 400 and "not one character repeated" in text_of(refused)
    assert events("auth.password_changed") == []
    done = here.post("/account/password", data={"current": PASSWORD, **change})
    assert done.status_code == 302
    assert "Your password is changed" in text_of(here.get("/account"))  # still signed in here
    assert elsewhere.get("/account").status_code == 302  # signed out there
    [changed] = events("auth.password_changed")
    assert changed.actor_id == ana.id and changed.after == {"by": "account"}


def test_sign_ins_and_failures_are_audited(client, make_user):
    ana = make_user(email="ana@example.com")
    client.post("/login", data={"email": "ana@example.com", "password": "wrong"})
    client.post("/login", data={"email": "ghost-" + "x" * 200 + "@example.com", "password": "w"})
    sign_in(client, ana)
    known, unknown = events("auth.sign_in_failed")
    assert known.subject_user_id == ana.id and known.after["account_exists"] is True
    assert "identifier" not in known.after and "client" not in known.after
    logged = db.session.get(SignInAttempt, known.after["sign_in_attempt"])
    assert (logged.identifier, logged.client, logged.user_id) == (
        "ana@example.com",
        "127.0.0.1",
        ana.id,
    )
    assert unknown.subject_user_id is None and unknown.after["account_exists"] is False
    assert len(db.session.get(SignInAttempt, unknown.after["sign_in_attempt"]).identifier) == 100
    [signed_in] = events("auth.signed_in")
    assert signed_in.subject_user_id == ana.id and signed_in.after == {"method": "password"}
