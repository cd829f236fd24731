"""Reading employees' social handles: one person's, HR's search, the public check, and
the check's daily counts."""

from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa

from lms.extensions import db
from lms.models import AuditEvent
from lms.models import Clearance
from lms.models import HandleLookupCount
from lms.models import SocialHandle
from lms.models import User
from lms.queries.reporting import Page

#: Longer searches are cut: no handle, name or email is longer.
MAX_QUERY = 254


@dataclass(frozen=True)
class Representative:
    """The public check's yes: the name the person chose, and since when they have been
    cleared without a break."""

    display_name: str
    since: datetime


def of_person(user_id: int) -> list[SocialHandle]:
    """A person's handles, by platform and handle."""
    return list(
        db.session.scalars(
            sa.select(SocialHandle)
            .where(SocialHandle.user_id == user_id)
            .order_by(SocialHandle.platform, SocialHandle.handle)
        )
    )


def owner_of(platform: str, handle: str) -> int | None:
    """Who registered ``handle`` (normalised) on ``platform``, or None."""
    return db.session.scalar(
        sa.select(SocialHandle.user_id).where(
            SocialHandle.platform == platform, SocialHandle.handle == handle
        )
    )


def search(query: str, page: int = 1, per_page: int = 50) -> Page:
    """Handles whose handle, display name, or owner's name or email holds ``query`` (any
    case), newest first; every handle without a query."""
    stmt = sa.select(SocialHandle, User).join(User, User.id == SocialHandle.user_id)
    query = query.strip()[:MAX_QUERY].casefold()
    if query:
        pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            sa.or_(
                *(
                    sa.func.lower(column).like(pattern, escape="\\")
                    for column in (
                        SocialHandle.handle,
                        SocialHandle.display_name,
                        User.name,
                        User.email,
                    )
                )
            )
        )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
    page = Page.clamp(page, total, per_page)
    rows = db.session.execute(
        stmt.order_by(SocialHandle.created_at.desc(), SocialHandle.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(list(rows), total, page, per_page)


def get(handle_id: int) -> SocialHandle | None:
    return db.session.get(SocialHandle, handle_id)


def representative(platform: str, handle: str, now: datetime) -> Representative | None:
    """The public check: the handle's owner if they are active and cleared right now,
    read from the stored clearance (a yes whose ``valid_until`` has passed is a no at
    once, before any job recomputes it); else None, whether or not the handle exists."""
    found = db.session.execute(
        sa.select(SocialHandle.display_name, SocialHandle.user_id, Clearance.computed_at)
        .join(User, User.id == SocialHandle.user_id)
        .join(Clearance, Clearance.user_id == SocialHandle.user_id)
        .where(
            SocialHandle.platform == platform,
            SocialHandle.handle == handle,
            User.active.is_(True),
            Clearance.cleared.is_(True),
            sa.or_(Clearance.valid_until.is_(None), Clearance.valid_until > now),
        )
    ).first()
    if found is None:
        return None
    display_name, user_id, computed_at = found
    return Representative(display_name, cleared_since(user_id) or computed_at)


def cleared_since(user_id: int) -> datetime | None:
    """When the person's current cleared stretch began, from the audit trail's clearance
    changes: walking back from the latest, the stretch goes on while each change went from
    cleared to cleared and the earlier answer had not lapsed by itself before it."""
    changes = db.session.execute(
        sa.select(AuditEvent.occurred_at, AuditEvent.before, AuditEvent.after)
        .where(AuditEvent.subject_user_id == user_id, AuditEvent.action == "clearance.changed")
        .order_by(AuditEvent.id.desc())
    )
    since = None
    for occurred_at, before, after in changes:
        if not (after or {}).get("cleared"):
            break
        since = occurred_at
        if not (before or {}).get("cleared"):
            break
        until = before.get("valid_until")
        if until and datetime.fromisoformat(until) <= occurred_at:
            break  # it had lapsed by the clock before this change cleared them again
    return since


def lookup_counts(days: int, today: date) -> list[sa.Row]:
    """The public check's counts of the last ``days`` days, per day and platform: asked
    and answered yes; newest day first."""
    yes = sa.case((HandleLookupCount.answered_yes.is_(True), HandleLookupCount.count), else_=0)
    return list(
        db.session.execute(
            sa.select(
                HandleLookupCount.day,
                HandleLookupCount.platform,
                sa.func.sum(HandleLookupCount.count).label("asked"),
                sa.func.sum(yes).label("yes"),
            )
            .where(HandleLookupCount.day > today - timedelta(days=days))
            .group_by(HandleLookupCount.day, HandleLookupCount.platform)
            .order_by(HandleLookupCount.day.desc(), HandleLookupCount.platform)
        )
    )
