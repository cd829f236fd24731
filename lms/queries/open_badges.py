"""Open Badges 3.0: a certification as an OpenBadgeCredential, the issuer's profile, the
published keys, and a credential's revocation status (1EdTech Revocation List style).

Every id is an absolute URL on ``BASE_URL`` (stable whoever asks, and from jobs too). The
holder is named by a salted SHA-256 of their e-mail (an IdentityObject), never the plain
address; the salt is derived from the certification and ``SECRET_KEY``, so the same
certification always gives the same credential.
"""

import hashlib
import hmac
import uuid
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from lms.extensions import db
from lms.models import Certification
from lms.models import CourseVersion
from lms.models import SigningKey
from lms.models import User
from lms.queries import catalog
from lms.queries import company

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
STATUS_TYPE = "1EdTechRevocationList"


def base() -> str:
    return current_app.config["BASE_URL"].rstrip("/")


def issuer_id() -> str:
    return f"{base()}/badges/issuer"


def status_url(certification_id: int) -> str:
    return f"{base()}/badges/status/{certification_id}"


def credential_id(certification_id: int) -> str:
    """A URN that names the certification's credential for good."""
    name = f"{base()}/certifications/{certification_id}"
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def issuer() -> dict:
    """The organisation as an Open Badges Profile."""
    name = company.company_name() or _("Brand ambassador training")
    return {"id": issuer_id(), "type": ["Profile"], "name": name, "url": base()}


def credential(cert: Certification) -> dict:
    """``cert`` as an OpenBadgeCredential (unsigned)."""
    version = db.session.get_one(CourseVersion, cert.course_version_id)
    person = db.session.get_one(User, cert.user_id)
    course = catalog.course_of(version)
    lang = course.meta.source_language
    title = course.meta.title(lang)
    achievement = {
        "id": f"{base()}/training/{cert.course_id}?version={cert.version}",
        "type": ["Achievement"],
        "achievementType": "Certification",
        "name": title,
        "description": course.meta.description(lang) or title,
        "criteria": {
            "narrative": _(
                "Read every module of version %(version)s of the course and pass its quiz "
                "with at least %(mark)d%%.",
                version=cert.version,
                mark=course.meta.pass_mark,
            )
        },
        "version": cert.version,
        "inLanguage": lang.replace("_", "-"),
    }
    salt = _salt(cert.id)
    found = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": credential_id(cert.id),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": title,
        "issuer": issuer(),
        "validFrom": _iso(cert.issued_at),
        "validUntil": _iso(cert.expires_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "hashed": True,
                    "identityHash": "sha256$" + _sha256(person.email.lower() + salt),
                    "identityType": "emailAddress",
                    "salt": salt,
                }
            ],
            "achievement": achievement,
        },
        "credentialStatus": {"id": status_url(cert.id), "type": STATUS_TYPE},
        "credentialSchema": [{"id": SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }
    return found


def jwt_claims(cert: Certification) -> dict:
    """The VC-JWT payload: the credential with the JWT claims that mirror it."""
    found = credential(cert)
    return found | {
        "iss": found["issuer"]["id"],
        "jti": found["id"],
        "nbf": int(cert.issued_at.timestamp()),
        "exp": int(cert.expires_at.timestamp()),
    }


def revocation_list(cert: Certification) -> dict:
    """What the credential's status URL answers, from the certification's status now."""
    revoked = cert.status == "revoked"
    return {
        "id": status_url(cert.id),
        "type": STATUS_TYPE,
        "issuer": issuer_id(),
        "revokedCredentials": [{"id": credential_id(cert.id)}] if revoked else [],
    }


def key_set() -> dict:
    """Every signing key's public half, the active one first (a JWK Set)."""
    keys = db.session.scalars(
        sa.select(SigningKey).order_by(SigningKey.active.desc(), SigningKey.id.desc())
    )
    return {"keys": [key.public_jwk for key in keys]}


def _salt(certification_id: int) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"badge-salt:{certification_id}".encode(), "sha256").hexdigest()[:16]


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _iso(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")
