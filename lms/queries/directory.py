"""HR's people directory: find anyone (search, filters, sorting, numbered pages).

One row per active person in the viewer's :class:`~lms.queries.reporting.Scope`. The search
matches the start of any word of the name, the email or the employee id, in any case,
from the ``person_search_terms`` index (:mod:`lms.rules.search_terms`); the status is read
from the stored ``clearances`` row and the open enrolments' due dates, never recomputed.
A bulk job re-evaluates the same filters from :meth:`DirectoryFilters.params`.
"""

from collections.abc import Mapping
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import replace
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from lms.extensions import db
from lms.models import Clearance
from lms.models import Enrollment
from lms.models import PersonSearchTerm
from lms.models import User
from lms.queries import reporting
from lms.queries.people import MAX_QUERY
from lms.queries.people import _starts_with
from lms.queries.reporting import Page
from lms.queries.reporting import Scope
from lms.rules.search_terms import words_of

#: cleared now; not cleared (overdue included); not cleared with an open enrolment past due.
STATUSES = ("cleared", "not_cleared", "overdue")
SORTS = ("name", "department", "status", "due")
ORDERS = ("asc", "desc")
PER_PAGE = (25, 50, 100, 200)
DEFAULT_PER_PAGE = 50
#: Made once: building an alias costs more than the search it joins.
_MANAGER = so.aliased(User, name="manager")
#: The filters a bulk job stores and re-evaluates (not the sorting or the page).
FILTER_KEYS = ("q", "department", "country", "manager", "status", "due_before")


@dataclass(frozen=True)
class DirectoryFilters:
    q: str | None = None
    department: str | None = None
    country: str | None = None
    manager: str | None = None  # the manager's employee id, or reporting.NONE
    status: str | None = None
    due_before: date | None = None
    sort: str = "name"
    order: str = "asc"
    per_page: int = DEFAULT_PER_PAGE

    def args(self, **changes) -> dict:
        """As GET parameters (for links), defaults left out, with ``changes`` applied."""
        values = asdict(replace(self, **changes)) if changes else asdict(self)
        defaults = asdict(DirectoryFilters())
        return {
            k: (v.isoformat() if isinstance(v, date) else v)
            for k, v in values.items()
            if v is not None and v != defaults[k]
        }

    def params(self) -> dict:
        """The filters alone, JSON-able: what a bulk job stores."""
        return {k: v for k, v in self.args().items() if k in FILTER_KEYS}

    @classmethod
    def from_params(cls, params: Mapping) -> "DirectoryFilters":
        due = params.get("due_before")
        return cls(
            q=params.get("q"),
            department=params.get("department"),
            country=params.get("country"),
            manager=params.get("manager"),
            status=params.get("status"),
            due_before=date.fromisoformat(due) if due else None,
        )

    @property
    def filtered(self) -> bool:
        return any(getattr(self, k) is not None for k in FILTER_KEYS)


def parse(args: Mapping[str, str], scope: Scope) -> tuple[DirectoryFilters, list]:
    """Filters from GET parameters; a bad value is dropped and explained, never trusted."""
    raw = {
        k: (args.get(k) or "").strip() or None for k in (*FILTER_KEYS, "sort", "order", "per_page")
    }
    errors: list = []
    # Department, country and manager as the HR reports check them (same messages).
    base, base_errors = reporting.parse_filters(
        {k: raw[k] or "" for k in ("department", "country", "manager")}, scope, []
    )
    errors += base_errors
    q = raw["q"][:MAX_QUERY] if raw["q"] else None
    status = raw["status"]
    if status and status not in STATUSES:
        errors.append(_l("“%(value)s” is not a status.", value=status))
        status = None
    due_before = None
    if raw["due_before"]:
        try:
            due_before = date.fromisoformat(raw["due_before"])
        except ValueError:
            errors.append(_l("“%(value)s” is not a date (YYYY-MM-DD).", value=raw["due_before"]))
    sort, order = raw["sort"] or "name", raw["order"] or "asc"
    if sort not in SORTS:
        errors.append(_l("“%(value)s” is not a column to sort by.", value=sort))
        sort = "name"
    if order not in ORDERS:
        errors.append(_l("“%(value)s” is not an order: choose asc or desc.", value=order))
        order = "asc"
    per_page = DEFAULT_PER_PAGE
    if raw["per_page"]:
        if raw["per_page"].isdigit() and int(raw["per_page"]) in PER_PAGE:
            per_page = int(raw["per_page"])
        else:
            errors.append(
                _l(
                    "“%(value)s” is not a page size: choose 25, 50, 100 or 200.",
                    value=raw["per_page"],
                )
            )
    filters = DirectoryFilters(
        q, base.department, base.country, base.manager, status, due_before, sort, order, per_page
    )
    return filters, errors


def _cleared(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        Clearance.cleared.is_(True),
        sa.or_(Clearance.valid_until.is_(None), Clearance.valid_until > now),
    )


def _open_due_before(moment: datetime) -> sa.Exists:
    return sa.exists().where(
        Enrollment.user_id == User.id,
        Enrollment.completed_at.is_(None),
        Enrollment.due_at < moment,
    )


def _conditions(scope: Scope, filters: DirectoryFilters, now: datetime) -> list:
    """Everything the filters ask, as conditions on ``users`` outer-joined to ``clearances``."""
    person = reporting.Filters(
        department=filters.department, country=filters.country, manager=filters.manager
    )
    conditions = [User.active.is_(True), *reporting._person_conditions(scope, person)]
    found = _found(filters.q or "")
    if found is not None:
        conditions.append(User.id.in_(found))
    if filters.status == "cleared":
        conditions.append(_cleared(now))
    elif filters.status == "not_cleared":
        conditions.append(~_cleared(now) | Clearance.user_id.is_(None))
    elif filters.status == "overdue":
        conditions += [~_cleared(now) | Clearance.user_id.is_(None), _open_due_before(now)]
    if filters.due_before:
        conditions.append(_open_due_before(datetime.combine(filters.due_before, time(), UTC)))
    return conditions


def _from(stmt: sa.Select) -> sa.Select:
    return stmt.select_from(User).outerjoin(Clearance, Clearance.user_id == User.id)


def matching_ids(scope: Scope, filters: DirectoryFilters, now: datetime) -> sa.Select:
    """The ids of everyone the filters find (a bulk job reads them in id order)."""
    return _from(sa.select(User.id)).where(*_conditions(scope, filters, now))


def count(scope: Scope, filters: DirectoryFilters, now: datetime) -> int:
    stmt = _from(sa.select(sa.func.count())).where(*_conditions(scope, filters, now))
    return db.session.scalar(stmt) or 0


def listing(scope: Scope, filters: DirectoryFilters, now: datetime, page: int = 1) -> Page:
    """A page of people, each with status (cleared / overdue / not_cleared), next due date
    (of their open enrolments) and manager's name, sorted as asked (then by name and id)."""
    total = count(scope, filters, now)
    page = Page.clamp(page, total, filters.per_page)
    next_due = (
        sa.select(sa.func.min(Enrollment.due_at))
        .where(Enrollment.user_id == User.id, Enrollment.completed_at.is_(None))
        .correlate(User)
        .scalar_subquery()
    )
    status = sa.case(
        (_cleared(now), "cleared"),
        (next_due < now, "overdue"),
        else_="not_cleared",
    )
    manager = _MANAGER
    key = {
        "name": User.name,
        "department": User.department,
        "status": sa.case((status == "overdue", 0), (status == "not_cleared", 1), else_=2),
        "due": next_due,
    }[filters.sort]
    key = key.desc() if filters.order == "desc" else key.asc()
    stmt = (
        _from(
            sa.select(
                User.id,
                User.employee_id,
                User.name,
                User.email,
                User.department,
                User.country,
                manager.name.label("manager_name"),
                status.label("status"),
                next_due.label("due_at"),
            )
        )
        .outerjoin(manager, manager.id == User.manager_id)
        .where(*_conditions(scope, filters, now))
        .order_by(sa.nulls_last(key), User.name, User.id)
        .limit(filters.per_page)
        .offset((page - 1) * filters.per_page)
    )
    return Page(db.session.execute(stmt).all(), total, page, filters.per_page)


def person_ids_like(query: str) -> sa.Select:
    """The ids of people (leavers too) found by ``query``: the audit trail's person filter."""
    found = _found(query)
    return sa.select(User.id).where(User.id.in_(found) if found is not None else sa.true())


def _found(query: str):
    """The ids of the people every word of ``query`` finds, intersected in the term index
    (two common words meet in a few people: only those are looked up), or None."""
    probes = [
        sa.select(PersonSearchTerm.user_id).where(_starts_with(PersonSearchTerm.term, word))
        for word in words_of(query)
    ]
    if not probes:
        return None
    return probes[0] if len(probes) == 1 else sa.intersect(*probes)


def page_numbers(page: int, pages: int, around: int = 2) -> list[int]:
    """The page numbers shown: first, last, and ``around`` either side of the current one
    (0 marks a gap of two pages or more)."""
    shown = sorted({1, pages, *range(max(1, page - around), min(pages, page + around) + 1)})
    numbers: list[int] = []
    for n in shown:
        if numbers and n - numbers[-1] == 2:  # a gap of one page: show its number
            numbers.append(n - 1)
        elif numbers and n - numbers[-1] > 2:
            numbers.append(0)
        numbers.append(n)
    return numbers


def open_courses(user_id: int) -> list[str]:
    """The courses a person has an open enrolment in (at most one each), by id."""
    return list(
        db.session.scalars(
            sa.select(Enrollment.course_id)
            .where(Enrollment.user_id == user_id, Enrollment.completed_at.is_(None))
            .order_by(Enrollment.course_id)
        )
    )


def choices(scope: Scope) -> dict[str, list[str]]:
    """The departments and countries a viewer can filter by, each read as a skip scan of
    its index (one probe per distinct value: a few dozen, however many people), where
    a GROUP BY would read an index entry per person. A lead's come from their departments."""
    if scope.restricted:
        return reporting.choices(scope)
    return {
        "departments": _distinct(User.department),
        "countries": _distinct(User.country),
    }


def _distinct(column) -> list[str]:
    first = sa.select(sa.func.min(column).label("value")).where(
        User.active.is_(True), column.is_not(None)
    )
    found = first.cte("found", recursive=True)
    following = (
        sa.select(sa.func.min(column))
        .where(User.active.is_(True), column > found.c.value)
        .scalar_subquery()
    )
    found = found.union_all(sa.select(following).where(found.c.value.is_not(None)))
    return [
        v for v in db.session.scalars(sa.select(found.c.value).where(found.c.value.is_not(None)))
    ]
