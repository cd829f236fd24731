"""Open Badges 3.0: a learner downloads their certification as a signed credential that
1EdTech's JSON schema accepts, that verifies against the JWK Set we publish (and fails
once tampered with), whose status URL says revoked once it is, and whose keys rotate
without breaking the badges already handed out."""

import base64
import json
from pathlib import Path

import jsonschema
import pytest
import sqlalchemy as sa
from joserfc import jws
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet

from lms.extensions import db
from lms.models import Certification
from lms.models import Role
from tests.helpers import DATA
from tests.helpers import certify_through_pages
from tests.helpers import events
from tests.helpers import sign_in
from tests.helpers import text_of

SCHEMA = json.loads((DATA / "openbadges" / "ob_v3p0_achievementcredential_schema.json").read_text())


def generate_key(runner) -> None:
    result = runner.invoke(args=["lms", "keys", "generate"])
    assert result.exit_code == 0, result.output


def certified(client, person) -> Certification:
    certify_through_pages(client, person)
    db.session.expire_all()
    return db.session.scalar(sa.select(Certification).where(Certification.user_id == person.id))


def download(client, cert: Certification):
    return client.get(f"/training/certifications/{cert.id}/badge.jwt")


def verify(client, token: str) -> dict:
    """The payload, checked against the JWK Set as a verifier fetches it over HTTP."""
    published = client.get("/.well-known/jwks.json")
    assert published.status_code == 200
    keys = KeySet.import_key_set(published.get_json())
    return json.loads(jws.deserialize_compact(token, keys).payload)


def tampered(token: str, change) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    change(claims)
    raw = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return ".".join([header, raw, signature])


def test_learner_downloads_a_badge_that_validates_and_verifies(client, runner, employee):
    generate_key(runner)
    cert = certified(client, employee)
    sign_in(client, employee)
    page = client.get("/training").get_data(as_text=True)
    assert f"/training/certifications/{cert.id}/badge.jwt" in page

    response = download(client, cert)
    assert response.status_code == 200
    assert response.mimetype == "application/vc+jwt"
    token = response.get_data(as_text=True)
    credential = verify(client, token)

    validator = jsonschema.Draft201909Validator(
        SCHEMA, format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER
    )
    assert sorted(e.message for e in validator.iter_errors(credential)) == []
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["issuer"]["id"] == credential["iss"]
    assert credential["credentialSubject"]["achievement"]["version"] == cert.version
    assert credential["validFrom"].startswith(f"{cert.issued_at:%Y-%m-%dT%H:%M}")
    assert credential["validUntil"].startswith(f"{cert.expires_at:%Y-%m-%dT%H:%M}")
    # The holder is named by a salted hash, never the address itself.
    assert employee.email not in token and employee.email not in json.dumps(credential)
    identity = credential["credentialSubject"]["identifier"][0]
    assert identity["identityHash"].startswith("sha256$")
    # The issuer profile is where the credential says it is.
    assert client.get("/badges/issuer").get_json()["id"] == credential["issuer"]["id"]

    with pytest.raises(BadSignatureError):
        verify(client, tampered(token, lambda c: c.update(validUntil="2099-01-01T00:00:00Z")))


def test_a_credential_the_schema_refuses_fails_validation(client, runner, employee):
    """The schema check bites: the same credential without its issuer is refused."""
    generate_key(runner)
    cert = certified(client, employee)
    sign_in(client, employee)
    credential = verify(client, download(client, cert).get_data(as_text=True))
    del credential["issuer"]
    assert not jsonschema.Draft201909Validator(SCHEMA).is_valid(credential)


def test_status_says_revoked_once_the_certification_is(client, runner, employee):
    generate_key(runner)
    cert = certified(client, employee)
    sign_in(client, employee)
    credential = verify(client, download(client, cert).get_data(as_text=True))
    status_url = credential["credentialStatus"]["id"]
    assert credential["credentialStatus"]["type"] == "1EdTechRevocationList"
    path = status_url.split("://", 1)[1].split("/", 1)[1]
    assert client.get(f"/{path}").get_json()["revokedCredentials"] == []

    cert.status = "revoked"  # HR's revocation is another module's; we only read it
    db.session.commit()
    revoked = client.get(f"/{path}").get_json()["revokedCredentials"]
    assert [r["id"] for r in revoked] == [credential["id"]]


def test_rotation_keeps_old_badges_verifiable(client, runner, employee):
    generate_key(runner)
    cert = certified(client, employee)
    sign_in(client, employee)
    old = download(client, cert).get_data(as_text=True)

    result = runner.invoke(args=["lms", "keys", "rotate"])
    assert result.exit_code == 0, result.output
    new = download(client, cert).get_data(as_text=True)
    assert verify(client, old)["id"] == verify(client, new)["id"]
    old_kid = jws.extract_compact(old.encode()).headers()["kid"]
    new_kid = jws.extract_compact(new.encode()).headers()["kid"]
    assert old_kid != new_kid
    assert len(client.get("/.well-known/jwks.json").get_json()["keys"]) == 2
    assert [e.after["kid"] for e in events("signing_key.generated")] == [old_kid]
    assert [e.after["retired_kid"] for e in events("signing_key.rotated")] == [old_kid]

    listing = runner.invoke(args=["lms", "keys", "list"]).output
    assert f"{old_kid}  RS256  retired" in listing and f"{new_kid}  RS256  active" in listing


def test_a_second_generate_is_refused(runner, app):
    generate_key(runner)
    again = runner.invoke(args=["lms", "keys", "generate"])
    assert again.exit_code != 0 and "rotate" in again.output


def test_only_the_holder_and_hr_download(client, runner, employee, make_user):
    generate_key(runner)
    cert = certified(client, employee)
    colleague = make_user()
    sign_in(client, colleague)
    assert download(client, cert).status_code == 404
    client.post("/logout")
    sign_in(client, make_user(roles=[Role.HR]))
    person_page = client.get(f"/hr/people/{employee.employee_id}").get_data(as_text=True)
    assert f"/training/certifications/{cert.id}/badge.jwt" in person_page
    assert download(client, cert).status_code == 200
    assert client.get("/training/certifications/999999/badge.jwt").status_code == 404


def test_without_a_key_the_learner_is_told(client, employee):
    cert = certified(client, employee)
    sign_in(client, employee)
    response = download(client, cert)
    assert response.status_code == 302
    assert "flask lms keys generate" in text_of(client.get("/training"))


def test_vendored_schema_is_the_published_one():
    schema = SCHEMA
    assert schema["$schema"].startswith("https://json-schema.org/draft/2019-09/")
    assert "ob_v3p0_achievementcredential_schema.json" in schema["$id"]
    assert (Path(DATA) / "openbadges" / "README.md").exists()
