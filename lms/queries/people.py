"""Finding people for the admin's role pages: a search that stays fast at 100,000 accounts.

The search matches the start of a name (any case), an email or an employee id, each answered
from an index (see the indexes below :class:`lms.models.User`); it never reads every
account, and pages are counted and fetched with the same indexed conditions.
"""

import sqlalchemy as sa

from lms.extensions import db
from lms.extensions import on_postgresql
from lms.models import Role
from lms.models import User
from lms.models import UserRole
from lms.queries.reporting import Page

#: Longer searches are cut: no name, email or employee id is longer than an email.
MAX_QUERY = 254


def search(query: str, page: int = 1, per_page: int = 25) -> Page:
    """People whose name, email or employee id starts with ``query``, by name."""
    query = query.strip()[:MAX_QUERY]
    condition = sa.or_(
        _starts_with(sa.func.lower(User.name), query.lower()),
        _starts_with(User.email, query.lower()),
        _starts_with(User.employee_id, query),
    )
    return _page(sa.select(User).where(condition), page, per_page)


def role_holders(page: int = 1, per_page: int = 25) -> Page:
    """People who hold a role beyond "employee", by name (the few, from the role table)."""
    holders = sa.select(UserRole.user_id).where(UserRole.role != Role.EMPLOYEE.value)
    return _page(sa.select(User).where(User.id.in_(holders)), page, per_page)


def person(employee_id: str) -> User | None:
    """The person with this employee id (active or not), or None."""
    return db.session.scalar(sa.select(User).where(User.employee_id == employee_id))


def departments() -> list[str]:
    """Every department someone is in (active or not), sorted: what a lead may lead."""
    return list(
        db.session.scalars(
            sa.select(User.department)
            .where(User.department.is_not(None))
            .group_by(User.department)
            .order_by(User.department)
        )
    )


def _page(stmt: sa.Select, page: int, per_page: int) -> Page:
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery())) or 0
    page = Page.clamp(page, total, per_page)
    items = db.session.scalars(
        stmt.order_by(User.name, User.id).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Page(list(items), total, page, per_page)


def _starts_with(column, prefix: str):
    """``column`` starts with ``prefix``, in a form each database answers from an index.

    PostgreSQL: LIKE 'prefix%' (text_pattern_ops indexes, any collation). SQLite: a range
    on the plain index, exact because SQLite compares text by code point.
    """
    if on_postgresql():
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return column.like(f"{escaped}%", escape="\\")
    above = _successor(prefix)
    return sa.and_(column >= prefix, column < above) if above else column >= prefix


def _successor(prefix: str) -> str | None:
    """The first string after every string that starts with ``prefix`` (None: there is
    none), skipping the surrogate code points, which no text holds."""
    while prefix and prefix[-1] == chr(0x10FFFF):
        prefix = prefix[:-1]
    if not prefix:
        return None
    following = ord(prefix[-1]) + 1
    return prefix[:-1] + chr(0xE000 if 0xD800 <= following <= 0xDFFF else following)
