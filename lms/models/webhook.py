"""Webhooks: the endpoints admins register, the events each hears, and every delivery
of an event to an endpoint with its attempts."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.extensions import db
from lms.models.types import UTCDateTime
from lms.models.types import utcnow

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class WebhookEndpoint(db.Model):
    """A URL that hears about events, signed with its own secret (Standard Webhooks).

    ``secret_sealed`` is the ``whsec_…`` secret encrypted with a key derived from the
    app's ``SECRET_KEY`` (:mod:`lms.services.webhooks`): deliveries need the secret itself
    to sign, so it cannot be stored hashed like an API token. A disabled endpoint gets
    nothing; ``disabled_reason`` says whether an admin turned it off (``admin``) or it
    failed for too long (``failing``). ``failing_since`` is the first failed attempt since
    the last success.

    The outbox consumer keeps its progress here, per endpoint: events up to
    ``settled_event_id`` have been fanned out for good; later ones are looked at again by
    every run until a run ``WEBHOOKS_SETTLE_MINUTES`` after ``seen_at`` settles them up to
    ``seen_event_id`` (ids may commit out of order; a transaction that took an id commits
    long before then). ``scanned_event_id`` is the newest id at the last look.
    """

    __tablename__ = "webhook_endpoints"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    url: so.Mapped[str] = so.mapped_column(sa.String(2000))
    description: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    secret_sealed: so.Mapped[str] = so.mapped_column(sa.Text)
    enabled: so.Mapped[bool] = so.mapped_column(default=True)
    allow_private: so.Mapped[bool] = so.mapped_column(default=False)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    created_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    disabled_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    disabled_reason: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    failing_since: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    last_success_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    settled_event_id: so.Mapped[int] = so.mapped_column(BigId, default=0)
    seen_event_id: so.Mapped[int] = so.mapped_column(BigId, default=0)
    seen_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    #: The newest outbox id when the fan-out last ran: newer events mean work to do.
    scanned_event_id: so.Mapped[int] = so.mapped_column(BigId, default=0)

    subscriptions: so.Mapped[list["WebhookSubscription"]] = so.relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="WebhookSubscription.kind"
    )

    @property
    def events(self) -> list[str]:
        return [s.kind for s in self.subscriptions]


class WebhookSubscription(db.Model):
    """An event kind an endpoint hears (a row each, so the fan-out joins on it)."""

    __tablename__ = "webhook_subscriptions"

    endpoint_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), primary_key=True
    )
    kind: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)


#: A delivery's life: pending (waiting for its first or next attempt), sending (claimed by
#: one worker), then delivered, or failed (given up after the retry period).
DELIVERY_STATUSES = ("pending", "sending", "delivered", "failed")


class WebhookDelivery(db.Model):
    """One event for one endpoint: written by the fan-out (one INSERT … SELECT per
    endpoint), claimed by one worker at a time (a conditional UPDATE to ``sending``),
    and tried until delivered or ``give_up_at``.

    A person's deliveries to one endpoint go in event order: one waits while an earlier
    one of the same person is pending or sending. ``event_id`` points into the outbox
    (no foreign key: the outbox may be pruned once read).
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        sa.UniqueConstraint("endpoint_id", "event_id"),
        sa.Index("ix_webhook_deliveries_status_event", "status", "event_id"),
        sa.Index("ix_webhook_deliveries_person", "endpoint_id", "user_id", "event_id"),
    )

    id: so.Mapped[int] = so.mapped_column(BigId, primary_key=True)
    endpoint_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    event_id: so.Mapped[int] = so.mapped_column(BigId)
    user_id: so.Mapped[int | None]
    kind: so.Mapped[str] = so.mapped_column(sa.String(64))
    status: so.Mapped[str] = so.mapped_column(sa.String(12), default="pending")
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    give_up_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    #: Which run claimed it, and when: ``sending`` long after that means a crash.
    claimed_by: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    claimed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    finished_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    #: The last attempt's outcome (see :data:`OUTCOMES`), HTTP status and detail.
    last_outcome: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    last_status_code: so.Mapped[int | None]
    last_detail: so.Mapped[str | None] = so.mapped_column(sa.String(500))


#: What an attempt came to: ``delivered`` (a 2xx answer); ``http_status`` (another
#: answer), ``redirect`` (3xx: never followed), ``timeout``, ``connect`` (no connection,
#: or the name does not resolve), ``refused`` (an address deliveries may not go to),
#: ``error`` (anything else the request raised), ``secret`` (the stored secret cannot be
#: read: SECRET_KEY changed), ``missing`` (the event is no longer in the outbox).
OUTCOMES = (
    "delivered",
    "http_status",
    "redirect",
    "timeout",
    "connect",
    "refused",
    "error",
    "secret",
    "missing",
)


class WebhookAttempt(db.Model):
    """One try of a delivery, for the delivery log: when, how long, what came back."""

    __tablename__ = "webhook_attempts"

    id: so.Mapped[int] = so.mapped_column(BigId, primary_key=True)
    delivery_id: so.Mapped[int] = so.mapped_column(
        BigId, sa.ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    number: so.Mapped[int]
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    duration_ms: so.Mapped[int] = so.mapped_column(default=0)
    outcome: so.Mapped[str] = so.mapped_column(sa.String(16))
    status_code: so.Mapped[int | None]
    #: What went wrong, as the network said it (an answer's first bytes, the exception).
    detail: so.Mapped[str | None] = so.mapped_column(sa.String(500))
