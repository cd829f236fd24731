"""Reading what the SCIM push needs: who is cleared (set-based), the outbox events past a
target's cursor, the accounts known on the target, and the status admins see."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from lms.extensions import db
from lms.models import Clearance
from lms.models import OutboxEvent
from lms.models import ScimPushAccount
from lms.models import ScimPushTarget
from lms.models import User
from lms.models import utcnow

#: The outbox events that can change who belongs in the group.
EVENT_KINDS = (
    "clearance.changed",
    "person.deactivated",
    "person.reactivated",
    "person.erased",  # taken out of the group, as a leaver
)


def configured_url() -> str:
    """The target's base URL (no trailing slash), or "" when the push is off."""
    return (current_app.config["SCIM_PUSH_URL"] or "").strip().rstrip("/")


def target(url: str) -> ScimPushTarget | None:
    return db.session.scalar(sa.select(ScimPushTarget).where(ScimPushTarget.base_url == url))


def needed() -> bool:
    """Whether a push has work: the push is on, and the target was never filled or
    events wait past its cursor (the scheduler starts no empty jobs)."""
    url = configured_url()
    if not url:
        return False
    row = target(url)
    if row is not None and _resting(row):
        return False
    if row is None or row.cursor is None or row.group_id is None:
        return True
    return bool(db.session.scalar(sa.select(_pending(row.cursor).exists())))


def _resting(row: ScimPushTarget) -> bool:
    """The last run failed a moment ago: let the target recover (and keep the job list
    from filling with a failure a minute) for ``SCIM_PUSH_RETRY_MINUTES``."""
    failed = row.last_error_at
    if failed is None or (row.last_success_at is not None and row.last_success_at > failed):
        return False
    return failed > utcnow() - timedelta(minutes=current_app.config["SCIM_PUSH_RETRY_MINUTES"])


def _pending(after: int) -> sa.Select:
    return sa.select(OutboxEvent.id).where(
        OutboxEvent.id > after, OutboxEvent.kind.in_(EVENT_KINDS)
    )


def pending(after: int, limit: int) -> list[tuple[int, int | None]]:
    """Up to ``limit`` events past ``after``, oldest first: (event id, person id)."""
    stmt = (
        sa.select(OutboxEvent.id, OutboxEvent.user_id)
        .where(OutboxEvent.id > after, OutboxEvent.kind.in_(EVENT_KINDS))
        .order_by(OutboxEvent.id)
        .limit(limit)
    )
    return [(event_id, user_id) for event_id, user_id in db.session.execute(stmt)]


def backlog(after: int | None) -> int:
    """How many events wait to be pushed."""
    if after is None:
        return 0
    count = sa.select(sa.func.count()).select_from(_pending(after).subquery())
    return db.session.scalar(count) or 0


def last_event_id() -> int:
    return db.session.scalar(sa.select(sa.func.max(OutboxEvent.id))) or 0


def _cleared(now: datetime):
    """Active, and cleared by the stored answer, which has not lapsed by the clock."""
    return sa.and_(
        User.active.is_(True),
        Clearance.cleared.is_(True),
        sa.or_(Clearance.valid_until.is_(None), Clearance.valid_until > now),
    )


def cleared_ids(now: datetime) -> sa.Select:
    """Everyone cleared right now, as a subquery of person ids (for set-based writes)."""
    return (
        sa.select(Clearance.user_id).join(User, User.id == Clearance.user_id).where(_cleared(now))
    )


@dataclass(frozen=True)
class Person:
    id: int
    email: str
    employee_id: str
    name: str
    active: bool
    cleared: bool


def people(user_ids: Iterable[int], now: datetime) -> list[Person]:
    """These people, with whether each belongs in the group right now."""
    ids = sorted(set(user_ids))
    if not ids:
        return []
    stmt = (
        sa.select(User.id, User.email, User.employee_id, User.name, User.active, _cleared(now))
        .outerjoin(Clearance, Clearance.user_id == User.id)
        .where(User.id.in_(ids))
        .order_by(User.id)
    )
    return [
        Person(user_id, email, employee_id, name, active, bool(cleared))
        for user_id, email, employee_id, name, active, cleared in db.session.execute(stmt)
    ]


def cleared_people(now: datetime) -> list[Person]:
    """Everyone who belongs in the group right now: one set-based read."""
    stmt = (
        sa.select(User.id, User.email, User.employee_id, User.name, User.active)
        .join(Clearance, Clearance.user_id == User.id)
        .where(_cleared(now))
        .order_by(User.id)
    )
    return [
        Person(user_id, email, employee_id, name, active, True)
        for user_id, email, employee_id, name, active in db.session.execute(stmt)
    ]


def accounts(target_id: int, user_ids: Iterable[int] | None = None) -> dict[int, ScimPushAccount]:
    """The accounts known on the target, by person id (these people's, or all)."""
    stmt = sa.select(ScimPushAccount).where(ScimPushAccount.target_id == target_id)
    if user_ids is not None:
        stmt = stmt.where(ScimPushAccount.user_id.in_(sorted(set(user_ids))))
    return {account.user_id: account for account in db.session.scalars(stmt)}


def leavers_to_deactivate(target_id: int) -> list[ScimPushAccount]:
    """Accounts this LMS created on the target whose person has left, still active there."""
    return list(
        db.session.scalars(
            sa.select(ScimPushAccount)
            .join(User, User.id == ScimPushAccount.user_id)
            .where(
                ScimPushAccount.target_id == target_id,
                ScimPushAccount.created_here.is_(True),
                ScimPushAccount.deactivated.is_(False),
                User.active.is_(False),
            )
        )
    )


@dataclass(frozen=True)
class Status:
    """What admins see: where the push goes and how it went."""

    url: str
    group_name: str
    target: ScimPushTarget | None
    backlog: int
    members: int


def status() -> Status:
    url = configured_url()
    row = target(url) if url else None
    members: int | None = 0
    if row is not None:
        members = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(ScimPushAccount)
            .where(ScimPushAccount.target_id == row.id, ScimPushAccount.in_group.is_(True))
        )
    return Status(
        url=url,
        group_name=current_app.config["SCIM_PUSH_GROUP_NAME"],
        target=row,
        backlog=backlog(row.cursor) if row else 0,
        members=members or 0,
    )
