"""Sending xAPI statements to a Learning Record Store (``XAPI_LRS_URL``): at least once,
in order per person, retried for days, by any number of workers at once; off while
``XAPI_LRS_URL`` is unset (nothing is written then).

The same three steps as webhook deliveries (:mod:`lms.services.webhook_delivery`), for one
destination:

1. **Fan-out.** One ``INSERT … SELECT`` writes an ``xapi_sends`` row for each quiz event
   of the outbox (:data:`lms.queries.xapi.KINDS`) past the settled id that has none
   (unique per event). Progress lives in ``xapi_progress``; events past the settled id
   are looked at again for ``XAPI_SETTLE_MINUTES``, as ids may commit out of order.
2. **Sending.** Due rows are claimed with a conditional UPDATE (pending → sending), oldest
   event first; a row is due when no earlier event of the same person is still pending or
   sending. Each row's statements go in one ``POST …/statements`` (xAPI 1.0.3, basic
   auth), through the webhooks' SSRF-safe sender (:mod:`lms.services.webhook_http`;
   ``XAPI_ALLOW_PRIVATE`` lets it reach private addresses).
3. **Outcome.** 2xx: sent. Anything else: tried again (30 s, doubling, up to 6 hours)
   until ``XAPI_RETRY_HOURS`` after it was written; a 4xx other than 408/429 (the LRS
   refuses these statements, or a 409: ids it holds with other content) is not retried.
   After one failure the run stops sending: the LRS is down, the rest waits in order.

The statements' ids derive from the event's, so a statement sent twice (a worker that
died after sending, before recording) is one statement at the LRS.
"""

import base64
import json
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import cast

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import NoResultFound

from lms.extensions import db
from lms.extensions import on_postgresql
from lms.models import OutboxEvent
from lms.models import XapiProgress
from lms.models import XapiSend
from lms.models import utcnow
from lms.models.types import UTCDateTime
from lms.queries import xapi as xapi_reads
from lms.rules import webhooks as rules
from lms.services import webhook_delivery
from lms.services import webhook_http

log = logging.getLogger(__name__)


@dataclass
class RunReport:
    written: int = 0
    sent: int = 0
    failed: int = 0  # attempts that failed and will be tried again
    given_up: int = 0
    released: int = 0


def setting(key: str):
    return current_app.config[key]


def run(now: datetime | None = None) -> RunReport:
    """Operation: one send run (the module's docstring); commits as it goes. ``now`` is
    the moment sends are scheduled against (a replayed time in tests)."""
    now = now or utcnow()
    report = RunReport()
    if not xapi_reads.configured():
        return report
    report.released = release_stale()
    report.written = fan_out(now)
    send_due(now, report)
    prune(now)
    return report


# --- 1. Fan-out -----------------------------------------------------------------------


def fan_out(now: datetime) -> int:
    """Operation: write the sends of new quiz events, due at ``now``; commit."""
    try:
        written = _fan_out(now)
        db.session.commit()
    except IntegrityError:  # another worker wrote them (or the progress row) just now
        db.session.rollback()
        log.info("xAPI fan-out left to another worker")
        return 0
    if written >= webhook_delivery.ANALYZE_AFTER and on_postgresql():
        # As for webhooks: until autovacuum comes by, the planner takes the table for
        # small and picks the due rows by a plan that takes minutes at 100,000 rows.
        db.session.execute(sa.text("ANALYZE xapi_sends"))
        db.session.commit()
    return written


def _fan_out(due_at: datetime) -> int:
    progress = db.session.scalar(
        sa.select(XapiProgress)
        .where(XapiProgress.id == 1)
        .with_for_update()  # concurrent fan-outs take turns (PostgreSQL)
        .execution_options(populate_existing=True)
    )
    if progress is None:
        progress = XapiProgress(id=1, settled_event_id=0, seen_event_id=0, scanned_event_id=0)
        db.session.add(progress)
        db.session.flush()
    newest = db.session.scalar(sa.select(sa.func.max(OutboxEvent.id))) or 0
    give_up_at = due_at + timedelta(hours=setting("XAPI_RETRY_HOURS"))
    known = sa.select(XapiSend.id).where(XapiSend.event_id == OutboxEvent.id)
    new_events = (
        sa.select(
            OutboxEvent.id,
            OutboxEvent.user_id,
            OutboxEvent.kind,
            sa.literal("pending"),
            sa.literal(0),
            sa.literal(due_at, UTCDateTime()),
            sa.literal(due_at, UTCDateTime()),
            sa.literal(give_up_at, UTCDateTime()),
        )
        .where(
            OutboxEvent.id > progress.settled_event_id,
            OutboxEvent.kind.in_(xapi_reads.KINDS),
            ~sa.exists(known),
        )
        .order_by(OutboxEvent.id)
    )
    columns = [
        "event_id",
        "user_id",
        "kind",
        "status",
        "attempts",
        "created_at",
        "next_attempt_at",
        "give_up_at",
    ]
    inserted = db.session.execute(
        sa.insert(XapiSend.__table__).from_select(columns, new_events).returning(XapiSend.id)
    )
    written = len(inserted.all())
    real_now = utcnow()  # settling is about when transactions commit: the real clock
    progress.scanned_event_id = newest
    settle = timedelta(minutes=setting("XAPI_SETTLE_MINUTES"))
    if progress.seen_at is None or real_now - progress.seen_at >= settle:
        if progress.seen_at is not None:
            progress.settled_event_id = progress.seen_event_id
        progress.seen_event_id, progress.seen_at = newest, real_now
    return written


# --- 2. Sending -----------------------------------------------------------------------


def send_due(now: datetime, report: RunReport) -> None:
    """Operation: claim and send due rows, batch after batch, until none is due, one
    failed, or ``XAPI_RUN_SECONDS`` passed; commits per claim and per outcome. No
    transaction is open while a request is on its way."""
    run_id = secrets.token_hex(8)
    stop_at = time.monotonic() + setting("XAPI_RUN_SECONDS")
    url = setting("XAPI_LRS_URL").rstrip("/") + "/statements"
    timeouts = (setting("XAPI_CONNECT_TIMEOUT"), setting("XAPI_TIMEOUT"))
    with webhook_http.Sender(*timeouts) as sender:
        while time.monotonic() < stop_at:
            ids = due(now, setting("XAPI_BATCH"))
            if not ids:
                return
            for send in claim(ids, run_id, now):
                if time.monotonic() >= stop_at:
                    _put_back(send)
                    continue
                body = _body(send)
                if body is None:
                    _record(send, _UNSENDABLE, now, report)
                    continue
                answer = sender.post(
                    url, body, _headers(), allow_private=setting("XAPI_ALLOW_PRIVATE")
                )
                _record(send, answer, now, report)
                if not answer.delivered:
                    _put_back_claimed(run_id)
                    return


def due(now: datetime, limit: int) -> list[int]:
    """Ids of rows that may be sent now, oldest event first: pending, due, and no earlier
    event of the same person still pending or sending."""
    ids = list(db.session.scalars(_due_query(now, limit)))
    db.session.commit()  # end the read before claiming
    return ids


def _due_query(now: datetime, limit: int) -> sa.Select:
    earlier = so.aliased(XapiSend)
    waiting_before = sa.select(earlier.id).where(
        earlier.user_id == XapiSend.user_id,
        earlier.event_id < XapiSend.event_id,
        earlier.status.in_(("pending", "sending")),
    )
    return (
        sa.select(XapiSend.id)
        .where(
            XapiSend.status == "pending",
            XapiSend.next_attempt_at <= now,
            ~sa.exists(waiting_before),
        )
        .order_by(XapiSend.event_id)
        .limit(limit)
    )


def claim(ids: list[int], run_id: str, now: datetime) -> list[XapiSend]:
    """Claim those of ``ids`` still pending and due (of several workers, one gets each),
    counting the attempt; commit; return them in event order."""
    db.session.execute(
        sa.update(XapiSend)
        .where(XapiSend.id.in_(ids), XapiSend.status == "pending", XapiSend.next_attempt_at <= now)
        .values(
            status="sending",
            claimed_by=run_id,
            claimed_at=utcnow(),
            attempts=XapiSend.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return list(
        db.session.scalars(
            sa.select(XapiSend)
            .where(XapiSend.id.in_(ids), XapiSend.claimed_by == run_id)
            .where(XapiSend.status == "sending")
            .order_by(XapiSend.event_id)
            .execution_options(populate_existing=True)
        )
    )


#: The event or its person is gone (the outbox pruned early): nothing to send, ever.
_UNSENDABLE = webhook_http.Answer("missing", detail="the event or its person is gone")


def _body(send: XapiSend) -> bytes | None:
    event = db.session.get(OutboxEvent, send.event_id)
    try:
        found = xapi_reads.statements(event) if event is not None else None
    except NoResultFound:
        found = None
    db.session.commit()  # nothing open while the request is on its way
    if found is None:
        return None
    return json.dumps(found, separators=(",", ":"), ensure_ascii=False).encode()


def _headers() -> dict[str, str]:
    headers = {
        "X-Experience-API-Version": xapi_reads.VERSION,
        "Content-Type": "application/json",
    }
    user, password = setting("XAPI_LRS_USERNAME"), setting("XAPI_LRS_PASSWORD")
    if user or password:
        pair = base64.b64encode(f"{user}:{password}".encode()).decode()
        headers["Authorization"] = f"Basic {pair}"
    return headers


# --- 3. Outcome -----------------------------------------------------------------------

#: Answers that say "these statements will never be taken": not tried again.
_FINAL = {400, 401, 403, 404, 409, 413}


def _record(send: XapiSend, answer: webhook_http.Answer, now: datetime, report) -> None:
    send.claimed_by = None
    send.last_status_code, send.last_detail = answer.status_code, answer.detail
    if answer.delivered:
        send.status, send.finished_at = "sent", now
        report.sent += 1
    else:
        later = rules.next_attempt(send.attempts, now, send.give_up_at)
        if later is None or answer.status_code in _FINAL or answer.outcome == "missing":
            send.status, send.finished_at = "failed", now
            report.given_up += 1
        else:
            send.status, send.next_attempt_at = "pending", later
            report.failed += 1
        log.warning(
            "xAPI statements of event %s not taken (%s %s): %s",
            send.event_id,
            answer.outcome,
            answer.status_code or "",
            answer.detail,
        )
    db.session.commit()


def _put_back(send: XapiSend) -> None:
    send.status, send.claimed_by, send.attempts = "pending", None, send.attempts - 1
    db.session.commit()


def _put_back_claimed(run_id: str) -> None:
    """Rows this run claimed but did not try (it stopped at a failure) wait again."""
    db.session.execute(
        sa.update(XapiSend)
        .where(XapiSend.claimed_by == run_id, XapiSend.status == "sending")
        .values(status="pending", claimed_by=None, attempts=XapiSend.attempts - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def release_stale() -> int:
    """Operation: rows left ``sending`` by a worker that died go back in line; commit."""
    stale_before = utcnow() - timedelta(minutes=setting("XAPI_STALE_MINUTES"))
    released = cast(
        sa.CursorResult,
        db.session.execute(
            sa.update(XapiSend)
            .where(XapiSend.status == "sending", XapiSend.claimed_at < stale_before)
            .values(status="pending", claimed_by=None)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    db.session.commit()
    return released


def prune(now: datetime) -> None:
    """Operation: delete rows finished more than ``XAPI_LOG_DAYS`` ago; commit. (Their
    events are behind the settled id by then: never fanned out again.)"""
    cutoff = now - timedelta(days=setting("XAPI_LOG_DAYS"))
    db.session.execute(
        sa.delete(XapiSend)
        .where(XapiSend.finished_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
