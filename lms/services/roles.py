"""Roles: who may administer, run HR, author courses or lead departments.

Everyone is an employee; the other roles are granted and revoked here, by an admin in the
browser, by an operator with ``flask lms user grant|revoke``, and (later) by SCIM when a
person's groups in the identity provider change. Every change is an audit event naming its
actor (None: the system, or a provisioning peer named by ``via``) and a ``person.changed``
domain event, in the caller's transaction.

Two rules hold whoever asks: an unknown role is refused with the list of roles, and the
last active admin keeps the role (nobody could grant it back from the browser).
"""

from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.extensions import db
from lms.models import Role
from lms.models import User
from lms.models import UserRole
from lms.services import Refused
from lms.services import audit
from lms.services import events

#: The roles that are granted; everyone holds "employee".
GRANTABLE = (Role.ADMIN, Role.HR, Role.LEAD, Role.MARKETING)


def role_named(name: str | Role) -> Role:
    """The grantable role called ``name`` (any case, spaces around ignored).

    :raise Refused: no such role, or "employee", which everyone holds.
    """
    value = str(name).strip().lower()
    if value == Role.EMPLOYEE.value:
        raise Refused(_l("Everyone is an employee: that role is not granted or revoked."))
    if value not in {r.value for r in GRANTABLE}:
        raise Refused(
            _l(
                "There is no role “%(role)s”. The roles are: %(roles)s.",
                role=str(name),
                roles=", ".join(r.value for r in GRANTABLE),
            )
        )
    return Role(value)


# --- Steps ---------------------------------------------------------------------------


def grant(
    user: User,
    role: str | Role,
    *,
    by: User | None,
    departments: Iterable[str] | None = None,
    via: str | None = None,
) -> bool:
    """Step: ``user`` holds ``role`` (a lead leads ``departments``), in the caller's
    transaction. Granting "lead" again with other departments changes the departments.

    :param by: the admin who grants it; None for the system or a provisioning peer.
    :param departments: for "lead" only: the departments they lead. None keeps the ones
        they lead, or for a new lead, their own department.
    :param via: how the change came (``"cli"``, ``"scim"``), recorded in the audit event.
    :return: whether anything changed.
    :raise Refused: an unknown role, departments for another role, or a department
        nobody works in; nothing is written.
    """
    role = role_named(role)
    wanted = _departments(role, departments)
    held = role in user.roles
    before = _state(user)
    if held and (wanted is None or wanted == before.departments):
        return False
    user.grant(role, wanted)
    after = _state(user)
    _record(
        "role.changed" if held else "role.granted",  # changed: a lead's departments
        user,
        by,
        via,
        before,
        after,
        before=before.facts(role) if held else None,
        after=after.facts(role),
    )
    return True


def revoke(user: User, role: str | Role, *, by: User | None, via: str | None = None) -> bool:
    """Step: ``user`` no longer holds ``role``, in the caller's transaction.

    :return: whether anything changed (False if they did not hold it).
    :raise Refused: an unknown role, or ``user`` is the last active admin; nothing is
        written.
    """
    role = role_named(role)
    if role not in user.roles:
        return False
    if role is Role.ADMIN and user.active:
        refuse_losing_last_admin([user.id])
    before = _state(user)
    user.take_away(role)
    _record("role.revoked", user, by, via, before, _state(user), before=before.facts(role))
    return True


def refuse_losing_last_admin(user_ids: Iterable[int]) -> None:
    """Refuse to let ``user_ids`` stop being active admins if no other active admin would
    be left (their admin role revoked, or their accounts deactivated).

    The admin rows are locked (PostgreSQL) until the caller's transaction ends, so two
    admins revoking each other at the same moment cannot both succeed.

    :raise Refused: they are the last active admins.
    """
    leaving = set(user_ids)
    admins = db.session.scalars(
        sa.select(UserRole.user_id)
        .join(User, User.id == UserRole.user_id)
        .where(UserRole.role == Role.ADMIN.value, User.active.is_(True))
        .with_for_update(of=UserRole)
    ).all()
    if admins and not set(admins) - leaving:
        raise Refused(
            _l(
                "This is the last active admin: grant the admin role to someone else "
                "first, so that somebody can still manage roles."
            )
        )


# --- Operations (the browser and the CLI) ----------------------------------------------


def grant_role(
    user: User,
    role: str | Role,
    *,
    by: User | None,
    departments: Iterable[str] | None = None,
    via: str | None = None,
) -> bool:
    """Operation: :func:`grant`, then commit. Same arguments, same refusals."""
    return _commit(lambda: grant(user, role, by=by, departments=departments, via=via))


def revoke_role(user: User, role: str | Role, *, by: User | None, via: str | None = None) -> bool:
    """Operation: :func:`revoke`, then commit. Same arguments, same refusals."""
    return _commit(lambda: revoke(user, role, by=by, via=via))


def _commit(step: Callable[[], bool]) -> bool:
    """Run ``step`` and commit; on a refusal, end the transaction (and the admin rows'
    lock) before passing the refusal on."""
    try:
        changed = step()
    except Refused:
        db.session.rollback()
        raise
    db.session.commit()
    return changed


# --- Helpers -------------------------------------------------------------------------


def _departments(role: Role, departments: Iterable[str] | None) -> list[str] | None:
    """The departments named for a lead, cleaned and checked; None when none are named."""
    if departments is None:
        return None
    names = sorted({d.strip() for d in departments if d and d.strip()})
    if role is not Role.LEAD:
        if names:
            raise Refused(_l("Only leads lead departments: name departments for “lead” only."))
        return None
    if not names:
        raise Refused(_l("Choose at least one department for the lead to lead."))
    unknown = [d for d in names if not _department_exists(d)]
    if unknown:
        raise Refused(_l("Nobody works in the department “%(department)s”.", department=unknown[0]))
    return names


def _department_exists(department: str) -> bool:
    """Whether anyone, active or not, is in ``department`` (the department index)."""
    return (
        db.session.scalar(sa.select(User.id).where(User.department == department).limit(1))
        is not None
    )


@dataclass(frozen=True)
class _State:
    """What a person holds, before or after a change."""

    roles: list[str]
    departments: list[str]

    def facts(self, role: Role) -> dict:
        """The audit event's view of ``role``: its name, and for a lead, the departments."""
        if role is Role.LEAD:
            return {"role": role.value, "departments": self.departments}
        return {"role": role.value}


def _state(user: User) -> _State:
    return _State(sorted(r.value for r in user.roles), user.lead_departments)


def _record(
    action: str,
    user: User,
    by: User | None,
    via: str | None,
    was: _State,
    now: _State,
    *,
    before: dict | None = None,
    after: dict | None = None,
) -> None:
    """The audit event (actor, and how it came) and the domain event of one change."""
    note = {"via": via} if via else {}
    audit.record(action, actor=by, subject=user, before=before, after=(after or {}) | note)
    changed = {
        name: [getattr(was, name), getattr(now, name)]
        for name in ("roles", "departments")
        if getattr(was, name) != getattr(now, name)
    }
    if "departments" in changed:
        changed["lead_departments"] = changed.pop("departments")
    events.record("person.changed", user_id=user.id, payload={"changed": sorted(changed)} | changed)
