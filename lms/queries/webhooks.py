"""Reading webhooks: the endpoints, each one's delivery log, a delivery's attempts, and
whether the delivery job has work."""

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa

from lms.extensions import db
from lms.models import OutboxEvent
from lms.models import User
from lms.models import WebhookAttempt
from lms.models import WebhookDelivery
from lms.models import WebhookEndpoint
from lms.models import utcnow
from lms.queries.reporting import Page

Delivery = WebhookDelivery


@dataclass(frozen=True)
class EndpointLine:
    """An endpoint with how many of its deliveries wait and how many were given up."""

    endpoint: WebhookEndpoint
    waiting: int
    failed: int


def endpoints() -> list[EndpointLine]:
    """Every endpoint, oldest first, with its waiting and failed deliveries counted."""
    counts = (
        sa.select(
            Delivery.endpoint_id,
            sa.func.sum(sa.case((Delivery.status.in_(("pending", "sending")), 1), else_=0)),
            sa.func.sum(sa.case((Delivery.status == "failed", 1), else_=0)),
        )
        .group_by(Delivery.endpoint_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(WebhookEndpoint, counts.c[1], counts.c[2])
        .outerjoin(counts, counts.c.endpoint_id == WebhookEndpoint.id)
        .order_by(WebhookEndpoint.id)
    ).all()
    return [EndpointLine(endpoint, int(w or 0), int(f or 0)) for endpoint, w, f in rows]


def endpoint(endpoint_id: int) -> WebhookEndpoint | None:
    return db.session.get(WebhookEndpoint, endpoint_id)


def deliveries(endpoint_id: int, status: str | None, page: int = 1, per_page: int = 25) -> Page:
    """An endpoint's deliveries, newest event first (each row: the delivery and the
    employee id of the person it is about), optionally of one status."""
    condition = [Delivery.endpoint_id == endpoint_id]
    if status:
        condition.append(Delivery.status == status)
    total = db.session.scalar(sa.select(sa.func.count(Delivery.id)).where(*condition)) or 0
    page = Page.clamp(page, total, per_page)
    rows = db.session.execute(
        sa.select(Delivery, User.employee_id)
        .outerjoin(User, User.id == Delivery.user_id)
        .where(*condition)
        .order_by(Delivery.event_id.desc(), Delivery.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(rows, total, page, per_page)


def delivery(delivery_id: int) -> Delivery | None:
    return db.session.get(Delivery, delivery_id)


def attempts(delivery_id: int) -> list[WebhookAttempt]:
    """A delivery's attempts, latest first."""
    return list(
        db.session.scalars(
            sa.select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id == delivery_id)
            .order_by(WebhookAttempt.number.desc(), WebhookAttempt.id.desc())
        )
    )


def messages(event_ids: list[int]) -> dict[int, tuple[str, datetime, dict]]:
    """What endpoints hear of each event, by id: its kind, its time and its data: the
    person's employee id (never a name or an e-mail address), the course, and the
    event's own payload. Events no longer in the outbox are left out."""
    rows = db.session.execute(
        sa.select(OutboxEvent, User.employee_id)
        .outerjoin(User, User.id == OutboxEvent.user_id)
        .where(OutboxEvent.id.in_(event_ids))
    ).all()
    found = {}
    for event, employee_id in rows:
        data: dict = {}
        if event.user_id is not None:
            data["employee_id"] = employee_id
        if event.course_id is not None:
            data["course_id"] = event.course_id
        found[event.id] = (event.kind, event.occurred_at, data | dict(event.payload or {}))
    return found


def employee_id(user_id: int | None) -> str | None:
    if user_id is None:
        return None
    return db.session.scalar(sa.select(User.employee_id).where(User.id == user_id))


def work_waiting(now: datetime, settle: timedelta, stale: timedelta) -> bool:
    """Whether a delivery run has anything to do: an enabled endpoint with events newer
    than its last look, or whose look-again window is ``settle`` old; a delivery due, or
    left sending for ``stale``. A few indexed reads, so the schedule asks every minute."""
    enabled = sa.select(WebhookEndpoint.id).where(WebhookEndpoint.enabled)
    if db.session.scalar(enabled.limit(1)) is None:
        return False
    newest = db.session.scalar(sa.select(sa.func.max(OutboxEvent.id))) or 0
    real_now = utcnow()
    to_look_at = sa.select(WebhookEndpoint.id).where(
        WebhookEndpoint.enabled,
        sa.or_(
            WebhookEndpoint.scanned_event_id < newest,
            sa.and_(
                WebhookEndpoint.settled_event_id < WebhookEndpoint.seen_event_id,
                WebhookEndpoint.seen_at <= real_now - settle,
            ),
        ),
    )
    if db.session.scalar(to_look_at.limit(1)) is not None:
        return True
    waiting = sa.select(Delivery.id).where(
        sa.or_(
            sa.and_(Delivery.status == "pending", Delivery.next_attempt_at <= now),
            sa.and_(Delivery.status == "sending", Delivery.claimed_at < real_now - stale),
        )
    )
    return db.session.scalar(waiting.limit(1)) is not None
