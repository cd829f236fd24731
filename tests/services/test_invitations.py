"""Invitations to set a password: recorded when people are created without a password
(roster, by hand) and no identity provider is configured; delivered once, in each
person's language, by ``flask lms invitations send``, even from two servers at once."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.models import PasswordLink
from lms.models import utcnow
from lms.services import password_links
from tests.helpers import GOOD_ROWS
from tests.helpers import at_once
from tests.helpers import events
from tests.helpers import free_port
from tests.helpers import mail_settings
from tests.helpers import user
from tests.helpers import write_roster

NEW = "a long new passphrase 42"


@pytest.fixture
def app_config(smtp):
    return mail_settings(smtp)


def import_roster(runner, tmp_path, rows=GOOD_ROWS):
    result = runner.invoke(args=["lms", "roster", "import", str(write_roster(tmp_path, rows))])
    assert result.exit_code == 0, result.output


def send(runner) -> str:
    result = runner.invoke(args=["lms", "invitations", "send"])
    assert result.exit_code == 0, result.output
    return result.output


def links() -> list[PasswordLink]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(PasswordLink).order_by(PasswordLink.id)))


def link_of(message) -> str:
    return re.search(r"https://lms\.example\.com(/password/[\w-]+)", message.get_content())[1]


def test_a_roster_import_invites_active_newcomers_each_in_their_language(runner, tmp_path, smtp):
    leaver = "E4,dee@example.com,Dee Gone,Sales,DE,,en,2020-01-01,false"
    import_roster(runner, tmp_path, GOOD_ROWS + [leaver])
    assert [(link.kind, link.status) for link in links()] == [("invitation", "pending")] * 3
    assert smtp.messages == []  # recorded with the import, sent by the delivery run
    assert "3 sent" in send(runner)
    assert sorted(r[0] for r, _ in smtp.messages) == [
        "ana@example.com",
        "ben@example.com",
        "cy@example.com",
    ]
    [ben] = smtp.to("ben@example.com")
    assert ben["Subject"] == "Ihr Konto für die Markenbotschafter-Schulung"
    assert ben["Content-Language"] == "de" and "Hallo Ben Report," in ben.get_content()
    [cy] = smtp.to("cy@example.com")
    assert cy["Content-Language"] == "pt-BR"
    assert "0 sent" in send(runner) and len(smtp.messages) == 3  # once only
    assert [link.status for link in links()] == ["sent"] * 3
    sent = events("invitation.sent")
    assert {e.subject_user_id for e in sent} == {user(e).id for e in ("E1", "E2", "E3")}
    assert all(len(link.token_hash) == 64 for link in links())  # the SHA-256, not the token


def test_the_link_sets_the_password_signs_in_and_lasts_invitation_days(app, runner, tmp_path, smtp):
    app.config["INVITATION_DAYS"] = 10
    import_roster(runner, tmp_path)
    send(runner)
    link = link_of(smtp.to("ana@example.com")[0])
    ana_link = next(x for x in links() if x.user_id == user("E1").id)
    assert timedelta(days=9, hours=23) < ana_link.expires_at - utcnow() <= timedelta(days=10)
    client = app.test_client()
    done = client.post(link, data={"password": NEW, "confirm": NEW})
    assert done.status_code == 302 and client.get("/account").status_code == 200
    assert client.get(link).status_code == 410
    [used] = events("invitation.used")
    assert used.subject_user_id == user("E1").id
    assert "auth.signed_in" in {e.action for e in events("auth.signed_in")}


def test_user_create_by_hand_invites_only_without_a_password(runner, smtp):
    common = ["lms", "user", "create", "--name", "Noa", "--role", "hr"]
    invited = runner.invoke(
        args=[*common, "--email", "noa@example.com", "--employee-id", "N1", "--invite"]
    )
    assert invited.exit_code == 0, invited.output
    with_password = runner.invoke(
        args=[*common, "--email", "ori@example.com", "--employee-id", "N2", "--password", NEW]
    )
    assert with_password.exit_code == 0, with_password.output
    assert [link.user_id for link in links()] == [user("N1").id]
    assert "1 sent" in send(runner) and [r for r, _ in smtp.messages] == [["noa@example.com"]]


def test_no_invitations_when_people_sign_in_through_an_identity_provider(
    app, runner, tmp_path, smtp
):
    app.config["OIDC_ISSUER"] = "https://idp.example.com"
    import_roster(runner, tmp_path)
    assert links() == []
    assert "0 sent" in send(runner) and smtp.messages == []


def test_someone_who_set_a_password_meanwhile_gets_no_invitation(app, runner, tmp_path, smtp):
    import_roster(runner, tmp_path)
    ana = user("E1")
    ana.set_password(NEW)
    db.session.commit()
    assert "2 sent" in send(runner)
    assert smtp.to("ana@example.com") == []
    assert sorted(link.status for link in links()) == ["cancelled", "sent", "sent"]


def test_a_failed_send_is_retried_with_a_new_link(app, runner, tmp_path, smtp):
    import_roster(runner, tmp_path, GOOD_ROWS[:1])
    app.config["MAIL_PORT"] = free_port()  # nobody listens there
    result = runner.invoke(args=["lms", "invitations", "send"])
    assert result.exit_code == 1 and "1 failed" in result.output
    [row] = links()
    assert (row.status, row.attempts) == ("retry", 1) and "Error" in row.error
    app.config["MAIL_PORT"] = smtp.port
    assert "1 sent" in send(runner)
    [row] = links()
    assert (row.status, row.attempts) == ("sent", 2) and len(smtp.messages) == 1


def test_an_interrupted_send_is_retried(runner, tmp_path, smtp):
    import_roster(runner, tmp_path, GOOD_ROWS[:1])
    [row] = links()
    row.status, row.claimed_at = "sending", utcnow() - timedelta(hours=1)  # a crashed run
    db.session.commit()
    assert "1 sent" in send(runner) and len(smtp.messages) == 1


@pytest.mark.fresh_database  # two threads, each with its own app context and connection
def test_two_servers_at_once_send_each_invitation_once(app, runner, tmp_path, smtp):
    rows = [f"P{n},p{n}@example.com,Person {n},Sales,DE,,en,," for n in range(40)]
    import_roster(runner, tmp_path, rows)
    reports = at_once(app, lambda: password_links.send_pending())
    assert sorted(r[0] for r, _ in smtp.messages) == sorted(f"p{n}@example.com" for n in range(40))
    assert sum(r.sent for r in reports) == 40
    assert [link.status for link in links()] == ["sent"] * 40
