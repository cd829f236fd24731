"""HR revokes a certification with a reason: the audit trail keeps who and why, the
clearance API and the public check say "revoked" at once, and nobody revokes twice."""

import sqlalchemy as sa

from lms.extensions import db
from lms.models import Certification
from lms.models import OutboxEvent
from lms.models import Role
from tests.helpers import certify
from tests.helpers import events
from tests.helpers import sign_in
from tests.helpers import text_of


def certification_of(person) -> Certification:
    certify(person)
    return db.session.scalars(
        sa.select(Certification).where(Certification.user_id == person.id)
    ).one()


def clearance_of(client, token, person) -> dict:
    response = client.get(
        f"/api/v1/clearance/{person.employee_id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    return response.json


def revoke(client, cert, reason="Shared confidential figures on X"):
    return client.post(f"/hr/certifications/{cert.id}/revoke", data={"reason": reason})


def test_hr_revokes_with_a_reason_and_everything_says_so_at_once(app, client, make_user, token):
    person = make_user(name="Rita Revoked")
    cert = certification_of(person)
    assert clearance_of(client, token, person)["cleared"] is True
    hr = make_user(roles=[Role.HR], name="Hanna HR")
    sign_in(client, hr)
    page = client.get(f"/hr/people/{person.employee_id}").get_data(as_text=True)
    assert f"/hr/certifications/{cert.id}/revoke" in page

    response = revoke(client, cert)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/hr/people/{person.employee_id}")
    assert "The certification was revoked." in text_of(client.get(response.headers["Location"]))

    (event,) = events("certification.revoked")
    assert event.actor_id == hr.id and event.subject_user_id == person.id
    assert event.after["reason"] == "Shared confidential figures on X"
    assert event.after["certification_id"] == cert.id
    outbox = db.session.scalars(
        sa.select(OutboxEvent).where(OutboxEvent.kind == "certification.revoked")
    ).one()
    assert outbox.payload == {
        "certification_id": cert.id,
        "version": "1.0",
        "reason": "Shared confidential figures on X",
    }
    answer = clearance_of(client, token, person)
    assert answer["cleared"] is False
    assert [r["code"] for r in answer["reasons"]] == ["revoked"]
    verify = text_of(client.get(f"/verify/{cert.verification_code}"))
    assert "This certificate was revoked on" in verify and "confidential" not in verify
    # HR's page says who revoked it and why.
    person_page = text_of(client.get(f"/hr/people/{person.employee_id}"))
    assert "Hanna HR" in person_page and "Shared confidential figures on X" in person_page


def test_a_second_revocation_and_an_empty_reason_are_refused(app, client, make_user):
    person = make_user()
    cert = certification_of(person)
    sign_in(client, make_user(roles=[Role.ADMIN]))  # admins may revoke too
    empty = revoke(client, cert, reason="   ")
    assert empty.status_code == 302
    assert "Say why the certification is revoked." in text_of(client.get(empty.location))
    db.session.expire_all()
    assert cert.status == "active" and events("certification.revoked") == []

    too_long = revoke(client, cert, reason="x" * 1001)
    assert "Keep the reason under 1000 characters." in text_of(client.get(too_long.location))
    assert revoke(client, cert).status_code == 302
    again = revoke(client, cert, reason="Once more")
    assert "This certification was already revoked." in text_of(client.get(again.location))
    db.session.expire_all()
    assert cert.revoke_reason == "Shared confidential figures on X"
    assert len(events("certification.revoked")) == 1


def test_employees_and_leads_cannot_revoke(app, client, make_user):
    cert = certification_of(make_user(department="Sales"))
    sign_in(client, make_user())
    assert revoke(client, cert).status_code == 403
    client.post("/logout")
    sign_in(client, make_user(roles=[Role.LEAD], department="Sales"))
    assert revoke(client, cert).status_code == 403
    db.session.expire_all()
    assert cert.status == "active" and events("certification.revoked") == []


def test_an_unknown_certification_is_not_found(app, client, make_user):
    sign_in(client, make_user(roles=[Role.HR]))
    assert client.post("/hr/certifications/999999/revoke", data={"reason": "x"}).status_code == 404
