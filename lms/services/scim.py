"""SCIM 2.0 provisioning, the write side: the identity provider creates, changes and
deactivates people and groups here.

scim2-server speaks the protocol (routes, validation, PATCH in every form Entra ID and
Okta send, filters' syntax, error bodies); :class:`_Storage` is where it reads and writes,
and every write to a person goes through :mod:`lms.services.users`, as the roster's do:
the same checks, audit and domain events, clearance refresh and sign-ins ended for leavers,
and the same assignment rules for joiners (:func:`assignments.assign_by_rules`).

:func:`handle` is the operation: one request, committed whole, or rolled back with the
SCIM error that says why.
"""

import json
import logging
import secrets
from collections.abc import Iterable
from functools import cache
from typing import Any

import sqlalchemy as sa
from flask import current_app
from scim2_models import Context
from scim2_models import InvalidValueException
from scim2_models import NotFoundException
from scim2_models import Path
from scim2_models import Resource
from scim2_models import ResourceType
from scim2_models import ResponseParameters
from scim2_models import SCIMException
from scim2_models import SearchRequest
from scim2_models import UniquenessException
from scim2_models.path import CompareOperator
from scim2_models.path import Comparison
from scim2_models.path import ValuePath
from scim2_server.handler import ScimHandler
from scim2_server.requests import ScimRequest
from scim2_server.responses import ScimResponse
from scim2_server.service import ScimService
from scim2_server.storage import ScimStorage
from scim2_server.storage import SearchPage

from lms.extensions import db
from lms.i18n import preferred_language
from lms.input_checks import MAX_ID
from lms.models import ApiToken
from lms.models import Group
from lms.models import GroupMember
from lms.models import Role
from lms.models import ScimUser
from lms.models import User
from lms.models import utcnow
from lms.queries import groups
from lms.queries import scim as read
from lms.services import Refused
from lms.services import assignments
from lms.services import audit
from lms.services import roles
from lms.services import users
from lms.services.roster import CONTROL
from lms.services.roster import EMAIL
from lms.services.roster import MAX_LENGTH

log = logging.getLogger(__name__)
SOURCE = "scim"  # in audit events: who made the change
TAKEN = "A person (or group) with that userName, email, employee id or name exists"


def handle(request: ScimRequest, token: ApiToken) -> ScimResponse:
    """Operation: serve one SCIM request for ``token``; commit what it changed, or roll
    back and answer the SCIM error (409 uniqueness, 404, 400 invalidValue/invalidFilter…).
    """
    service = _service()
    try:
        response = ScimHandler(service, _Storage(token)).handle(request)
        db.session.commit()
    except SCIMException as refused:
        db.session.rollback()
        log.info("SCIM %s %s refused: %s", request.method, request.path, refused)
        return service.error_response(refused)
    except sa.exc.IntegrityError:
        # Two requests wrote the same userName, email or group name at once: the database
        # kept the first; the second is told as if it had come after.
        db.session.rollback()
        return service.error_response(UniquenessException(detail=TAKEN))
    return response


@cache
def _service() -> ScimService:
    return _Service(read.provider())


class _Service(ScimService):
    """scim2-server's protocol, with what Entra ID sends beyond RFC 7644."""

    def read_patch(self, resource_type, body, content_type):
        """Entra ID removes members by value (``{"op": "Remove", "path": "members",
        "value": [{"value": "7"}]}``), where RFC 7644 puts a filter in the path: read it
        as ``members[value eq "7"]``, one operation per value."""
        try:
            document = json.loads(body)
            document["Operations"] = [
                rewritten
                for operation in document["Operations"]
                for rewritten in _remove_by_value(operation)
            ]
        except (ValueError, TypeError, KeyError):
            pass  # not a PATCH of that shape: the service says what is wrong with it
        else:
            body = json.dumps(document).encode()
        return super().read_patch(resource_type, body, content_type)

    def patch_response(self, base_url, resource, response_parameters):
        """200 with the resource, always (RFC 7644 allows a bare 204): Okta reads the
        user back from a PATCH's answer."""
        return self.resource_response(
            self.publish(base_url, resource),
            Context.RESOURCE_PATCH_RESPONSE,
            response_parameters,
        )

    def apply_patch(self, current, patch_op, conditions):
        """Entra ID sets a sub-attribute of an entry the person may not have yet
        (``add addresses[type eq "work"].country``); RFC 7644 would answer noTarget, so
        the entry is made first (``{"type": "work"}``) and the operation fills it."""
        for operation in patch_op.operations or []:
            if operation.op != operation.Op.remove and operation.path is not None:
                _seed_selected_entry(current, operation.path)
        return super().apply_patch(current, patch_op, conditions)


def _remove_by_value(operation: dict) -> list[dict]:
    value, path = operation.get("value"), operation.get("path")
    if (
        str(operation.get("op", "")).lower() != "remove"
        or not isinstance(path, str)
        or "[" in path
        or not isinstance(value, list)
        or not all(isinstance(v, dict) and isinstance(v.get("value"), str) for v in value)
    ):
        return [operation]
    return [{"op": "remove", "path": f"{path}[value eq {json.dumps(v['value'])}]"} for v in value]


def _seed_selected_entry(resource: Resource[Any], path: Path[Any]) -> None:
    node = path.ast
    if not (isinstance(node, ValuePath) and node.sub_attr):
        return
    selector = node.val_filter
    if not (
        isinstance(selector, Comparison)
        and selector.op == CompareOperator.eq
        and selector.attr_path.attr.lower() == "type"
        and selector.attr_path.sub_attr is None
    ):
        return
    entries: Path[Any] = Path[type(resource)](node.attr_path.attr)  # type: ignore[misc,operator]
    binding = entries.resolve()
    entry_type: Any = binding.field_type if binding is not None else None
    if entry_type is None or not binding or not binding.is_multivalued:
        return
    current = entries.get(resource) or []
    if not any(str(getattr(e, "type", "")).lower() == str(selector.value).lower() for e in current):
        entries.set(resource, [*current, entry_type(type=selector.value)], strict=False)


class _Storage(ScimStorage):
    """Our tables, as scim2-server's handler reads and writes them (each call a step)."""

    def __init__(self, token: ApiToken):
        self.token = token

    def get(
        self,
        resource_type: ResourceType,
        resource_id: str,
        *,
        response_parameters: ResponseParameters[Any] | None = None,
    ) -> Resource[Any]:
        if resource_type.name == "Group":
            return read.group_resource(_group(resource_id))
        user, identity = _person(resource_id)
        return read.user_resource(user, identity)

    def search(
        self,
        resource_types: list[ResourceType],
        search_request: SearchRequest[Any],
        *,
        position: Any = None,
    ) -> SearchPage:
        return SearchPage(*read.find([str(t.name) for t in resource_types], search_request))

    def create(self, resource_type: ResourceType, resource: Resource[Any]) -> Resource[Any]:
        if resource_type.name == "Group":
            return read.group_resource(_write_group(None, resource))
        user = _create_person(_dump(resource))
        return read.user_resource(user, db.session.get(ScimUser, user.id))

    def update(
        self,
        resource_type: ResourceType,
        resource: Resource[Any],
        *,
        expected_version: str | None = None,
    ) -> Resource[Any]:
        if resource_type.name == "Group":
            return read.group_resource(_write_group(_group(str(resource.id)), resource))
        user, identity = _person(str(resource.id))
        _update_person(user, identity, _dump(resource))
        return read.user_resource(user, db.session.get(ScimUser, user.id))

    def delete(
        self, resource_type: ResourceType, resource_id: str, *, expected_version: str | None = None
    ) -> None:
        if resource_type.name == "Group":
            _delete_group(_group(resource_id))
        else:
            _delete_person(*_person(resource_id))


# --- People ----------------------------------------------------------------------------


def _person(resource_id: str) -> tuple[User, ScimUser | None]:
    found = read.person(int(resource_id)) if _is_id(resource_id) else None
    if found is None:
        raise NotFoundException(detail=f"No user {resource_id}")
    return found


def _is_id(value: str) -> bool:
    """Whether ``value`` can be a row's id (ASCII digits that fit an SQL INTEGER)."""
    return value.isascii() and value.isdigit() and int(value) <= MAX_ID


def _dump(resource: Resource[Any]) -> dict:
    data = resource.model_dump()
    for name in read.NOT_KEPT:
        data.pop(name, None)
    return data


def _create_person(data: dict) -> User:
    """A new person, or a person the identity provider had deleted, created again."""
    key = data["userName"].casefold()
    deleted = db.session.scalar(sa.select(ScimUser).where(ScimUser.user_name_key == key))
    if deleted is not None and deleted.deleted_at is not None:
        user = db.session.get_one(User, deleted.user_id)
        deleted.deleted_at = None
        _update_person(user, deleted, data)
        return user
    _check_user_name(key, None)
    values = _values(data, None)
    active = data.get("active", True) is not False
    try:
        user = users.add(note={"source": SOURCE}, active=active, **values)
    except Refused:
        raise UniquenessException(detail=TAKEN) from None
    _keep(user, None, data)
    if active:
        assignments.assign_by_rules([user.id])
    return user


def _update_person(user: User, identity: ScimUser | None, data: dict) -> None:
    """The person as the full resource ``data`` says (PUT, or PATCH once applied)."""
    _check_user_name(data["userName"].casefold(), user.id)
    try:
        users.change(user, _values(data, user), source=SOURCE)
    except Refused:
        raise UniquenessException(detail=TAKEN) from None
    active = data.get("active")
    if active is not None and users.set_active(user, active, source=SOURCE, reason=SOURCE):
        if active:  # a returner gets what the rules give, as a joiner does
            assignments.assign_by_rules([user.id])
    _keep(user, identity, data)


def _delete_person(user: User, identity: ScimUser | None) -> None:
    """DELETE: the person is deactivated (their records are evidence) and leaves their
    groups (and the roles those gave); for SCIM the resource is gone (404)."""
    users.set_active(user, False, source=SOURCE, reason="scim_deleted")
    left = db.session.scalars(sa.select(GroupMember).where(GroupMember.user_id == user.id)).all()
    for membership in left:
        _remove_member(db.session.get_one(Group, membership.group_id), user.id)
    _sync_roles([user.id])
    identity = identity or _keep(user, None, {"userName": user.email})
    identity.deleted_at = utcnow()


def _check_user_name(key: str, user_id: int | None) -> None:
    """userName is unique without case, and is the email of people SCIM never wrote."""
    holder = db.session.scalar(sa.select(ScimUser.user_id).where(ScimUser.user_name_key == key))
    if holder is None:
        holder = db.session.scalar(
            sa.select(User.id)
            .outerjoin(ScimUser, ScimUser.user_id == User.id)
            .where(User.email == key, ScimUser.user_id.is_(None))
        )
    if holder is not None and holder != user_id:
        raise UniquenessException(detail="That userName is taken")


def _values(data: dict, user: User | None) -> dict:
    """The person's columns from a SCIM user (see :mod:`lms.queries.scim`).

    :raise InvalidValueException: a value no person can hold.
    """
    entry = read.email_entry(data)
    email = (entry["value"] if entry else data["userName"]).strip().lower()
    if not EMAIL.fullmatch(email):
        raise InvalidValueException(detail="Every person needs an email address in emails")
    extension = data.get(read.ENTERPRISE) or {}
    employee_id = (extension.get("employeeNumber") or "").strip() or (
        user.employee_id if user else "scim-" + secrets.token_hex(6)
    )
    values = {
        "email": email,
        "name": read.user_name_of(data),
        "employee_id": employee_id,
        "department": (extension.get("department") or "").strip() or None,
        "country": read.country_of(data),
        "preferred_language": preferred_language(
            data.get("preferredLanguage"), current_app.config["LANGUAGES"]
        ),
        "manager_id": _manager_id(extension.get("manager"), user),
    }
    for name, value in values.items():
        limit = MAX_LENGTH.get(name)
        if isinstance(value, str) and (
            (limit and len(value) > limit) or CONTROL.search(value) or not value.strip()
        ):
            raise InvalidValueException(detail=f"The {name} cannot hold that value")
    return values


def _manager_id(manager: dict | None, user: User | None) -> int | None:
    value = str((manager or {}).get("value") or "").strip()
    if not value:
        return None
    found = read.person(int(value)) if _is_id(value) else None
    if found is None or (user is not None and found[0].id == user.id):
        raise InvalidValueException(detail=f"No manager {value}: give a user's id")
    return found[0].id


def _keep(user: User, identity: ScimUser | None, data: dict) -> ScimUser:
    """Keep the identity provider's own names for the person and what else it sent."""
    now = utcnow()
    if identity is None:
        identity = ScimUser(user_id=user.id, attributes={}, created_at=now)
        db.session.add(identity)
    identity.user_name = data["userName"]
    identity.user_name_key = data["userName"].casefold()
    identity.external_id = data.get("externalId")
    identity.attributes = {k: v for k, v in data.items() if k not in ("userName", "externalId")}
    identity.updated_at = now
    return identity


# --- Groups ----------------------------------------------------------------------------


def _group(resource_id: str) -> Group:
    found = read.group(int(resource_id)) if _is_id(resource_id) else None
    if found is None:
        raise NotFoundException(detail=f"No group {resource_id}")
    return found


def _write_group(group: Group | None, resource: Any) -> Group:
    """Create or replace a group (a scim2-models ``Group``): its name, external id and
    members."""
    name = (resource.display_name or "").strip()
    if not name or len(name) > 200 or CONTROL.search(name):
        raise InvalidValueException(detail="A group needs a displayName (200 characters at most)")
    key = groups.key(name)
    holder = db.session.scalar(sa.select(Group.id).where(Group.name_key == key))
    if holder is not None and (group is None or holder != group.id):
        raise UniquenessException(detail="A group with that displayName exists")
    if group is None:
        group = Group(display_name=name, name_key=key)
        db.session.add(group)
        db.session.flush()
        audit.record("group.created", after={"group": name, "source": SOURCE})
    elif group.display_name != name:
        audit.record("group.renamed", before={"group": group.display_name}, after={"group": name})
    group.display_name, group.name_key = name, key
    group.external_id = resource.external_id
    group.updated_at = utcnow()
    _set_members(group, _member_ids(resource.members or []))
    return group


def _member_ids(members: Iterable[Any]) -> dict[int, str | None]:
    """The members' user ids, with the names the identity provider shows for them."""
    ids: dict[int, str | None] = {}
    for member in members:
        value = str(member.value or "").strip()
        if not _is_id(value) or read.person(int(value)) is None:
            raise InvalidValueException(detail=f"No user {value}: members are users' ids")
        display = (member.display or "").strip()[:200] or None
        ids[int(value)] = display
    return ids


def _set_members(group: Group, wanted: dict[int, str | None]) -> None:
    """Members in and out, each audited; then the roles the groups give, and the courses
    the rules by group give (in this transaction)."""
    current = read.members_of(group.id)
    for user_id in sorted(wanted.keys() - current.keys()):
        db.session.add(GroupMember(group_id=group.id, user_id=user_id, display=wanted[user_id]))
        audit.record(
            "group.member_added",
            subject=db.session.get(User, user_id),
            after={"group": group.display_name, "source": SOURCE},
        )
    for user_id in sorted(current.keys() - wanted.keys()):
        _remove_member(group, user_id)
    for user_id in current.keys() & wanted.keys():
        current[user_id].display = wanted[user_id]
    db.session.flush()
    _sync_roles(wanted.keys() ^ current.keys())
    assignments.assign_by_rules(wanted.keys() - current.keys())


def _remove_member(group: Group, user_id: int) -> None:
    db.session.execute(
        sa.delete(GroupMember).where(
            GroupMember.group_id == group.id, GroupMember.user_id == user_id
        )
    )
    audit.record(
        "group.member_removed",
        subject=db.session.get(User, user_id),
        before={"group": group.display_name, "source": SOURCE},
    )


def _delete_group(group: Group) -> None:
    """A group is deleted for good (the audit trail keeps who was in it); its members
    lose the roles it gave."""
    _set_members(group, {})
    audit.record("group.deleted", before={"group": group.display_name, "source": SOURCE})
    db.session.delete(group)


# --- Roles from groups (until the roles service exists) --------------------------------


def _group_roles() -> dict[str, Role]:
    """``SCIM_GROUP_ROLES`` ({"LMS HR": "hr", …}), by group key; unknown roles are
    skipped with a warning rather than failing every provisioning request."""
    mapping = {}
    for name, role in (current_app.config.get("SCIM_GROUP_ROLES") or {}).items():
        if role in {r.value for r in Role} and role != Role.EMPLOYEE.value:
            mapping[groups.key(name)] = Role(role)
        else:
            log.warning("SCIM_GROUP_ROLES: %r is not a role; group %r gives none", role, name)
    return mapping


def _sync_roles(user_ids: Iterable[int]) -> None:
    """Step: for the roles ``SCIM_GROUP_ROLES`` names, the identity provider's groups
    decide: a member of a mapped group holds its role, anyone else does not."""
    mapping = _group_roles()
    if not mapping:
        return
    for user_id in sorted(user_ids):
        user = db.session.get_one(User, user_id)
        wanted = {
            mapping[groups.key(n)] for n in groups.names_of(user_id) if groups.key(n) in mapping
        }
        held = {Role(r.role) for r in user.role_rows}
        try:
            for role in set(mapping.values()):
                if role in wanted and role not in held:
                    roles.grant(user, role, by=None, via=SOURCE)
                elif role in held and role not in wanted:
                    roles.revoke(user, role, by=None, via=SOURCE)
        except Refused as refusal:  # the last active admin keeps the role
            raise InvalidValueException(detail=str(refusal)) from None
