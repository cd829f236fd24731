"""HR reporting: who still has to do the training, and who did.

Every figure is aggregated in SQL from one statement, :func:`status_rows` (one row per
active employee × required course), so the dashboard, the drill-down lists and the CSV
exports can never disagree. Every query takes a :class:`Scope`: a department lead's
restriction to the departments they lead is applied here, in the query layer, not in templates.
"""

import re
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from typing import cast

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from lms import content
from lms.extensions import db
from lms.extensions import on_postgresql
from lms.models import Attestation
from lms.models import Certification
from lms.models import Clearance
from lms.models import Course
from lms.models import CourseVersion
from lms.models import PersonCourseStatus
from lms.models import QuizAttempt
from lms.models import Role
from lms.models import User
from lms.models.types import UTCDateTime
from lms.queries import audiences
from lms.queries import catalog
from lms.queries import seat_time

#: Per (employee, required course): certified and not expiring soon; certified but
#: expiring within the renewal window; not certified and past due; not certified yet.
STATUSES = ("certified", "expiring", "overdue", "todo")
#: The status filter also takes groups: done (certified, expiring soon or not) and not done.
STATUS_GROUPS = {"completed": ("certified", "expiring"), "pending": ("overdue", "todo")}
FILTER_STATUSES = ("completed", "pending", *STATUSES)
#: A filter value meaning "no department / country / manager".
NONE = "__none__"
DIMENSIONS = ("department", "country", "manager")
PERIODS = ("month", "week")
#: Expiring soon when a course sets no renewal window.
DEFAULT_WINDOW_DAYS = 30
#: Due soon: not certified, and due within this (the reminders' default lead time).
DUE_SOON = timedelta(days=7)
#: Rows shown per breakdown table; the CSV has every row.
BREAKDOWN_LIMIT = 100
_COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class Scope:
    """What a viewer may see: everything, or the departments a lead leads (maybe none)."""

    restricted: bool = False
    departments: tuple[str, ...] = ()

    def condition(self, user=User):
        if not self.restricted:
            return sa.true()
        if not self.departments:
            return sa.false()
        return user.department.in_(self.departments)


def scope_for(viewer: User) -> Scope:
    """HR and admins see everyone; a lead sees the departments they lead; others nothing."""
    if viewer.has_role(Role.HR, Role.ADMIN):
        return Scope()
    if viewer.has_role(Role.LEAD):
        return Scope(restricted=True, departments=tuple(viewer.lead_departments))
    return Scope(restricted=True)


@dataclass(frozen=True)
class Filters:
    course: str | None = None
    department: str | None = None
    country: str | None = None
    manager: str | None = None  # the manager's employee id
    status: str | None = None

    def args(self, **changes) -> dict:
        """As GET parameters (for links), with ``changes`` applied."""
        values = {**asdict(self), **changes}
        return {k: v for k, v in values.items() if v is not None}


@dataclass(frozen=True)
class RequiredCourse:
    id: str
    meta: content.CourseMeta
    min_major: int  # certifications on older majors no longer count (grace ended)
    window_days: int
    audience: tuple = ()  # who it is required of (lms.rules.clearance.RequiredCourse)

    def title(self, lang: str) -> str:
        return self.meta.title(lang)


def required_courses(now: datetime) -> list[RequiredCourse]:
    """The courses required for clearance now (a handful), with their reporting rules."""
    versions = {v.course_id: v for v in catalog.current_versions()}
    courses = []
    for rule in catalog.required_courses():
        meta = catalog.course_of(versions[rule.id]).meta
        passed = [major for major, deadline in rule.recertify_by.items() if deadline <= now]
        courses.append(
            RequiredCourse(
                rule.id,
                meta,
                max(passed, default=0),
                meta.renewal_window_days or DEFAULT_WINDOW_DAYS,
                rule.audience,
            )
        )
    return courses


# ---------------------------------------------------------------- filters


def parse_filters(
    args: Mapping[str, str], scope: Scope, courses: list[RequiredCourse]
) -> tuple[Filters, list[str]]:
    """Filters from GET parameters; a bad value is dropped and explained, never trusted."""
    raw = {
        key: (args.get(key) or "").strip() or None
        for key in ("course", "department", "country", "manager", "status")
    }
    errors: list[str] = []
    if raw["course"] and raw["course"] not in {c.id for c in courses}:
        errors.append(_l("There is no required course “%(value)s”.", value=raw["course"]))
        raw["course"] = None
    if raw["status"] and raw["status"] not in FILTER_STATUSES:
        errors.append(_l("“%(value)s” is not a status.", value=raw["status"]))
        raw["status"] = None
    if raw["country"] and raw["country"] != NONE:
        raw["country"] = raw["country"].upper()
        if not _COUNTRY.match(raw["country"]):
            errors.append(_l("“%(value)s” is not a two-letter country code.", value=raw["country"]))
            raw["country"] = None
    if (
        raw["department"]
        and raw["department"] != NONE
        and not _department_exists(raw["department"], scope)
    ):
        errors.append(
            _l("No employee you can see is in the department “%(value)s”.", value=raw["department"])
        )
        raw["department"] = None
    if raw["manager"] and raw["manager"] != NONE and not _employee_exists(raw["manager"]):
        errors.append(_l("There is no employee with the ID “%(value)s”.", value=raw["manager"]))
        raw["manager"] = None
    return Filters(**raw), errors


def _department_exists(department: str, scope: Scope) -> bool:
    return (
        db.session.scalar(
            sa.select(User.id).where(User.department == department, scope.condition()).limit(1)
        )
        is not None
    )


def _employee_exists(employee_id: str) -> bool:
    return (
        db.session.scalar(sa.select(User.id).where(User.employee_id == employee_id).limit(1))
        is not None
    )


def _person_conditions(scope: Scope, filters: Filters, user=User) -> list:
    """Scope and the person filters (department, country, manager) as SQL conditions."""
    conditions = [scope.condition(user)]
    for column, value in ((user.department, filters.department), (user.country, filters.country)):
        if value == NONE:
            conditions.append(column.is_(None))
        elif value is not None:
            conditions.append(column == value)
    if filters.manager == NONE:
        conditions.append(user.manager_id.is_(None))
    elif filters.manager is not None:
        manager = so.aliased(User)
        conditions.append(
            user.manager_id
            == sa.select(manager.id).where(manager.employee_id == filters.manager).scalar_subquery()
        )
    return conditions


def choices(scope: Scope) -> dict[str, list[str]]:
    """The departments and countries a viewer can filter by."""
    return {
        "departments": distinct_values(User.department, scope),
        "countries": distinct_values(User.country, scope),
    }


def distinct_values(column, scope: Scope) -> list[str]:
    """The distinct values of ``column`` among the active people in scope, sorted, by
    skipping through its index (``ix_users_department_active``, ``…country…``): one probe
    per value, where GROUP BY reads every person (a million index entries for twenty
    departments). A recursive CTE asks for the smallest value above the last one found."""

    def first_above(below):
        stmt = sa.select(sa.func.min(column)).where(
            User.active.is_(True), column.is_not(None), scope.condition()
        )
        return stmt.where(column > below) if below is not None else stmt

    found = first_above(None).cte("found", recursive=True)
    found = found.union_all(
        sa.select(first_above(found.c[0]).scalar_subquery()).where(found.c[0].is_not(None))
    )
    value = found.c[0]
    return cast(
        list[str],
        list(db.session.scalars(sa.select(value).where(value.is_not(None)).order_by(value))),
    )


# ---------------------------------------------------------------- the one statement


def status_rows(
    scope: Scope, filters: Filters, courses: list[RequiredCourse], now: datetime
) -> sa.Subquery:
    """One row per active employee × required course, with the status and the evidence.

    Every list and export HR sees is selected from this subquery; the dashboard's counts
    come from :func:`stored_statuses`, the same statuses without the people's names. The
    status is read from the stored dates (:class:`~lms.models.PersonCourseStatus`),
    compared with ``now`` here, so time passing needs no write: certified while
    ``valid_until`` is ahead (expiring once it is within the course's renewal window),
    else overdue when the open enrolment's due date has passed, else to do.
    """
    ids = _course_ids(courses, filters)
    pcs = PersonCourseStatus
    dates = _StatusDates(courses, now)

    def if_valid(column, name: str):
        return sa.case((dates.valid, column), else_=sa.null()).label(name)

    stmt = (
        sa.select(
            User.id.label("user_id"),
            User.employee_id,
            User.name,
            User.email,
            User.department,
            User.country,
            User.manager_id,
            Course.id.label("course_id"),
            pcs.due_at,
            if_valid(pcs.certified_major, "major"),
            if_valid(pcs.certified_minor, "minor"),
            if_valid(pcs.certified_at, "issued_at"),
            if_valid(pcs.certified_expires_at, "expires_at"),
            *dates.columns(),
        )
        .select_from(User)
        .join(Course, Course.id.in_(ids))
        # Outer: someone written without the services (no row yet) counts as to do.
        .outerjoin(pcs, (pcs.user_id == User.id) & (pcs.course_id == Course.id))
        .where(User.active.is_(True), *_person_conditions(scope, filters))
    )
    return _with_status(stmt.where(*_audiences(courses, ids)).subquery("rows"), filters)


def stored_statuses(
    scope: Scope, filters: Filters, courses: list[RequiredCourse], now: datetime
) -> sa.Subquery:
    """:func:`status_rows`' department, country, manager and status columns, from the
    stored statuses alone: they carry each person's department, country, manager and
    active flag (kept by a trigger on ``users``), so counting a million people reads one
    table. Every path that creates a person or requires a course writes their rows
    (:mod:`lms.services.person_status`); ``users`` is joined only for a course required
    of a narrower audience than everyone."""
    ids = _course_ids(courses, filters)
    pcs = PersonCourseStatus
    dates = _StatusDates(courses, now)
    stmt = sa.select(
        pcs.user_id,
        pcs.course_id,
        pcs.department,
        pcs.country,
        pcs.manager_id,
        *dates.columns(),
    ).where(pcs.course_id.in_(ids), pcs.active.is_(True), *_person_conditions(scope, filters, pcs))
    narrow = _audiences(courses, ids, pcs.course_id)
    if narrow:
        stmt = stmt.join(User, User.id == pcs.user_id).where(*narrow)
    return _with_status(stmt.subquery("rows"), filters)


def _course_ids(courses: list[RequiredCourse], filters: Filters) -> list[str]:
    return [c.id for c in courses if filters.course in (None, c.id)]


class _StatusDates:
    """The status of a stored row at ``now``, as SQL (see :func:`status_rows`)."""

    def __init__(self, courses: list[RequiredCourse], now: datetime):
        pcs = PersonCourseStatus
        self.now = now
        threshold = sa.case(
            {c.id: self.at(now + timedelta(days=c.window_days)) for c in courses}
            or {"": self.at(now)},
            value=pcs.course_id,
            else_=self.at(now),
        )
        # Never NULL (NOT NULL would be NULL, and "due soon" below negates it).
        self.valid = pcs.valid_until.is_not(None) & (pcs.valid_until > self.at(now))
        self.status = sa.case(
            (self.valid & (pcs.valid_until <= threshold), "expiring"),
            (self.valid, "certified"),
            (pcs.due_at < self.at(now), "overdue"),
            else_="todo",
        )

    @staticmethod
    def at(moment: datetime):
        return sa.literal(moment, UTCDateTime())

    def columns(self) -> list:
        pcs, now = PersonCourseStatus, self.now
        due_soon = (
            ~self.valid & (pcs.due_at >= self.at(now)) & (pcs.due_at < self.at(now + DUE_SOON))
        )
        return [
            self.status.label("status"),
            # Lapsed: held a certification that ran out (or lost to a recertification
            # deadline), whatever is due now.
            (pcs.valid_until <= self.at(now)).label("expired"),
            due_soon.label("due_soon"),
        ]


def _with_status(rows: sa.Subquery, filters: Filters) -> sa.Subquery:
    if not filters.status:
        return rows
    wanted = STATUS_GROUPS.get(filters.status, (filters.status,))
    return sa.select(rows).where(rows.c.status.in_(wanted)).subquery("rows")


def _audiences(courses: list[RequiredCourse], ids: list[str], course_id=Course.id) -> list:
    """A course required of an audience counts only for the people in it (conditions on
    ``users``)."""
    narrow = [c for c in courses if c.audience and c.id in ids]
    if not narrow:
        return []
    inside = (sa.and_(course_id == c.id, audiences.audience_clause(c.audience)) for c in narrow)
    return [sa.or_(course_id.not_in([c.id for c in narrow]), *inside)]


def _count(condition) -> sa.ColumnElement:
    """The rows where ``condition`` holds (``count(*) FILTER (WHERE …)``: both databases
    count it without building a value per row, unlike ``sum(CASE …)``)."""
    return sa.func.count().filter(condition)


@dataclass(frozen=True)
class Figures:
    """Counts of (employee, required course) pairs."""

    total: int
    certified: int  # including expiring soon
    overdue: int
    expiring: int
    due_soon: int = 0  # not certified, due within DUE_SOON
    expired: int = 0  # a certification ran out and none counts now

    @property
    def percent(self) -> float:
        return 100 * self.certified / self.total if self.total else 0.0


@dataclass(frozen=True)
class Group:
    key: str  # the filter value for drill-down (NONE for "none")
    label: str | None
    figures: Figures


def figure_columns(rows) -> list:
    return [
        sa.func.count().label("total"),
        _count(rows.c.status.in_(STATUS_GROUPS["completed"])).label("certified"),
        _count(rows.c.status == "overdue").label("overdue"),
        _count(rows.c.status == "expiring").label("expiring"),
        _count(rows.c.due_soon).label("due_soon"),
        _count(rows.c.expired).label("expired"),
    ]


def totals(rows: sa.Subquery) -> Figures:
    return Figures(*db.session.execute(sa.select(*figure_columns(rows))).one())


def breakdown(
    rows: sa.Subquery, dimension: str, limit: int = BREAKDOWN_LIMIT
) -> tuple[list[Group], bool]:
    """Figures grouped by department, country or manager; (groups, truncated).

    Managers are ordered by most overdue first, so the first page is the one to chase
    (then by name and employee id, so namesakes keep their order).
    """
    figures = figure_columns(rows)
    if dimension == "manager":
        manager = so.aliased(User, name="manager")
        stmt = (
            sa.select(manager.employee_id, manager.name, *figures)
            .select_from(rows)
            .outerjoin(manager, manager.id == rows.c.manager_id)
            .group_by(rows.c.manager_id, manager.employee_id, manager.name)
            .order_by(sa.desc("overdue"), sa.desc("total"), manager.name, manager.employee_id)
        )
    else:
        column = rows.c[dimension]
        stmt = sa.select(column, column, *figures).group_by(column).order_by(column)
    result = db.session.execute(stmt.limit(limit + 1)).all()
    groups = [
        Group(key if key is not None else NONE, label, Figures(*counts))
        for key, label, *counts in result[:limit]
    ]
    return groups, len(result) > limit


@dataclass(frozen=True)
class Summary:
    """The dashboard's tables: totals and each breakdown as (groups, truncated)."""

    totals: Figures
    breakdowns: dict[str, tuple[list[Group], bool]]


def summary(rows: sa.Subquery, limit: int = BREAKDOWN_LIMIT) -> Summary:
    """:func:`totals` and :func:`breakdown` for every dimension, in one statement.

    Each row's status is computed once: PostgreSQL counts the four groupings in one pass
    over the rows (GROUPING SETS); SQLite, which has none, in four GROUP BYs over one CTE.
    Each group keeps the order and the limit :func:`breakdown` gives it.
    """
    groups = _groups(rows)
    manager = so.aliased(User, name="manager")
    figures = [groups.c[name] for name in FIGURE_NAMES]
    branches = [
        sa.select(
            groups.c.dim,
            sa.null().label("key"),
            sa.null().label("label"),
            *figures,
            sa.literal(1).label("rank"),
        ).where(groups.c.dim == "total")
    ]
    for dimension in ("department", "country"):
        branches.append(
            sa.select(
                groups.c.dim,
                groups.c.key,
                groups.c.key,
                *figures,
                sa.func.row_number().over(order_by=groups.c.key),
            ).where(groups.c.dim == dimension)
        )
    # Keep the teams ranked among the first limit + 1 by their counts (ties included, so
    # the order by name below is unchanged), and only then name them: a hundred lookups
    # instead of one per manager.
    ranked = (
        sa.select(
            groups,
            sa.func.rank()
            .over(order_by=(groups.c.overdue.desc(), groups.c.total.desc()))
            .label("place"),
        )
        .where(groups.c.dim == "manager")
        .subquery("ranked")
    )
    teams = sa.select(ranked).where(ranked.c.place <= limit + 1).subquery("teams")
    branches.append(
        sa.select(
            teams.c.dim,
            manager.employee_id,
            manager.name,
            *[teams.c[name] for name in FIGURE_NAMES],
            sa.func.row_number().over(
                order_by=(
                    teams.c.overdue.desc(),
                    teams.c.total.desc(),
                    manager.name,
                    manager.employee_id,
                )
            ),
        )
        .select_from(teams)
        .outerjoin(manager, manager.id == teams.c.manager_id)
    )
    union = sa.union_all(*branches).subquery("groups")
    result = db.session.execute(
        sa.select(union).where(union.c.rank <= limit + 1).order_by(union.c.dim, union.c.rank)
    ).all()
    found: dict[str, list[Group]] = {dim: [] for dim in DIMENSIONS}
    totals_ = Figures(0, 0, 0, 0, 0, 0)
    for dim, key, label, *counts, _rank in result:
        if dim == "total":
            totals_ = Figures(*counts)
        else:
            found[dim].append(Group(key if key is not None else NONE, label, Figures(*counts)))
    return Summary(
        totals_, {dim: (groups_[:limit], len(groups_) > limit) for dim, groups_ in found.items()}
    )


FIGURE_NAMES = ("total", "certified", "overdue", "expiring", "due_soon", "expired")


def _groups(rows: sa.Subquery) -> sa.CTE:
    """The six figures for everyone ("total") and per department, country and manager:
    columns ``dim``, ``key`` (the department or country), ``manager_id`` and the figures."""
    if on_postgresql():
        # GROUPING() sets a bit for each column a row is not grouped by (first column
        # highest): department 0b011, country 0b101, manager 0b110, everyone 0b111.
        bits = sa.func.grouping(rows.c.department, rows.c.country, rows.c.manager_id)
        dim = sa.case({3: "department", 5: "country", 6: "manager"}, value=bits, else_="total")
        return (
            sa.select(
                dim.label("dim"),
                sa.func.coalesce(rows.c.department, rows.c.country).label("key"),
                rows.c.manager_id,
                *figure_columns(rows),
            )
            .group_by(
                sa.func.grouping_sets(
                    sa.tuple_(rows.c.department),
                    sa.tuple_(rows.c.country),
                    sa.tuple_(rows.c.manager_id),
                    sa.text("()"),
                )
            )
            .cte("grouped")
        )
    statuses = sa.select(
        rows.c.department,
        rows.c.country,
        rows.c.manager_id,
        rows.c.status,
        rows.c.due_soon,
        rows.c.expired,
    ).cte("statuses")

    def branch(dim: str, key, manager_id) -> sa.Select:
        return sa.select(
            sa.literal(dim).label("dim"),
            key.label("key"),
            manager_id.label("manager_id"),
            *figure_columns(statuses),
        )

    department, country, manager_id = (
        statuses.c[n] for n in ("department", "country", "manager_id")
    )
    return sa.union_all(
        branch("total", sa.null(), sa.null()),
        branch("department", department, sa.null()).group_by(department),
        branch("country", country, sa.null()).group_by(country),
        branch("manager", sa.null(), manager_id).group_by(manager_id),
    ).cte("grouped")


@dataclass(frozen=True)
class Headline:
    active: int
    cleared: int

    @property
    def percent(self) -> float:
        return 100 * self.cleared / self.active if self.active else 0.0


def headline(scope: Scope, filters: Filters, now: datetime) -> Headline:
    """Active employees and those cleared now, from the clearance table: a row whose
    ``valid_until`` has passed counts as not cleared, even before any job refreshes it.

    For the whole company on PostgreSQL no person is joined: everyone, less the few who
    left (a partial index holds them), so a million clearances are read once."""
    cleared = Clearance.cleared.is_(True) & (
        Clearance.valid_until.is_(None) | (Clearance.valid_until > now)
    )
    if _whole_company(scope, filters):
        active = sa.select(sa.func.count()).select_from(User).where(User.active.is_(True))
        count = sa.select(sa.func.count()).where(cleared, _not_a_leaver(Clearance.user_id))
        stmt = sa.select(active.scalar_subquery(), count.scalar_subquery())
    else:
        stmt = (
            sa.select(sa.func.count(User.id), _count(cleared))
            .select_from(User)
            .outerjoin(Clearance, Clearance.user_id == User.id)
            .where(User.active.is_(True), *_person_conditions(scope, filters))
        )
    return Headline(*db.session.execute(stmt).one())


def _whole_company(scope: Scope, filters: Filters) -> bool:
    """No scope and no person filter, on PostgreSQL: every active person counts, so the
    counts can skip the join with people. (SQLite plans that anti-join worse than the
    join: an index probe per person, where PostgreSQL hashes the few who left.)"""
    person_filters = (filters.department, filters.country, filters.manager)
    return not scope.restricted and person_filters == (None, None, None) and on_postgresql()


def _not_a_leaver(user_id) -> sa.ColumnElement[bool]:
    """``user_id`` is not someone who left: an anti-join against the inactive few
    (``ix_users_inactive``), instead of a join with every person."""
    # NOT active, spelled as the index's predicate so both databases can use it.
    return ~sa.exists().where(User.id == user_id, ~User.active)


# ---------------------------------------------------------------- over time


@dataclass(frozen=True)
class Period:
    start: str  # YYYY-MM, or the Monday (YYYY-MM-DD) of the week
    issued: int  # certifications issued in the period
    newly_certified: int  # (employee, course) pairs certified for the first time
    cumulative: int  # pairs certified so far

    def share(self, pairs: int) -> float:
        """Of ``pairs`` (employee × required course) in scope, the share certified."""
        return 100 * self.cumulative / pairs if pairs else 0.0


def _bucket(column, period: str):
    """The period a moment falls in: a timestamp on PostgreSQL (grouping by a timestamp is
    cheaper than by formatted text; :func:`_by_period` names it), text on SQLite."""
    if on_postgresql():
        return sa.func.date_trunc(period, column)
    if period == "week":
        return sa.func.date(column, "weekday 0", "-6 days")
    return sa.func.strftime("%Y-%m", column)


def _by_period(stmt: sa.Select, period: str) -> dict[str, int]:
    """(period, count) rows by the period's start as text (YYYY-MM, or the Monday)."""
    text = "%Y-%m-%d" if period == "week" else "%Y-%m"
    return {
        (start.strftime(text) if isinstance(start, datetime) else start): n
        for start, n in db.session.execute(stmt)
    }


def over_time(
    scope: Scope,
    filters: Filters,
    courses: list[RequiredCourse],
    period: str = "month",
    last: int = 24,
) -> list[Period]:
    """Certifications issued per period, and the cumulative number of (employee, required
    course) pairs certified for the first time, for the active employees in scope
    (grouped in SQL; one row per period). First certifications come from the stored
    statuses (``first_certified_at``, and the person's columns copied there), so nobody's
    history is ranked on each view and no person is joined."""
    ids = _course_ids(courses, filters)
    people = [User.active.is_(True), *_person_conditions(scope, filters)]
    pcs = PersonCourseStatus
    first = _bucket(pcs.first_certified_at, period)
    new = _by_period(
        sa.select(first, sa.func.count())
        .where(
            pcs.course_id.in_(ids),
            pcs.first_certified_at.is_not(None),
            pcs.active.is_(True),
            *_person_conditions(scope, filters, pcs),
        )
        .group_by(first),
        period,
    )
    bucket = _bucket(Certification.issued_at, period)
    issued_stmt = sa.select(bucket, sa.func.count()).where(Certification.course_id.in_(ids))
    if _whole_company(scope, filters):
        issued_stmt = issued_stmt.where(_not_a_leaver(Certification.user_id))
    else:
        issued_stmt = issued_stmt.join(User, User.id == Certification.user_id).where(*people)
    issued = _by_period(issued_stmt.group_by(bucket), period)
    series, cumulative = [], 0
    for start in sorted(issued.keys() | new.keys()):
        cumulative += new.get(start, 0)
        series.append(Period(start, issued.get(start, 0), new.get(start, 0), cumulative))
    return series[-last:]


# ---------------------------------------------------------------- people lists


@dataclass
class Page:
    items: Sequence[sa.Row]
    total: int
    page: int
    per_page: int
    pages: int = field(init=False)

    def __post_init__(self):
        self.pages = max(1, -(-self.total // self.per_page))

    @staticmethod
    def clamp(page: int, total: int, per_page: int) -> int:
        """``page`` within 1 … the last page: a number past the end shows the last page
        (and never reaches the database as an offset it cannot hold)."""
        return min(max(page, 1), max(1, -(-total // per_page)))


def people(rows: sa.Subquery, page: int = 1, per_page: int = 50) -> Page:
    """The people behind a figure, a page at a time, with their manager's name."""
    total = db.session.execute(sa.select(sa.func.count()).select_from(rows)).scalar_one()
    page = Page.clamp(page, total, per_page)
    manager = so.aliased(User, name="manager")
    items = db.session.execute(
        sa.select(
            rows,
            manager.employee_id.label("manager_employee_id"),
            manager.name.label("manager_name"),
        )
        .select_from(rows)
        .outerjoin(manager, manager.id == rows.c.manager_id)
        .order_by(rows.c.name, rows.c.employee_id, rows.c.course_id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(items, total, page, per_page)


# ---------------------------------------------------------------- exports

STATUS_COLUMNS = (
    "employee_id",
    "name",
    "email",
    "department",
    "country",
    "manager_employee_id",
    "course",
    "status",
    "due",
    "certified_version",
    "issued",
    "expires",
    "cleared",
    "valid_until",
)
ATTEMPT_COLUMNS = (
    "employee_id",
    "course",
    "version",
    "language",
    "started",
    "submitted",
    "score",
    "passed",
    # The written attestation that certified a pass, when the course asked for one.
    "attested_at",
    "attestation_language",
    "attested_name",
    "attestation_ip",
    "attested_content_hash",
    # What was studied: the version's content hash, and the time on each module of the
    # attempt's enrolment (``say-who-you-are=4m12s;…``) in the language last read.
    "content_hash",
    "seat_time_seconds",
    "seat_time_by_module",
    "module_languages",
)
BATCH = 1000


def status_export(rows: sa.Subquery, now: datetime) -> Iterator[tuple]:
    """Every row of :func:`status_rows` with the person's clearance, streamed from a
    server-side cursor in batches, so memory stays flat however many people there are.

    Values come out of the database as the CSV shows them (version "major.minor", times
    as ISO 8601 UTC, "true"/"false"): converting 100,000 rows in Python cost more than
    the query.
    """
    manager = so.aliased(User, name="manager")
    cleared_now = Clearance.cleared.is_(True) & (
        Clearance.valid_until.is_(None) | (Clearance.valid_until > now)
    )
    version = sa.case(
        (
            rows.c.major.is_not(None),
            sa.cast(rows.c.major, sa.String) + "." + sa.cast(rows.c.minor, sa.String),
        ),
        else_=None,
    )
    stmt = (
        sa.select(
            rows.c.employee_id,
            rows.c.name,
            rows.c.email,
            rows.c.department,
            rows.c.country,
            manager.employee_id,
            rows.c.course_id,
            rows.c.status,
            _iso_utc(rows.c.due_at),
            version,
            _iso_utc(rows.c.issued_at),
            _iso_utc(rows.c.expires_at),
            sa.case((cleared_now, "true"), else_="false"),
            sa.case((cleared_now, _iso_utc(Clearance.valid_until)), else_=None),
        )
        .select_from(rows)
        .outerjoin(manager, manager.id == rows.c.manager_id)
        .outerjoin(Clearance, Clearance.user_id == rows.c.user_id)
        .order_by(rows.c.employee_id, rows.c.course_id)
    )
    for partition in (
        db.session.connection().execute(stmt.execution_options(yield_per=BATCH)).partitions()
    ):
        yield from partition


def _iso_utc(column) -> sa.ColumnElement:
    """A stored (naive UTC) time as ``2025-01-31T09:30:00Z``, the text
    :func:`lms.queries.csv_export.cell` makes of it."""
    if on_postgresql():
        return sa.func.to_char(column, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
    return sa.func.strftime("%Y-%m-%dT%H:%M:%SZ", column)


def attempts_export(
    scope: Scope, filters: Filters, courses: list[RequiredCourse], now: datetime
) -> Iterator[tuple]:
    """Every quiz attempt of the people in scope (leavers too: it is evidence), streamed.

    The status filter keeps the attempts of (employee, course) pairs with that status.
    """
    stmt = (
        sa.select(
            User.employee_id,
            QuizAttempt.course_id,
            CourseVersion.major,
            CourseVersion.minor,
            QuizAttempt.lang,
            QuizAttempt.started_at,
            QuizAttempt.submitted_at,
            QuizAttempt.score,
            QuizAttempt.passed,
            Attestation.attested_at,
            Attestation.lang,
            Attestation.typed_name,
            Attestation.ip_address,
            Attestation.content_hash,
        )
        .join(User, User.id == QuizAttempt.user_id)
        .join(CourseVersion, CourseVersion.id == QuizAttempt.course_version_id)
        .outerjoin(Attestation, Attestation.attempt_id == QuizAttempt.id)
        .where(*_person_conditions(scope, filters))
        .order_by(QuizAttempt.id)
    )
    if filters.course:
        stmt = stmt.where(QuizAttempt.course_id == filters.course)
    if filters.status:
        rows = status_rows(scope, filters, courses, now)
        stmt = stmt.join(
            rows,
            (rows.c.user_id == QuizAttempt.user_id) & (rows.c.course_id == QuizAttempt.course_id),
        )
    stmt = stmt.add_columns(
        CourseVersion.content_hash, QuizAttempt.enrollment_id, QuizAttempt.course_version_id
    )
    orders: dict[int, list[str]] = {}
    result = db.session.execute(stmt.execution_options(yield_per=BATCH))
    for partition in result.partitions():
        readings = seat_time.by_enrollment(row[-2] for row in partition)
        for row in partition:
            values: tuple = tuple(row)
            employee_id, course, major, minor, lang, started, submitted, score, passed = values[:9]
            content_hash, enrollment_id, version_id = values[-3:]
            if version_id not in orders:
                orders[version_id] = _module_order(version_id)
            studied = seat_time.ordered(readings.get(enrollment_id, []), orders[version_id])
            yield (
                employee_id,
                course,
                f"{major}.{minor}",
                lang,
                started,
                submitted,
                None if score is None else round(score, 2),
                passed,
                *values[9:-3],
                content_hash,
                sum(r.seconds for r in studied),
                seat_time.per_module(studied, orders[version_id]),
                ";".join(f"{r.module_id}={r.lang}" for r in studied),
            )


def _module_order(version_id: int) -> list[str]:
    """The module ids of a published version, in reading order."""
    version = db.session.get_one(CourseVersion, version_id)
    return catalog.stored_course(version).module_ids
