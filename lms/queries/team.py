"""A manager's people: everyone below them in the roster's manager column, at any depth.

The reports are one recursive query (``WITH RECURSIVE``, the same on SQLite and
PostgreSQL); ``UNION`` rather than ``UNION ALL`` stops at a loop in the roster (A manages
B, B manages A). Their statuses are HR's :func:`lms.queries.reporting.status_rows`
restricted to those ids, so a manager and HR read the same figures; pages and counts
are computed in SQL, so a manager of 100,000 people gets one page, not 100,000 rows.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.extensions import db
from lms.models import Clearance
from lms.models import User
from lms.queries import reporting

#: The status filter of the team page: what needs the manager's attention, or all.
TEAM_FILTERS = ("overdue", "expiring", "pending", "completed")


def reports_of(manager_id: int) -> sa.Select:
    """The ids of ``manager_id``'s direct and indirect reports (not themselves)."""
    below = (
        sa.select(User.id.label("id"))
        .where(User.manager_id == manager_id)
        .cte("reports", recursive=True)
    )
    child = so.aliased(User, name="child")
    below = below.union(sa.select(child.id).where(child.manager_id == below.c.id))
    return sa.select(below.c.id).where(below.c.id != manager_id)


def has_reports(user_id: int) -> bool:
    """Whether anyone active reports directly to ``user_id`` (one indexed lookup)."""
    found = db.session.scalar(
        sa.select(User.id).where(User.manager_id == user_id, User.active.is_(True)).limit(1)
    )
    return found is not None


@dataclass(frozen=True)
class TeamPage:
    people: int  # active reports, direct and indirect
    direct: int
    figures: reporting.Figures
    page: reporting.Page


def team_rows(manager_id: int, now: datetime, status: str | None = None) -> sa.Subquery:
    """:func:`reporting.status_rows` for the manager's reports only."""
    courses = reporting.required_courses(now)
    rows = reporting.status_rows(reporting.Scope(), reporting.Filters(status=status), courses, now)
    return sa.select(rows).where(rows.c.user_id.in_(reports_of(manager_id))).subquery("team")


def team_page(
    manager_id: int, now: datetime, status: str | None, page: int, per_page: int
) -> TeamPage:
    """The counts over every report and one page of their (person × required course)
    rows, most urgent first: overdue, then expiring soon, then the rest.

    Two statements walk the tree: the counts (people, direct reports and the figures, from
    the stored statuses, one walk shared by all three) and the page."""
    courses = reporting.required_courses(now)
    below = reports_of(manager_id).cte("below")
    statuses = reporting.stored_statuses(reporting.Scope(), reporting.Filters(), courses, now)
    mine = sa.select(statuses).where(statuses.c.user_id.in_(sa.select(below.c.id))).subquery()
    wanted = reporting.STATUS_GROUPS.get(status, (status,)) if status else None
    active = User.active.is_(True)
    people = sa.select(sa.func.count()).where(User.id.in_(sa.select(below.c.id)), active)
    direct = sa.select(sa.func.count()).where(User.manager_id == manager_id, active)
    shown = sa.func.count().filter(mine.c.status.in_(wanted)) if wanted else sa.func.count()
    *counts, total, n_people, n_direct = db.session.execute(
        sa.select(
            *reporting.figure_columns(mine),
            shown,
            people.scalar_subquery(),
            direct.scalar_subquery(),
        )
    ).one()
    page = reporting.Page.clamp(page, total, per_page)
    rows = team_rows(manager_id, now, status)
    manager = so.aliased(User, name="manager")
    urgency = sa.case({"overdue": 0, "expiring": 1, "todo": 2}, value=rows.c.status, else_=3)
    items = db.session.execute(
        sa.select(
            rows,
            manager.name.label("manager_name"),
            Clearance.cleared,
            Clearance.valid_until,
        )
        .select_from(rows)
        .outerjoin(manager, manager.id == rows.c.manager_id)
        .outerjoin(Clearance, Clearance.user_id == rows.c.user_id)
        .order_by(urgency, rows.c.name, rows.c.employee_id, rows.c.course_id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return TeamPage(
        people=n_people,
        direct=n_direct,
        figures=reporting.Figures(*counts),
        page=reporting.Page(items, total, page, per_page),
    )


def is_report_of(manager_id: int, user_id: int) -> bool:
    """Whether ``user_id`` is one of ``manager_id``'s reports, at any depth."""
    found = db.session.scalar(
        sa.select(sa.literal(1)).where(User.id == user_id, User.id.in_(reports_of(manager_id)))
    )
    return found is not None


def overdue_reports(manager_id: int, now: datetime) -> list[int]:
    """The ids of the manager's active reports overdue on a required course."""
    rows = team_rows(manager_id, now, "overdue")
    return list(db.session.scalars(sa.select(rows.c.user_id).distinct().order_by(rows.c.user_id)))
