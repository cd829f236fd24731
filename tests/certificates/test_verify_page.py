"""The public check of a certificate by its code: valid, expired, revoked (date, never
the reason), superseded, or one neutral answer for a code no certificate has."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.models import Certification
from lms.models import Role
from lms.models import utcnow
from lms.queries import catalog
from lms.queries import verification
from lms.services import certifications
from tests.helpers import COURSE
from tests.helpers import EN_MODULE
from tests.helpers import certify
from tests.helpers import publish
from tests.helpers import save
from tests.helpers import text_of


def codes_of(person) -> list[str]:
    """The person's verification codes, oldest certification first."""
    return list(
        db.session.scalars(
            sa.select(Certification.verification_code)
            .where(Certification.user_id == person.id)
            .order_by(Certification.issued_at)
        )
    )


def check(client, code: str):
    response = client.get(f"/verify/{code}")
    return response.status_code, text_of(response)


def test_a_valid_certificate_shows_name_course_version_and_dates_only(client, make_user):
    person = make_user(name="Ana Müller", email="ana@example.com", employee_id="E-4711")
    certify(person)
    (code,) = codes_of(person)
    status, text = check(client, code)
    assert status == 200
    assert "Valid certificate" in text
    assert "Ana Müller" in text and "Policy basics" in text and "1.0" in text
    assert "ana@example.com" not in text and "E-4711" not in text
    response = client.get(f"/verify/{code}")
    assert "noindex" in response.headers["X-Robots-Tag"]
    assert '<meta name="robots" content="noindex' in response.get_data(as_text=True)


def test_the_form_takes_the_code_as_people_type_it(client, make_user):
    person = make_user(name="Ana Müller")
    certify(person)
    (code,) = codes_of(person)
    typed = " " + code.replace("-", " ").lower() + " "
    response = client.get("/verify", query_string={"code": typed})
    assert response.status_code == 200 and "Valid certificate" in text_of(response)
    empty = client.get("/verify")
    assert empty.status_code == 200 and "Verification code" in text_of(empty)


def test_an_expired_certificate_says_expired(client, make_user):
    person = make_user(name="Old Timer")
    certify(person, expires_in=timedelta(days=-1), issued_ago=timedelta(days=366))
    status, text = check(client, codes_of(person)[0])
    assert status == 200 and "This certificate has expired." in text and "Old Timer" in text


def test_a_revoked_certificate_says_when_never_why(client, make_user):
    person = make_user(name="Rita Revoked")
    certify(person)
    cert = db.session.scalars(sa.select(Certification).where(Certification.user_id == person.id))
    certifications.revoke(cert.one(), make_user(roles=[Role.HR]), "Posted the secret roadmap")
    status, text = check(client, codes_of(person)[0])
    assert status == 200 and "This certificate was revoked on" in text
    assert "roadmap" not in text


def test_an_older_certificate_is_superseded_by_a_newer_one_held(client, make_user):
    person = make_user(name="Twice Certified")
    certify(person, issued_ago=timedelta(days=300), expires_in=timedelta(days=65))
    certify(person)
    old, new = codes_of(person)
    assert "has been superseded" in check(client, old)[1]
    assert "Valid certificate" in check(client, new)[1]


def test_a_new_major_version_supersedes_it_once_its_grace_has_passed(client, author, make_user):
    person = make_user(name="Grace Period")
    certify(person)
    (code,) = codes_of(person)
    save(author, EN_MODULE, "---\ntitle: Say who you work for\n---\n\nAlways say it.\n")
    assert publish(author, "major", grace_days=14).status_code == 302
    assert "Valid certificate" in check(client, code)[1]  # in its grace period
    catalog.latest_version(COURSE).recertify_by = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert "has been superseded" in check(client, code)[1]


@pytest.mark.parametrize(
    "code",
    ["AAAA-BBBB-CCCC-DDDD-EEEE-FFFF", "nonsense", "x" * 500, "ÄÖÜ-‮"],
)
def test_an_unknown_code_gets_one_neutral_answer(client, code):
    status, text = check(client, code)
    assert status == 404
    assert "No certificate has this code." in text


def test_codes_are_normalised_and_only_whole_codes_count():
    assert verification.normalised("abcd efgh jkmn pqrs tvwx yz23") == (
        "ABCD-EFGH-JKMN-PQRS-TVWX-YZ23"
    )
    assert verification.normalised("ABCD-EFGH") is None
    assert verification.normalised("") is None
