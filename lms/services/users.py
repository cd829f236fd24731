"""People: the one place accounts are created, changed, deactivated and reactivated.

The roster import, the CLI, the demo (and later SCIM and single sign-on) all come here, so
every new or changed person gets the same audit event, domain event and clearance
refresh. One person at a time (:func:`add`) or tens of thousands with bulk statements
(:func:`insert_many`, :func:`update_many`, :func:`set_active_many`); one person's change
(:func:`change`, :func:`set_active`: SCIM) goes through the same steps as an import's.
Every function here is a step in its caller's transaction, except :func:`create`, an
operation that commits.
"""

from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from datetime import date
from datetime import datetime
from typing import Protocol

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.extensions import db
from lms.extensions import on_postgresql
from lms.models import Role
from lms.models import User
from lms.models import UserSession
from lms.models import utcnow
from lms.queries import catalog
from lms.rules import days as calendar
from lms.services import Refused
from lms.services import audit
from lms.services import bulk
from lms.services import clearance
from lms.services import events
from lms.services import password_links
from lms.services import person_status
from lms.services import roles
from lms.services import search_terms

CHUNK = 1000  # ids per IN (…) list
MAX_LEVELS = 30  # levels of new managers inserted one after another (see insert_many)
#: The fields of a person that imports compare and write (``manager`` is an employee id).
FIELDS = ("email", "name", "department", "country", "manager", "preferred_language", "hire_date")
#: What :func:`change` may write: the fields above (the manager as ``manager_id``) and,
#: for SCIM, which has no other key for a person, the employee id.
CHANGEABLE = ("employee_id", "manager_id", *(f for f in FIELDS if f != "manager"))
TAKEN = _l("A person with that email or employee id exists.")
#: Fields whose values are personal data: the audit trail and the outbox record only
#: that they changed (docs/privacy.md); department, country and language are kept.
PERSONAL_FIELDS = frozenset({"email", "name", "employee_id", "manager", "hire_date"})


class PersonRecord(Protocol):
    """What an import knows of a person (the roster's rows; later SCIM's resources)."""

    employee_id: str
    email: str
    name: str
    department: str | None
    country: str | None
    manager: str | None  # the manager's employee id
    preferred_language: str | None
    hire_date: date | None
    active: bool


def add(
    *,
    email: str,
    name: str,
    employee_id: str,
    roles: Iterable[Role] = (),
    password: str | None = None,
    actor: User | None = None,
    note: dict | None = None,
    **fields,
) -> User:
    """Add one account in the caller's transaction, with its audit and domain events, a
    first clearance and, without a password, an invitation to set one.

    :param note: extra facts for the audit event (``{"demo": True}``).
    :raise Refused: the email or employee id is taken.
    """
    email = email.strip().lower()
    if User.find(email) or User.find(employee_id):
        raise Refused(TAKEN)
    user = User(email=email, name=name, employee_id=employee_id, **fields)
    if password is not None:
        user.set_password(password)
    for role in roles:
        user.grant(role)
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user.created",
        actor=actor,
        subject=user,
        after={"roles": sorted(r.value for r in user.roles)} | (note or {}),
    )
    events.record("person.created", user_id=user.id, payload={"active": user.active})
    clearance.refresh(user)
    password_links.invite(User.id == user.id, utcnow())  # if active, without a password
    return user


def create(**kwargs) -> User:
    """:func:`add`, as an operation of its own: commit. Same arguments."""
    user = add(**kwargs)
    db.session.commit()
    return user


def change(user: User, values: dict, *, source: str, actor: User | None = None) -> dict:
    """Step: write new values of one person's :data:`CHANGEABLE` fields, with a
    ``user.updated`` audit event and a ``person.changed`` domain event (the roster's, for
    one person); a changed department or country can change nothing else here.

    :param source: who asks, for the audit trail (``scim``).
    :return: ``{field: (before, after)}`` of what changed (empty: nothing written).
    :raise Refused: the new email or employee id belongs to someone else.
    """
    if "email" in values:
        values = values | {"email": values["email"].strip().lower()}
    changes = {
        name: (getattr(user, name), value)
        for name, value in values.items()
        if name in CHANGEABLE and getattr(user, name) != value
    }
    if not changes:
        return {}
    for name in ("email", "employee_id"):
        if name in changes and _owner(name, changes[name][1]) not in (None, user.id):
            raise Refused(TAKEN)
    for name, (_, after) in changes.items():
        setattr(user, name, after)
    before, after = trail(changes)
    audit.record(
        "user.updated", actor=actor, subject=user, before=before, after=after | {"source": source}
    )
    events.record("person.changed", user_id=user.id, payload=change_payload(changes))
    return changes


def trail(changes: dict) -> tuple[dict, dict]:
    """The audit trail's before and after of ``{field: (before, after)}``: the values of
    fields that are not personal, and the names of every field that changed."""
    kept = {k: v for k, v in changes.items() if k not in PERSONAL_FIELDS}
    before = {k: _json(old) for k, (old, _) in kept.items()}
    return before, {k: _json(new) for k, (_, new) in kept.items()} | {"changed": sorted(changes)}


def change_payload(changes: dict) -> dict:
    """The ``person.changed`` payload of ``{field: (before, after)}``, as :func:`trail`."""
    kept = {k: [_json(old), _json(new)] for k, (old, new) in changes.items()}
    return {"changed": sorted(changes)} | {
        k: v for k, v in kept.items() if k not in PERSONAL_FIELDS
    }


def set_active(
    user: User, active: bool, *, source: str, reason: str = "", actor: User | None = None
) -> bool:
    """Step: deactivate or reactivate one person as an import does (:func:`set_active_many`:
    their sign-ins end, their clearance follows in this transaction), with a
    ``user.deactivated`` or ``user.reactivated`` audit event.

    :return: whether anything changed.
    """
    if user.active == active:
        return False
    db.session.flush()  # the bulk UPDATE below must not overwrite pending changes
    now = utcnow()
    if active:
        set_active_many([], [(user.id, user.employee_id)], now)
    else:
        set_active_many([(user.id, user.employee_id, reason)], [], now)
    audit.record(
        "user.reactivated" if active else "user.deactivated",
        actor=actor,
        subject=user,
        before={"active": not active},
        after={"active": active, "source": source} | ({"reason": reason} if reason else {}),
    )
    return True


def _owner(column: str, value) -> int | None:
    return db.session.scalar(sa.select(User.id).where(getattr(User, column) == value))


def set_time_zone(user: User, name: str | None) -> None:
    """Operation: the zone the person reads times in (an IANA name), or None for the
    company's; commit.

    :raise Refused: not a time zone this server knows.
    """
    if name and calendar.valid_zone(name) is None:
        raise Refused(_l("“%(value)s” is not a time zone we know.", value=name[:64]))
    user.time_zone = name or None
    db.session.commit()


def adopt_time_zone(user: User, name: str | None) -> None:
    """Step: at sign-in, the browser's zone becomes the person's if they have none yet
    (an unknown name is ignored: the browser is not asked to be right)."""
    if user.time_zone is None and calendar.valid_zone(name):
        user.time_zone = name


def set_language(user: User, lang: str) -> None:
    """Operation: the person's preferred language for pages, courses and e-mails; commit."""
    user.preferred_language = lang
    db.session.commit()


# --- Many at once (imports) ------------------------------------------------------------


def insert_many(added: Sequence[PersonRecord], ids: dict[str, int], now: datetime) -> None:
    """Insert new people, managers before their reports, adding their ids to ``ids``
    (employee id → user id, which must already hold every existing manager).

    Each level of the hierarchy is one bulk INSERT, so managers' ids are known when their
    reports are inserted and no second pass of 100,000 UPDATEs is needed. Levels beyond
    :data:`MAX_LEVELS` (only in odd files) are inserted together and linked afterwards.
    The active ones get an invitation to set a password (one INSERT … SELECT).
    """
    if on_postgresql():
        _copy_added(added, ids, now)
    else:
        _insert_by_level(added, ids, now)
    search_terms.index((ids[p.employee_id], p.name, p.email, p.employee_id) for p in added)
    events.record_many(
        "person.created", [(ids[p.employee_id], {"active": p.active}) for p in added], at=now
    )
    # Their rows in the dashboard's stored course statuses (nothing certified or due yet).
    person_status.refresh([ids[p.employee_id] for p in added])
    # The people just inserted: they, and only they, were created at ``now``.
    password_links.invite(sa.and_(User.created_at == now, User.roster_managed), now)


def _insert_by_level(added: Sequence[PersonRecord], ids: dict[str, int], now: datetime) -> None:
    unlinked: list[tuple[str, str]] = []  # (employee id, their manager's)
    for level in _levels(added):
        rows = [_user_row(p, ids.get(p.manager) if p.manager else None, now) for p in level]
        db.session.execute(sa.insert(User.__table__), rows)
        ids.update(_ids_of([p.employee_id for p in level]))
        unlinked += [
            (p.employee_id, p.manager)
            for p, row in zip(level, rows, strict=True)
            if p.manager and row["manager_id"] is None
        ]
    if unlinked:
        db.session.execute(
            sa.update(User),
            [{"id": ids[employee], "manager_id": ids[manager]} for employee, manager in unlinked],
        )


def _copy_added(added: Sequence[PersonRecord], ids: dict[str, int], now: datetime) -> None:
    """PostgreSQL: take the new people's ids from the sequence first, so everyone,
    managers included, goes in with one COPY (foreign keys are checked at its end)."""
    new_ids = db.session.scalars(
        sa.text(
            "SELECT nextval(pg_get_serial_sequence('users', 'id')) FROM generate_series(1, :n)"
        ),
        {"n": len(added)},
    ).all()
    ids.update(zip((p.employee_id for p in added), new_ids, strict=True))
    bulk.insert(
        User.__table__,
        [
            {"id": ids[p.employee_id]} | _user_row(p, ids[p.manager] if p.manager else None, now)
            for p in added
        ],
    )


def _ids_of(employee_ids: list[str]) -> Iterator[tuple[str, int]]:
    # Plain executemany INSERTs and these SELECTs beat INSERT … RETURNING on PostgreSQL:
    # psycopg spends longer parsing the huge multi-row statements RETURNING needs.
    for chunk in chunks(employee_ids, CHUNK):
        yield from db.session.execute(
            sa.select(User.employee_id, User.id).where(User.employee_id.in_(chunk))
        )


def _levels(added: Sequence[PersonRecord]) -> list[list[PersonRecord]]:
    """New people grouped by how many new managers stand above them (0: none)."""
    new = {p.employee_id: p for p in added}
    depth: dict[str, int] = {}
    for person in added:
        chain: list[PersonRecord] = []
        node: PersonRecord | None = person
        while node is not None and node.employee_id not in depth:
            chain.append(node)
            node = new.get(node.manager) if node.manager else None
        base = depth[node.employee_id] if node is not None else -1
        for offset, member in enumerate(reversed(chain), start=1):
            depth[member.employee_id] = base + offset
    levels: list[list[PersonRecord]] = [
        [] for _ in range(min(max(depth.values(), default=0), MAX_LEVELS) + 1)
    ]
    for person in added:
        levels[min(depth[person.employee_id], MAX_LEVELS)].append(person)
    return [level for level in levels if level]


def _user_row(person: PersonRecord, manager_id: int | None, now: datetime) -> dict:
    return {
        "employee_id": person.employee_id,
        "email": person.email,
        "name": person.name,
        "department": person.department,
        "country": person.country,
        "manager_id": manager_id,
        "preferred_language": person.preferred_language,
        "hire_date": person.hire_date,
        "active": person.active,
        "roster_managed": True,
        "password_hash": None,
        "created_at": now,
    }


def update_many(
    changes: list[tuple[int, PersonRecord, dict]], ids: dict[str, int], now: datetime
) -> None:
    """Write each ``(user id, new record, {field: (before, after)})``."""
    if not changes:
        return
    db.session.execute(
        sa.update(User),
        [
            {
                "id": user_id,
                "email": p.email,
                "name": p.name,
                "department": p.department,
                "country": p.country,
                "manager_id": ids[p.manager] if p.manager else None,
                "preferred_language": p.preferred_language,
                "hire_date": p.hire_date,
            }
            for user_id, p, _ in changes
        ],
    )
    search_terms.index(
        (user_id, p.name, p.email, p.employee_id)
        for user_id, p, changed in changes
        if changed.keys() & {"name", "email"}
    )
    events.record_many(
        "person.changed",
        [(user_id, change_payload(changed)) for user_id, _, changed in changes],
        at=now,
    )


def set_active_many(
    deactivated: list[tuple[int, str, str]], reactivated: list[tuple[int, str]], now: datetime
) -> None:
    """Deactivate each ``(user id, employee id, reason)`` and reactivate each ``(user id,
    employee id)``; their clearances follow in this transaction, so no other system hears
    "cleared" for someone who has left."""
    rows = [{"id": uid, "active": False} for uid, _, _ in deactivated]
    rows += [{"id": uid, "active": True} for uid, _ in reactivated]
    if not rows:
        return
    _keep_an_admin([uid for uid, _, _ in deactivated])
    db.session.execute(sa.update(User), rows)
    # A leaver's sign-ins end now, so their old cookies do not work if they come back.
    UserSession.end_all(uid for uid, _, _ in deactivated)
    events.record_many(
        "person.deactivated",
        [(uid, {"reason": reason}) for uid, _, reason in deactivated],
        at=now,
    )
    events.record_many("person.reactivated", [(uid, {}) for uid, _ in reactivated], at=now)
    _refresh_clearances([row["id"] for row in rows], now)


def _keep_an_admin(leaving: list[int]) -> None:
    """Refuse, and undo the caller's transaction, if deactivating ``leaving`` would leave
    no active admin (a roster or SCIM feed that drops the last one): nobody could manage
    roles in the browser any more."""
    try:
        roles.refuse_losing_last_admin(leaving)
    except Refused:
        db.session.rollback()
        raise


def _refresh_clearances(user_ids: list[int], now: datetime) -> None:
    required = catalog.required_courses()
    for chunk in chunks(user_ids, CHUNK):
        users = db.session.scalars(
            sa.select(User).where(User.id.in_(chunk)).execution_options(populate_existing=True)
        )
        for user in users:
            clearance.refresh(user, now, required, statuses=False)
        person_status.refresh(chunk, required)


def _json(value):
    return value.isoformat() if isinstance(value, date) else value


def chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def set_password(user: User, password: str, *, actor: User | None, via: str = "operator") -> None:
    """Operation: give ``user`` a new password, end every sign-in made with the old one,
    audit it (the password never appears) and commit.

    :param actor: who set it; None for an operator at the command line (``via="cli"``).
    :raise Refused: a password the rules of :mod:`lms.rules.passwords` refuse.
    """
    password_links.check_strength(password, user)
    user.set_password(password)  # ends their sign-ins
    audit.record("auth.password_changed", actor=actor, subject=user, after={"by": via})
    db.session.commit()
