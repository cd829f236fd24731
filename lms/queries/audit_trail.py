"""Reading the audit trail: filter, page and export it. Nothing here changes it."""

import json
import re
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from lms.extensions import db
from lms.models import AuditEvent
from lms.models import User
from lms.queries import directory
from lms.queries.people import MAX_QUERY
from lms.queries.reporting import Page

COLUMNS = (
    "id",
    "occurred_at",
    "action",
    "actor_employee_id",
    "actor_name",
    "subject_employee_id",
    "subject_name",
    "course",
    "before",
    "after",
)
_ACTION = re.compile(r"^[a-z0-9_.\-]{1,64}$")
#: "Until" includes its whole day, so the query adds a day to it: the last date that can be.
LATEST = date.max - timedelta(days=1)


@dataclass(frozen=True)
class AuditFilters:
    action: str | None = None
    employee: str | None = None  # the subject's employee id
    course: str | None = None
    since: date | None = None  # inclusive, UTC
    until: date | None = None  # inclusive, UTC
    person: str | None = None  # a search: the start of a name word, an email, an employee id

    def args(self, **changes) -> dict:
        values = {
            "action": self.action,
            "employee": self.employee,
            "course": self.course,
            "since": self.since and self.since.isoformat(),
            "until": self.until and self.until.isoformat(),
            "person": self.person,
            **changes,
        }
        return {k: v for k, v in values.items() if v is not None}


def parse_filters(args: Mapping[str, str]) -> tuple[AuditFilters, list[str]]:
    """Filters from GET parameters; a bad value is dropped and explained."""
    raw = {
        k: (args.get(k) or "").strip() or None
        for k in ("action", "employee", "course", "since", "until", "person")
    }
    errors: list[str] = []
    if raw["action"] and not _ACTION.match(raw["action"]):
        errors.append(_l("“%(value)s” is not an action name.", value=raw["action"]))
        raw["action"] = None
    if (
        raw["employee"]
        and db.session.scalar(sa.select(User.id).where(User.employee_id == raw["employee"])) is None
    ):
        errors.append(_l("There is no employee with the ID “%(value)s”.", value=raw["employee"]))
        raw["employee"] = None
    if raw["course"] and len(raw["course"]) > 100:
        errors.append(_l("That course ID is too long."))
        raw["course"] = None
    since, until = _date(raw["since"], errors), _date(raw["until"], errors)
    person = raw["person"][:MAX_QUERY] if raw["person"] else None
    filters = AuditFilters(raw["action"], raw["employee"], raw["course"], since, until, person)
    return filters, errors


def _date(value: str | None, errors: list) -> date | None:
    """An ISO date up to :data:`LATEST` (None if not given), else None with the reason in
    ``errors``."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        errors.append(_l("“%(value)s” is not a date (YYYY-MM-DD).", value=value))
        return None
    if day > LATEST:
        errors.append(
            _l(
                "“%(value)s” is too far in the future: the latest date is %(latest)s.",
                value=value,
                latest=LATEST.isoformat(),
            )
        )
        return None
    return day


def actions() -> list[str]:
    """Every action recorded so far, for the filter (GROUP BY on an indexed column)."""
    return list(
        db.session.scalars(
            sa.select(AuditEvent.action).group_by(AuditEvent.action).order_by(AuditEvent.action)
        )
    )


def _select(filters: AuditFilters, *event_columns):
    """Events with their actor's and subject's employee id and name, filtered."""
    actor, subject = so.aliased(User, name="actor"), so.aliased(User, name="subject")
    stmt = (
        sa.select(
            *(event_columns or [AuditEvent]),
            actor.employee_id,
            actor.name,
            subject.employee_id,
            subject.name,
        )
        .select_from(AuditEvent)
        .outerjoin(actor, actor.id == AuditEvent.actor_id)
        .outerjoin(subject, subject.id == AuditEvent.subject_user_id)
    )
    if filters.action:
        stmt = stmt.where(AuditEvent.action == filters.action)
    if filters.employee:
        stmt = stmt.where(subject.employee_id == filters.employee)
    if filters.person:
        stmt = stmt.where(AuditEvent.subject_user_id.in_(directory.person_ids_like(filters.person)))
    if filters.course:
        stmt = stmt.where(AuditEvent.course_id == filters.course)
    if filters.since:
        stmt = stmt.where(AuditEvent.occurred_at >= datetime.combine(filters.since, time(), UTC))
    if filters.until:
        stmt = stmt.where(
            AuditEvent.occurred_at
            < datetime.combine(filters.until + timedelta(days=1), time(), UTC)
        )
    return stmt


def events(filters: AuditFilters, page: int = 1, per_page: int = 50) -> Page:
    """A page of events, newest first."""
    stmt = _select(filters)
    total = db.session.execute(sa.select(sa.func.count()).select_from(stmt.subquery())).scalar_one()
    page = Page.clamp(page, total, per_page)
    items = db.session.execute(
        stmt.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(items, total, page, per_page)


def pretty(value) -> str:
    """A before/after value as readable JSON (keys sorted, non-Latin text kept)."""
    if value is None:
        return ""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


def export(filters: AuditFilters) -> Iterator[tuple]:
    """Every matching event, oldest first, streamed in batches from a server-side cursor."""
    stmt = _select(
        filters,
        AuditEvent.id,
        AuditEvent.occurred_at,
        AuditEvent.action,
        AuditEvent.course_id,
        AuditEvent.before,
        AuditEvent.after,
    )
    for row in db.session.execute(stmt.order_by(AuditEvent.id).execution_options(yield_per=1000)):
        (
            event_id,
            occurred_at,
            action,
            course_id,
            before,
            after,
            actor_eid,
            actor_name,
            subject_eid,
            subject_name,
        ) = row
        yield (
            event_id,
            occurred_at,
            action,
            actor_eid,
            actor_name,
            subject_eid,
            subject_name,
            course_id,
            _compact(before),
            _compact(after),
        )


def _compact(value) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, ensure_ascii=False)
