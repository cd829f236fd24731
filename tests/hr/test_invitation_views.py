"""HR sends invitations to set a password again: to one person from their page, and to
everyone without a password from the roster page (one statement, whatever their number)."""

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.models import PasswordLink
from lms.models import Role
from lms.models import User
from lms.services import password_links
from tests.helpers import events
from tests.helpers import mail_settings
from tests.helpers import sign_in
from tests.helpers import text_of


@pytest.fixture
def app_config(smtp):
    return mail_settings(smtp)


@pytest.fixture
def hr(app, make_user):
    client = app.test_client()
    sign_in(client, make_user(roles=[Role.HR], email="hr@example.com"))
    return client


def without_password(make_user, **fields) -> User:
    person = make_user(**fields)
    person.password_hash = None
    db.session.commit()
    return person


def pending() -> int:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(sa.func.count()).where(PasswordLink.status.in_(password_links.CLAIMABLE))
    )


def test_hr_sends_one_person_their_invitation_again(hr, smtp, make_user):
    noa = without_password(make_user, email="noa@example.com", preferred_language="he")
    page = hr.get(f"/hr/people/{noa.employee_id}")
    assert "Has not set a password yet." in text_of(page)
    response = hr.post(f"/hr/people/{noa.employee_id}/invitation", follow_redirects=True)
    assert "Invitation sent to noa@example.com." in text_of(response)
    [message] = smtp.to("noa@example.com")
    assert message["Content-Language"] == "he"
    assert "/password/" in message.get_body(("plain",)).get_content()
    [resent] = events("invitation.resent")
    assert resent.subject_user_id == noa.id and resent.actor_id is not None
    assert len(events("invitation.sent")) == 1 and pending() == 0


def test_someone_with_a_password_is_not_invited(hr, smtp, make_user):
    ana = make_user(email="ana@example.com")
    assert "Has not set a password yet." not in text_of(hr.get(f"/hr/people/{ana.employee_id}"))
    response = hr.post(f"/hr/people/{ana.employee_id}/invitation", follow_redirects=True)
    assert "has a password already" in text_of(response)
    assert smtp.messages == [] and events("invitation.resent") == []


def test_leads_and_employees_may_not_send_invitations(app, make_user):
    noa = without_password(make_user, email="noa@example.com", department="Sales")
    for roles in ([Role.LEAD], []):
        client = app.test_client()
        sign_in(client, make_user(roles=roles, department="Sales"))
        assert client.post(f"/hr/people/{noa.employee_id}/invitation").status_code == 403
        assert client.post("/hr/invitations/resend").status_code == 403
    assert pending() == 0


def test_hr_invites_everyone_without_a_password_again(hr, smtp, make_user):
    waiting = [without_password(make_user) for _ in range(3)]
    without_password(make_user, active=False)  # has left: not invited
    make_user()  # has a password: not invited
    assert "Send the invitation again to everyone without a password" in text_of(
        hr.get("/hr/roster")
    )
    response = hr.post("/hr/invitations/resend")
    assert "/jobs/" in response.location  # the delivery job's page, with the count
    assert "Invitations to send again: 3." in text_of(hr.get(response.location))
    assert sorted(r[0] for r, _ in smtp.messages) == sorted(p.email for p in waiting)
    assert pending() == 0
    # Pressed again before anyone chose a password: each gets a new link, once more.
    again = hr.post("/hr/invitations/resend")
    assert "Invitations to send again: 3." in text_of(hr.get(again.location))
    assert len(smtp.messages) == 6
    audited = events("invitation.resent_to_everyone")
    assert [e.after for e in audited] == [{"invitations": 3}, {"invitations": 3}]


def test_no_invitation_buttons_with_an_identity_provider(app, hr, make_user):
    app.config["OIDC_ISSUER"] = "https://idp.example.com"
    noa = without_password(make_user)
    assert "Has not set a password yet." not in text_of(hr.get(f"/hr/people/{noa.employee_id}"))
    assert "without a password" not in text_of(hr.get("/hr/roster"))
    response = hr.post("/hr/invitations/resend", follow_redirects=True)
    assert "identity provider" in text_of(response) and pending() == 0
