"""Webhook endpoints: registered, changed, switched on and off, removed, their secrets
made and rotated, and a delivery sent again; every change audited.

Delivering the events is :mod:`lms.services.webhook_delivery`'s work.

The secret signs every delivery (Standard Webhooks: ``whsec_`` and base64 of 32 random
bytes). It is shown once, when made; deliveries need it itself to sign, so it cannot be
stored as a hash like an API token. It is stored encrypted (Fernet: AES and an HMAC) with
a key derived from the app's ``SECRET_KEY`` (HKDF), so a copy of the database alone does
not let anyone sign as us. Changing ``SECRET_KEY`` makes the stored secrets unreadable
unless the old key stays in ``SECRET_KEY_FALLBACKS``; each endpoint then needs a new
secret (deliveries say so).
"""

import base64
import secrets
from datetime import timedelta

import sqlalchemy as sa
from cryptography.fernet import Fernet
from cryptography.fernet import InvalidToken
from cryptography.fernet import MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from flask_babel import lazy_gettext as _l

from lms.extensions import db
from lms.models import OutboxEvent
from lms.models import User
from lms.models import WebhookAttempt
from lms.models import WebhookDelivery
from lms.models import WebhookEndpoint
from lms.models import WebhookSubscription
from lms.models import utcnow
from lms.rules import webhooks as rules
from lms.services import Refused
from lms.services import audit

SECRET_PREFIX = "whsec_"
MAX_DESCRIPTION = 200

_URL_PROBLEMS = {
    "too_long": _l("The URL is too long: at most %(n)d characters.", n=rules.MAX_URL),
    "not_a_url": _l("Enter a full URL, such as https://hooks.example.com/lms."),
    "scheme": _l("The URL must start with https://."),
    "https_required": _l(
        "The URL must start with https://: plain http is only for endpoints allowed to "
        "use private network addresses."
    ),
    "credentials": _l("Leave the user name and password out of the URL."),
    "fragment": _l("Leave the part after # out of the URL: it is never sent."),
    "port": _l("The URL's port is not a port number."),
    "private": _l(
        "This URL points to a private, loopback or reserved address. Tick “Allow "
        "private network addresses” if the endpoint really is on your network."
    ),
}


# --- Operations ---------------------------------------------------------------------


def create(
    url: str,
    events: list[str],
    *,
    actor: User | None,
    description: str = "",
    allow_private: bool = False,
    via: str | None = None,
) -> tuple[WebhookEndpoint, str]:
    """Operation: register an endpoint for ``events``; it hears about events from now
    on. Audited; commit.

    :return: the endpoint and its secret, which is shown once.
    :raise Refused: a bad URL, no or unknown events, a description too long.
    """
    url, events, description = _checked(url, events, description, allow_private)
    secret = new_secret()
    endpoint = WebhookEndpoint(
        url=url,
        description=description,
        secret_sealed=seal(secret),
        enabled=True,
        allow_private=allow_private,
        created_by_id=actor.id if actor else None,
        subscriptions=[WebhookSubscription(kind=kind) for kind in events],
    )
    _start_from_now(endpoint)
    db.session.add(endpoint)
    db.session.flush()
    audit.record(
        "webhook.created",
        actor=actor,
        after={"endpoint_id": endpoint.id, **_facts(endpoint), **_via(via)},
    )
    db.session.commit()
    return endpoint, secret


def change(
    endpoint_id: int,
    url: str,
    events: list[str],
    *,
    actor: User | None,
    description: str = "",
    allow_private: bool = False,
    via: str | None = None,
) -> bool:
    """Operation: change an endpoint's URL, events, description or whether it may use
    private addresses; audited with before and after; commit. Returns whether anything
    changed.

    :raise Refused: no such endpoint, or what :func:`create` refuses.
    """
    endpoint = _endpoint(endpoint_id)
    url, events, description = _checked(url, events, description, allow_private)
    before = _facts(endpoint)
    endpoint.url, endpoint.description, endpoint.allow_private = url, description, allow_private
    if set(endpoint.events) != set(events):
        endpoint.subscriptions = [WebhookSubscription(kind=kind) for kind in events]
    after = _facts(endpoint)
    if before == after:
        db.session.rollback()
        return False
    changed = [k for k in after if before[k] != after[k]]
    audit.record(
        "webhook.changed",
        actor=actor,
        before={"endpoint_id": endpoint_id} | {k: before[k] for k in changed},
        after={"endpoint_id": endpoint_id} | {k: after[k] for k in changed} | _via(via),
    )
    db.session.commit()
    return True


def rotate_secret(endpoint_id: int, *, actor: User | None, via: str | None = None) -> str:
    """Operation: a new secret for the endpoint; deliveries from now on are signed with
    it (the old one stops working at once). Audited; commit. Returns the secret, which
    is shown once.

    :raise Refused: no such endpoint.
    """
    endpoint = _endpoint(endpoint_id)
    secret = new_secret()
    endpoint.secret_sealed = seal(secret)
    audit.record(
        "webhook.secret_rotated", actor=actor, after={"endpoint_id": endpoint_id} | _via(via)
    )
    db.session.commit()
    return secret


def set_enabled(
    endpoint_id: int, enabled: bool, *, actor: User | None, via: str | None = None
) -> bool:
    """Operation: switch an endpoint on or off; audited; commit. Returns whether it
    changed. Switched off, it gets nothing (its waiting deliveries wait); switched on
    again, it hears about events from now on and its waiting deliveries go out.

    :raise Refused: no such endpoint.
    """
    endpoint = _endpoint(endpoint_id)
    if endpoint.enabled == enabled:
        return False
    endpoint.enabled = enabled
    if enabled:
        endpoint.disabled_at = endpoint.disabled_reason = endpoint.failing_since = None
        _start_from_now(endpoint)
    else:
        endpoint.disabled_at, endpoint.disabled_reason = utcnow(), "admin"
    audit.record(
        "webhook.enabled" if enabled else "webhook.disabled",
        actor=actor,
        after={"endpoint_id": endpoint_id, "url": endpoint.url}
        | ({} if enabled else {"reason": "admin"})
        | _via(via),
    )
    db.session.commit()
    return True


def remove(endpoint_id: int, *, actor: User | None, via: str | None = None) -> None:
    """Operation: delete an endpoint with its deliveries and their log; audited; commit.

    :raise Refused: no such endpoint.
    """
    endpoint = _endpoint(endpoint_id)
    facts = {"endpoint_id": endpoint_id, **_facts(endpoint)}
    deliveries = sa.select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == endpoint_id)
    for statement in (
        sa.delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(deliveries)),
        sa.delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id),
        sa.delete(WebhookSubscription).where(WebhookSubscription.endpoint_id == endpoint_id),
        sa.delete(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id),
    ):
        db.session.execute(statement.execution_options(synchronize_session=False))
    audit.record("webhook.removed", actor=actor, before=facts, after=_via(via) or None)
    db.session.commit()


def send_again(delivery_id: int, *, actor: User | None, via: str | None = None) -> None:
    """Operation: put a delivered or given-up delivery back in line, with a new retry
    period; the next run sends it (after any earlier event of the same person still
    waiting). Audited; commit.

    :raise Refused: no such delivery, or it is waiting or being sent already.
    """
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise Refused(_l("No delivery with id %(id)s.", id=delivery_id))
    if delivery.status in ("pending", "sending"):
        raise Refused(_l("This delivery is waiting to be sent already."))
    now = utcnow()
    retry = current_app.config["WEBHOOKS_RETRY_HOURS"]
    delivery.status, delivery.next_attempt_at = "pending", now
    delivery.give_up_at = now + timedelta(hours=retry)
    delivery.finished_at = None
    audit.record(
        "webhook.resent",
        actor=actor,
        subject_id=delivery.user_id,
        after={"endpoint_id": delivery.endpoint_id, "delivery_id": delivery.id}
        | {"event_id": delivery.event_id, "kind": delivery.kind}
        | _via(via),
    )
    db.session.commit()


# --- The secret ---------------------------------------------------------------------


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def seal(secret: str) -> str:
    """``secret`` encrypted with the current ``SECRET_KEY``'s key."""
    return _box().encrypt(secret.encode()).decode()


def unseal(sealed: str) -> str | None:
    """The secret, or None when no key of ``SECRET_KEY`` and ``SECRET_KEY_FALLBACKS``
    opens it (the key changed)."""
    try:
        return _box().decrypt(sealed.encode()).decode()
    except InvalidToken:
        return None


def _box() -> MultiFernet:
    config = current_app.config
    keys = [config["SECRET_KEY"], *(config.get("SECRET_KEY_FALLBACKS") or [])]
    return MultiFernet([Fernet(_derive(key)) for key in keys if key])


def _derive(secret_key: str | bytes) -> bytes:
    material = secret_key.encode() if isinstance(secret_key, str) else secret_key
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"lms webhook secrets")
    return base64.urlsafe_b64encode(hkdf.derive(material))


# --- Helpers ------------------------------------------------------------------------


def url_problem_message(url: str, allow_private: bool):
    """The message for what is wrong with ``url``, or None (forms show it by the field)."""
    problem = rules.url_problem(url, allow_private=allow_private or _private_allowed())
    return _URL_PROBLEMS[problem] if problem else None


def _checked(
    url: str, events: list[str], description: str, allow_private: bool
) -> tuple[str, list[str], str]:
    url, description = url.strip(), description.strip()
    message = url_problem_message(url, allow_private)
    if message is not None:
        raise Refused(message)
    unknown = sorted(set(events) - set(rules.EVENTS))
    if unknown:
        raise Refused(
            _l(
                "There is no event “%(event)s”. The events are: %(events)s.",
                event=unknown[0],
                events=", ".join(rules.EVENTS),
            )
        )
    if not events:
        raise Refused(_l("Choose at least one event for the endpoint to hear about."))
    if len(description) > MAX_DESCRIPTION:
        raise Refused(
            _l("The description is too long: at most %(n)d characters.", n=MAX_DESCRIPTION)
        )
    return url, [kind for kind in rules.EVENTS if kind in events], description


def _private_allowed() -> bool:
    return bool(current_app.config["WEBHOOKS_ALLOW_PRIVATE"])


def _endpoint(endpoint_id: int) -> WebhookEndpoint:
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise Refused(_l("No webhook endpoint with id %(id)s.", id=endpoint_id))
    return endpoint


def _start_from_now(endpoint: WebhookEndpoint) -> None:
    """The endpoint hears about events recorded from now on, not the outbox's past."""
    newest = db.session.scalar(sa.select(sa.func.max(OutboxEvent.id))) or 0
    endpoint.settled_event_id = endpoint.seen_event_id = endpoint.scanned_event_id = newest
    endpoint.seen_at = utcnow()


def _facts(endpoint: WebhookEndpoint) -> dict:
    """What the audit trail says about an endpoint (never its secret)."""
    return {
        "url": endpoint.url,
        "events": sorted(endpoint.events),
        "description": endpoint.description,
        "allow_private": endpoint.allow_private,
    }


def _via(via: str | None) -> dict:
    return {"via": via} if via else {}
