"""Delivering outbox events to webhook endpoints: at least once, in order per person,
retried for days, by any number of workers at once.

One run (:func:`run`, the ``webhooks`` job, every minute when there is work):

1. **Fan-out.** For each enabled endpoint, one ``INSERT … SELECT`` writes a delivery for
   every outbox event it subscribes to that it has no delivery for yet, however many
   (100,000 clearance changes after a publish are one statement). The endpoint keeps its
   own progress (``settled_event_id``); events past it are looked at again by each run
   for ``WEBHOOKS_SETTLE_MINUTES``, because ids may commit out of order (the unique
   (endpoint, event) pair keeps each delivery single).
2. **Delivery.** Deliveries that are due are claimed in batches with a conditional
   UPDATE (pending → sending): of several workers, one gets each. A delivery is due when
   no earlier event of the same person for the same endpoint is still pending or being
   sent: a person's events arrive in order, a later one waiting while an earlier one is
   retried, until it is delivered or given up. Each claimed delivery is signed and sent
   (:mod:`lms.services.webhook_http`), and its attempt logged.
3. **Outcome.** A 2xx answer delivers it. Anything else schedules the next attempt (30 s,
   then twice as long each time, up to 6 hours) until ``give_up_at``
   (``WEBHOOKS_RETRY_HOURS`` after it was written), when it is given up. An endpoint that
   failed once in a run gets no more attempts in that run. An endpoint whose attempts
   all failed for ``WEBHOOKS_DISABLE_AFTER_HOURS`` is disabled, audited, and the admins
   are told by e-mail.

A worker that dies leaves its claimed deliveries ``sending``; after
``WEBHOOKS_STALE_MINUTES`` they are pending again and sent again: at least once.
"""

import logging
import secrets
import smtplib
import time
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from typing import cast

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import force_locale
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from lms.extensions import db
from lms.extensions import on_postgresql
from lms.models import OutboxEvent
from lms.models import Role
from lms.models import User
from lms.models import UserRole
from lms.models import WebhookAttempt
from lms.models import WebhookDelivery
from lms.models import WebhookEndpoint
from lms.models import WebhookSubscription
from lms.models import utcnow
from lms.models.types import UTCDateTime
from lms.queries import webhooks as webhook_reads
from lms.rules import webhooks as rules
from lms.services import audit
from lms.services import mail
from lms.services import webhook_http
from lms.services import webhooks

log = logging.getLogger(__name__)

Delivery = WebhookDelivery
#: A fan-out writing at least this many deliveries refreshes the planner's statistics.
ANALYZE_AFTER = 10_000


@dataclass
class RunReport:
    written: int = 0  # deliveries the fan-out wrote
    delivered: int = 0
    failed: int = 0  # attempts that failed and will be tried again
    given_up: int = 0
    released: int = 0  # interrupted deliveries put back in line
    disabled: list[int] = field(default_factory=list)  # endpoints switched off for failing


def setting(key: str):
    return current_app.config[key]


def run(now: datetime | None = None) -> RunReport:
    """Operation: one delivery run (the module's docstring); commits as it goes. ``now``
    is the moment deliveries are scheduled against (a replayed time in tests)."""
    now = now or utcnow()
    report = RunReport()
    report.released = release_stale()
    report.written = fan_out(now)
    deliver_due(now, report)
    prune(now)
    return report


# --- 1. Fan-out -----------------------------------------------------------------------


def fan_out(now: datetime | None = None) -> int:
    """Operation: write the deliveries of every enabled endpoint's new events, due at
    ``now``; commit per endpoint. Returns how many were written."""
    now = now or utcnow()
    ids = list(db.session.scalars(sa.select(WebhookEndpoint.id).where(WebhookEndpoint.enabled)))
    db.session.commit()
    written = 0
    for endpoint_id in ids:
        try:
            written += _fan_out_one(endpoint_id, now)
            db.session.commit()
        except IntegrityError:  # another worker wrote them at the same moment
            db.session.rollback()
            log.info("webhook fan-out for endpoint %s left to another worker", endpoint_id)
    if written >= ANALYZE_AFTER and on_postgresql():
        # Before autovacuum comes by, the planner would think the table small, and pick
        # the due deliveries by sorting all of them (a second each instead of milliseconds).
        db.session.execute(sa.text("ANALYZE webhook_deliveries"))
        db.session.commit()
    return written


def _fan_out_one(endpoint_id: int, due_at: datetime) -> int:
    # The row lock makes concurrent fan-outs of one endpoint take turns (PostgreSQL).
    endpoint = db.session.scalar(
        sa.select(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.enabled)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if endpoint is None:
        return 0
    newest = db.session.scalar(sa.select(sa.func.max(OutboxEvent.id))) or 0
    written = _insert_deliveries(endpoint, due_at)
    now = utcnow()  # the real clock: settling is about when transactions commit
    endpoint.scanned_event_id = newest
    settle = timedelta(minutes=setting("WEBHOOKS_SETTLE_MINUTES"))
    if endpoint.seen_at is None or now - endpoint.seen_at >= settle:
        if endpoint.seen_at is not None:
            endpoint.settled_event_id = endpoint.seen_event_id
        endpoint.seen_event_id, endpoint.seen_at = newest, now
    return written


def _insert_deliveries(endpoint: WebhookEndpoint, now: datetime) -> int:
    give_up_at = now + timedelta(hours=setting("WEBHOOKS_RETRY_HOURS"))
    subscribed = sa.select(WebhookSubscription.kind).where(
        WebhookSubscription.endpoint_id == endpoint.id
    )
    known = sa.select(Delivery.id).where(
        Delivery.endpoint_id == endpoint.id, Delivery.event_id == OutboxEvent.id
    )
    new_events = (
        sa.select(
            sa.literal(endpoint.id),
            OutboxEvent.id,
            OutboxEvent.user_id,
            OutboxEvent.kind,
            sa.literal("pending"),
            sa.literal(0),
            sa.literal(now, UTCDateTime()),
            sa.literal(now, UTCDateTime()),
            sa.literal(give_up_at, UTCDateTime()),
        )
        .where(
            OutboxEvent.id > endpoint.settled_event_id,
            OutboxEvent.kind.in_(subscribed),
            ~sa.exists(known),
        )
        .order_by(OutboxEvent.id)
    )
    columns = [
        "endpoint_id",
        "event_id",
        "user_id",
        "kind",
        "status",
        "attempts",
        "created_at",
        "next_attempt_at",
        "give_up_at",
    ]
    # RETURNING counts them: psycopg reports no rowcount for a parameterised INSERT … SELECT.
    inserted = db.session.execute(
        sa.insert(Delivery.__table__).from_select(columns, new_events).returning(Delivery.id)
    )
    return len(inserted.all())


# --- 2. Delivery ----------------------------------------------------------------------


def deliver_due(now: datetime, report: RunReport) -> None:
    """Operation: claim and send due deliveries, batch after batch, until none is due or
    ``WEBHOOKS_RUN_SECONDS`` have passed; commits per claim and per batch. A batch's
    requests go out ``WEBHOOKS_CONCURRENCY`` at a time (a batch never holds two of one
    person's events for one endpoint, so order holds). No transaction is open while
    requests are on their way (SQLite writers would wait on it)."""
    run_id = secrets.token_hex(8)
    started = time.monotonic()
    stop_at = started + setting("WEBHOOKS_RUN_SECONDS")
    failing: set[int] = set()  # endpoints that failed in this run: no more tries now
    timeouts = (setting("WEBHOOKS_CONNECT_TIMEOUT"), setting("WEBHOOKS_TIMEOUT"))

    def attempt(message: _Message, sender: webhook_http.Sender):
        if message.endpoint_id in failing or time.monotonic() >= stop_at:
            return None  # not tried: put back
        answer = message.send(sender)
        if not answer.delivered:
            failing.add(message.endpoint_id)
        return answer, now + timedelta(seconds=time.monotonic() - started)

    with webhook_http.SenderPool(setting("WEBHOOKS_CONCURRENCY"), *timeouts) as pool:
        while time.monotonic() < stop_at:
            ids = due(now, setting("WEBHOOKS_BATCH"), skip=failing)
            if not ids:
                break
            messages = _prepared(claim(ids, run_id, now))
            outcomes = pool.map(attempt, messages)
            pairs = zip(messages, outcomes, strict=True)
            answers = {m.delivery_id: o for m, o in pairs if o is not None}
            _record_batch(run_id, answers, report)
    _tell_admins(report.disabled)


def due(now: datetime, limit: int, skip: set[int] | None = None) -> list[int]:
    """Ids of deliveries that may be sent now, oldest event first: pending, due, to an
    enabled endpoint, and no earlier event of the same person for that endpoint still
    pending or being sent."""
    earlier = so.aliased(Delivery)
    waiting_before = sa.select(earlier.id).where(
        earlier.endpoint_id == Delivery.endpoint_id,
        earlier.user_id == Delivery.user_id,
        earlier.event_id < Delivery.event_id,
        earlier.status.in_(("pending", "sending")),
    )
    query = (
        sa.select(Delivery.id)
        .join(WebhookEndpoint, WebhookEndpoint.id == Delivery.endpoint_id)
        .where(
            Delivery.status == "pending",
            Delivery.next_attempt_at <= now,
            WebhookEndpoint.enabled,
            ~sa.exists(waiting_before),
        )
        .order_by(Delivery.event_id, Delivery.id)
        .limit(limit)
    )
    if skip:
        query = query.where(Delivery.endpoint_id.not_in(sorted(skip)))
    ids = list(db.session.scalars(query))
    db.session.commit()  # end the read before claiming: SQLite writers do not wait on it
    return ids


def claim(ids: list[int], run_id: str, now: datetime) -> list[tuple[Delivery, WebhookEndpoint]]:
    """Claim those of ``ids`` still pending and due (a conditional UPDATE: of several
    workers, one gets each), counting the attempt, in a transaction of their own;
    return them with their endpoints, in event order."""
    db.session.execute(
        sa.update(Delivery)
        .where(Delivery.id.in_(ids), Delivery.status == "pending", Delivery.next_attempt_at <= now)
        .values(
            status="sending",
            claimed_by=run_id,
            claimed_at=utcnow(),
            attempts=Delivery.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    rows = db.session.execute(
        sa.select(Delivery, WebhookEndpoint)
        .join(WebhookEndpoint, WebhookEndpoint.id == Delivery.endpoint_id)
        .where(Delivery.id.in_(ids), Delivery.claimed_by == run_id, Delivery.status == "sending")
        .order_by(Delivery.event_id, Delivery.id)
        .execution_options(populate_existing=True)
    ).all()
    return [(delivery, endpoint) for delivery, endpoint in rows]


@dataclass
class _Message:
    """A claimed delivery, ready to go: read before the transaction ends, so sending
    reads nothing. Signed when sent: receivers refuse old timestamps."""

    delivery_id: int
    endpoint_id: int
    url: str
    allow_private: bool
    event_id: int
    payload: bytes = b""
    secret: str | None = None
    unsendable: webhook_http.Answer | None = None

    def send(self, sender: webhook_http.Sender) -> webhook_http.Answer:
        if self.unsendable is not None:
            return self.unsendable
        assert self.secret is not None
        headers = webhook_http.signed_headers(self.secret, message_id(self.event_id), self.payload)
        return sender.post(self.url, self.payload, headers, allow_private=self.allow_private)


def _prepared(claimed: list[tuple[Delivery, WebhookEndpoint]]) -> list[_Message]:
    everyone_private = bool(setting("WEBHOOKS_ALLOW_PRIVATE"))
    events = webhook_reads.messages([delivery.event_id for delivery, _ in claimed])
    messages = []
    for delivery, endpoint in claimed:
        message = _Message(
            delivery.id,
            endpoint.id,
            endpoint.url,
            endpoint.allow_private or everyone_private,
            delivery.event_id,
        )
        event = events.get(delivery.event_id)
        message.secret = webhooks.unseal(endpoint.secret_sealed)
        if event is None:
            message.unsendable = webhook_http.Answer(
                "missing", detail=f"event {delivery.event_id} is no longer in the outbox"
            )
        elif message.secret is None:
            message.unsendable = webhook_http.Answer(
                "secret", detail="SECRET_KEY changed: give the endpoint a new secret"
            )
        else:
            kind, occurred_at, data = event
            message.payload = webhook_http.body(kind, occurred_at, data)
        messages.append(message)
    db.session.commit()  # end the read: nothing is open while the requests go out
    return messages


def message_id(event_id: int) -> str:
    """The ``webhook-id`` of an event: the same on every attempt and to every endpoint,
    so a receiver can skip one it already handled (delivery is at least once)."""
    return f"msg_lms_{event_id}"


# --- 3. Outcomes ----------------------------------------------------------------------


def _record_batch(
    run_id: str, answers: dict[int, tuple[webhook_http.Answer, datetime]], report: RunReport
) -> None:
    """Write the outcome of each delivery this run claimed in the batch (those not tried
    go back in line, their attempt not counted); commit once."""
    claimed = db.session.execute(
        sa.select(Delivery, WebhookEndpoint)
        .join(WebhookEndpoint, WebhookEndpoint.id == Delivery.endpoint_id)
        .where(Delivery.claimed_by == run_id, Delivery.status == "sending")
        .order_by(Delivery.event_id, Delivery.id)
        .execution_options(populate_existing=True)
    ).all()
    for delivery, endpoint in claimed:
        if delivery.id in answers:
            answer, moment = answers[delivery.id]
            _record(delivery, endpoint, answer, moment, report)
        else:
            delivery.status, delivery.claimed_by = "pending", None
            delivery.attempts -= 1
    db.session.commit()


def _record(
    delivery: Delivery,
    endpoint: WebhookEndpoint,
    answer: webhook_http.Answer,
    now: datetime,
    report: RunReport,
) -> None:
    """Log the attempt; deliver, reschedule or give up the delivery; keep the endpoint's
    health (and disable it when it has failed for too long)."""
    db.session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            number=delivery.attempts,
            at=now,
            duration_ms=answer.duration_ms,
            outcome=answer.outcome,
            status_code=answer.status_code,
            detail=answer.detail,
        )
    )
    delivery.last_outcome, delivery.last_status_code = answer.outcome, answer.status_code
    delivery.last_detail, delivery.claimed_by = answer.detail, None
    if answer.delivered:
        delivery.status, delivery.finished_at = "delivered", now
        endpoint.failing_since, endpoint.last_success_at = None, now
        report.delivered += 1
        return
    later = rules.next_attempt(delivery.attempts, now, delivery.give_up_at)
    if later is None or answer.outcome == "missing":
        delivery.status, delivery.finished_at = "failed", now
        report.given_up += 1
    else:
        delivery.status, delivery.next_attempt_at = "pending", later
        report.failed += 1
    log.warning(
        "webhook delivery %s to endpoint %s failed (%s %s): %s",
        delivery.id,
        endpoint.id,
        answer.outcome,
        answer.status_code or "",
        answer.detail,
    )
    _note_failure(endpoint, now, report)


def _note_failure(endpoint: WebhookEndpoint, now: datetime, report: RunReport) -> None:
    if endpoint.failing_since is None or endpoint.failing_since > now:
        endpoint.failing_since = now
        return
    limit = timedelta(hours=setting("WEBHOOKS_DISABLE_AFTER_HOURS"))
    if now - endpoint.failing_since < limit:
        return
    # Conditional: of two workers seeing the same failure, one disables it and says so.
    disabled = cast(
        sa.CursorResult,
        db.session.execute(
            sa.update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint.id, WebhookEndpoint.enabled)
            .values(enabled=False, disabled_at=now, disabled_reason="failing")
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    if disabled != 1:
        return
    endpoint.enabled, endpoint.disabled_at, endpoint.disabled_reason = False, now, "failing"
    audit.record(
        "webhook.disabled",
        after={
            "endpoint_id": endpoint.id,
            "url": endpoint.url,
            "reason": "failing",
            "failing_since": endpoint.failing_since.isoformat(),
        },
    )
    report.disabled.append(endpoint.id)


def _tell_admins(endpoint_ids: list[int]) -> None:
    """E-mail every active admin about the endpoints this run disabled. A mail server
    that fails is logged: the audit trail and the admin page say it too."""
    if not endpoint_ids:
        return
    admins = list(
        db.session.scalars(
            sa.select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.ADMIN.value, User.active)
            .order_by(User.id)
        )
    )
    endpoints = [db.session.get_one(WebhookEndpoint, endpoint_id) for endpoint_id in endpoint_ids]
    messages = [_disabled_message(admin, endpoint) for admin in admins for endpoint in endpoints]
    db.session.commit()
    with mail.Mailer() as mailer:
        for message in messages:
            try:
                mailer.send(message)
            except (smtplib.SMTPException, OSError) as exc:
                log.error("could not tell %s that an endpoint was disabled: %s", message["To"], exc)


def _disabled_message(admin: User, endpoint: WebhookEndpoint):
    lang = mail.language_of(admin.preferred_language)
    assert endpoint.failing_since is not None
    with force_locale(lang):
        body = "\n\n".join(
            [
                _("Hello %(name)s,", name=admin.name),
                _(
                    "Every delivery to the webhook endpoint %(url)s has failed since "
                    "%(since)s, so it was disabled: it gets no events until an admin "
                    "enables it again.",
                    url=endpoint.url,
                    since=format_datetime(endpoint.failing_since, "long"),
                ),
                _("Its delivery log says what went wrong:"),
                mail.link(f"/admin/webhooks/{endpoint.id}"),
                _("This e-mail was sent by the brand ambassador training."),
                "",
            ]
        )
        subject = _("A webhook endpoint was disabled")
    return mail.compose(to=(admin.name, admin.email), subject=subject, body=body, lang=lang)


# --- Housekeeping ---------------------------------------------------------------------


def release_stale() -> int:
    """Operation: deliveries left ``sending`` by a worker that died go back in line (sent
    again: at least once); commit. Returns how many."""
    stale_before = utcnow() - timedelta(minutes=setting("WEBHOOKS_STALE_MINUTES"))
    released = cast(
        sa.CursorResult,
        db.session.execute(
            sa.update(Delivery)
            .where(Delivery.status == "sending", Delivery.claimed_at < stale_before)
            .values(status="pending", claimed_by=None)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    db.session.commit()
    if released:
        log.error("%d webhook deliveries were interrupted while sending; sending again", released)
    return released


def prune(now: datetime) -> None:
    """Operation: delete deliveries finished more than ``WEBHOOKS_LOG_DAYS`` ago, with
    their attempts; commit."""
    cutoff = now - timedelta(days=setting("WEBHOOKS_LOG_DAYS"))
    old = sa.select(Delivery.id).where(Delivery.finished_at < cutoff)
    db.session.execute(
        sa.delete(WebhookAttempt)
        .where(WebhookAttempt.delivery_id.in_(old))
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.delete(Delivery)
        .where(Delivery.finished_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
