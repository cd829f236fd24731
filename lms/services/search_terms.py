"""Keeping :class:`~lms.models.PersonSearchTerm` equal to each person's name, email and
employee id, in the transaction that writes them (steps; nothing here commits).

Accounts written through the ORM (one person: :func:`lms.services.users.add`, ``change``,
SCIM, single sign-on, the demo, fixtures) are kept by the mapper hooks below, on the
flush's own connection; the bulk statements of an import, which bypass the ORM, call
:func:`index` themselves (:func:`lms.services.users.insert_many`, ``update_many``).
"""

from collections.abc import Iterable

import sqlalchemy as sa

from lms.extensions import db
from lms.models import PersonSearchTerm
from lms.models import User
from lms.rules.search_terms import terms_of
from lms.services import bulk

_TABLE = PersonSearchTerm.__table__
_SEARCHED = ("name", "email", "employee_id")
CHUNK = 1000


def index(people: Iterable[tuple[int, str, str, str]]) -> None:
    """Step: (re)write the terms of each ``(user id, name, email, employee id)``."""
    people = list(people)
    for start in range(0, len(people), CHUNK):
        chunk = people[start : start + CHUNK]
        db.session.execute(
            sa.delete(PersonSearchTerm).where(PersonSearchTerm.user_id.in_([p[0] for p in chunk]))
        )
        bulk.insert(_TABLE, _rows(chunk))


def rebuild(batch: int = 5000) -> int:
    """Step: every person's terms again (a benchmark's generated people, a repair);
    returns how many people."""
    db.session.execute(sa.delete(PersonSearchTerm))
    last, count = 0, 0
    while True:
        people = db.session.execute(
            sa.select(User.id, User.name, User.email, User.employee_id)
            .where(User.id > last)
            .order_by(User.id)
            .limit(batch)
        ).all()
        if not people:
            return count
        bulk.insert(_TABLE, _rows(people))
        last, count = people[-1][0], count + len(people)


def _rows(people) -> list[dict]:
    return [
        {"user_id": uid, "term": term}
        for uid, name, email, employee_id in people
        for term in sorted(terms_of(name, email, employee_id))
    ]


@sa.event.listens_for(User, "after_insert")
def _inserted(_mapper, connection, user: User) -> None:
    connection.execute(_TABLE.insert(), _rows([_values(user)]))


@sa.event.listens_for(User, "after_update")
def _updated(_mapper, connection, user: User) -> None:
    state: sa.orm.InstanceState = sa.inspect(user)
    if not any(state.attrs[name].history.has_changes() for name in _SEARCHED):
        return
    connection.execute(_TABLE.delete().where(_TABLE.c.user_id == user.id))
    connection.execute(_TABLE.insert(), _rows([_values(user)]))


def _values(user: User) -> tuple[int, str, str, str]:
    return (user.id, user.name, user.email, user.employee_id)
