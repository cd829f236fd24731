"""The organisation's signing keys (Open Badges credentials): generated, rotated, and
used to sign; every change audited.

A key pair is RSA 2048 (RS256, the algorithm Open Badges 3.0 asks every verifier to
support), made with joserfc. Its private half is sealed the way webhook secrets are
(:func:`lms.services.webhooks.seal`: Fernet, a key derived from ``SECRET_KEY``), so a copy
of the database alone cannot sign as us. Rotation makes a new active key and retires the
old one, whose public half stays published (``/.well-known/jwks.json``): credentials it
signed still verify.
"""

import json

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from joserfc import jws
from joserfc.jwk import RSAKey

from lms.extensions import db
from lms.models import SigningKey
from lms.models import User
from lms.models import utcnow
from lms.services import Refused
from lms.services import audit
from lms.services import webhooks

ALG = "RS256"
KEY_BITS = 2048


def generate(*, actor: User | None = None, via: str | None = None) -> SigningKey:
    """Operation: the first signing key; commit.

    :raise Refused: a key is active already (rotate it instead).
    """
    if active() is not None:
        raise Refused(_l("A signing key is active already: rotate it to make a new one."))
    key = _new_key()
    audit.record("signing_key.generated", actor=actor, after=_facts(key, via))
    db.session.commit()
    return key


def rotate(*, actor: User | None = None, via: str | None = None) -> SigningKey:
    """Operation: a new active key; the old one is retired but stays published; commit.
    With no key yet, this makes the first one."""
    old = active()
    now = utcnow()
    if old is not None:
        old.active, old.retired_at = False, now
        db.session.flush()
    key = _new_key()
    after = _facts(key, via) | {"retired_kid": old.kid if old else None}
    audit.record("signing_key.rotated", actor=actor, after=after)
    db.session.commit()
    return key


def active() -> SigningKey | None:
    return db.session.scalar(
        sa.select(SigningKey).where(SigningKey.active).order_by(SigningKey.id.desc()).limit(1)
    )


def sign(claims: dict) -> str:
    """``claims`` as a compact JWS (a VC-JWT), signed by the active key.

    :raise Refused: no key yet, or ``SECRET_KEY`` changed and the key cannot be opened.
    """
    key = active()
    if key is None:
        raise Refused(_l("No signing key yet: an administrator runs “flask lms keys generate”."))
    private = webhooks.unseal(key.private_sealed)
    if private is None:
        raise Refused(_l("The signing key cannot be read: rotate it (“flask lms keys rotate”)."))
    header = {"alg": key.alg, "kid": key.kid, "typ": "vc+jwt"}
    payload = json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode()
    return jws.serialize_compact(header, payload, RSAKey.import_key(json.loads(private)))


def _new_key() -> SigningKey:
    pair = RSAKey.generate_key(KEY_BITS, auto_kid=True)
    public = pair.as_dict(private=False) | {"use": "sig", "alg": ALG}
    key = SigningKey(
        kid=pair.kid,
        alg=ALG,
        public_jwk=public,
        private_sealed=webhooks.seal(json.dumps(pair.as_dict(private=True))),
        active=True,
        created_at=utcnow(),
    )
    db.session.add(key)
    db.session.flush()
    return key


def _facts(key: SigningKey, via: str | None) -> dict:
    facts = {"kid": key.kid, "alg": key.alg}
    return facts | ({"via": via} if via else {})
