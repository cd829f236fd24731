"""SCIM 2.0 (RFC 7643/7644), the read side: what this service provider publishes about
itself, people and groups as SCIM resources, and SCIM filters as SQL.

The protocol (parsing requests, PATCH, filters' syntax, errors) is scim2-server's and
scim2-models'; this module only says how our tables look in SCIM:

- a person (``users``) is a ``User`` with the Enterprise extension: ``userName`` is what
  the identity provider sent (``scim_users``), or the email for people it never wrote;
  ``emails``, ``displayName``, ``active``, ``preferredLanguage``, ``addresses[].country``,
  ``employeeNumber``, ``department`` and ``manager`` are the person's own columns; every
  other attribute is returned as the provider last sent it;
- a group (``groups``) is a ``Group`` whose members are people.
"""

import copy
from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from scim2_models import AuthenticationScheme
from scim2_models import Bulk
from scim2_models import ChangePassword
from scim2_models import ETag
from scim2_models import External
from scim2_models import Filter
from scim2_models import InvalidFilterException
from scim2_models import Patch
from scim2_models import Reference
from scim2_models import Resource
from scim2_models import ResourceType
from scim2_models import ScimProvider
from scim2_models import SearchRequest
from scim2_models import ServiceProviderConfig
from scim2_models import Sort
from scim2_models.path import AttrPath
from scim2_models.path import CompareOperator
from scim2_models.path import Comparison
from scim2_models.path import FilterNode
from scim2_models.path import LogicalExpr
from scim2_models.path import LogicalOperator
from scim2_models.path import Not
from scim2_models.path import Present
from scim2_models.path import ValuePath
from scim2_server.utils import load_default_resource_types
from scim2_server.utils import load_default_schemas

from lms.extensions import db
from lms.i18n import preferred_language
from lms.models import Group
from lms.models import GroupMember
from lms.models import ScimUser
from lms.models import User

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
#: The most resources one list answer holds (announced as ``filter.maxResults``).
MAX_RESULTS = 200
#: What ``scim_users.attributes`` never keeps: ours to compute, or a secret.
NOT_KEPT = ("id", "meta", "groups", "password", "schemas")


# --- What we publish -----------------------------------------------------------------


@cache
def provider() -> ScimProvider:
    """The RFC 7643 schemas and resource types, as this service provider serves them.

    Changed from the RFC's: ``emails`` (with a ``value``) is required, as every person
    signs in and is written to by email; a group's members are people (no nested groups).
    """
    schemas = load_default_schemas()
    user = schemas[USER_SCHEMA]
    emails = _attribute(user, "emails")
    emails.required = True
    _attribute(emails, "value").required = True
    members = _attribute(schemas[GROUP_SCHEMA], "members")
    _attribute(members, "type").canonical_values = ["User"]
    _attribute(members, "$ref").reference_types = ["User"]
    return ScimProvider.from_discovery(
        schemas.values(), load_default_resource_types().values(), config=_config()
    )


def _attribute(parent, name: str):
    children = parent.attributes if hasattr(parent, "attributes") else parent.sub_attributes
    return next(a for a in children if a.name == name)


def _config() -> ServiceProviderConfig:
    return ServiceProviderConfig(
        documentation_uri=Reference[External](
            "https://github.com/brand-ambassador-lms/lms#provisioning-scim-20"
        ),
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_RESULTS),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=False),
        authentication_schemes=[
            AuthenticationScheme(
                type=AuthenticationScheme.Type.oauthbearertoken,
                name="OAuth Bearer Token",
                description="A token from `flask lms token create NAME --scope scim`.",
                primary=True,
            )
        ],
    )


def resource_type(name: str) -> ResourceType:
    return next(rt for rt in provider().resource_types if rt.name == name)


def model(name: str) -> type[Resource[Any]]:
    """The model of the ``User`` (with its extension) or ``Group`` resource type."""
    found = provider().model_for(resource_type(name))
    assert found is not None, "the provider serves User and Group"
    return found  # type: ignore[return-value]


# --- People as SCIM users ----------------------------------------------------------------


def person(user_id: int, *, deleted_too: bool = False) -> tuple[User, ScimUser | None] | None:
    """A person and their SCIM row, or None (no such person, or deleted over SCIM)."""
    user = db.session.get(User, user_id)
    if user is None:
        return None
    identity = db.session.get(ScimUser, user_id)
    if identity is not None and identity.deleted_at is not None and not deleted_too:
        return None
    return user, identity


def user_resource(user: User, identity: ScimUser | None) -> Resource[Any]:
    """The person as a SCIM ``User``: what the provider sent, overlaid with our columns."""
    data = copy.deepcopy(identity.attributes) if identity else {}
    data["schemas"] = [USER_SCHEMA, ENTERPRISE]
    data["id"] = str(user.id)
    data["userName"] = identity.user_name if identity else user.email
    data["externalId"] = identity.external_id if identity else None
    data["active"] = user.active
    if user_name_of(data) != user.name:
        data["displayName"] = user.name
        if data.get("name"):
            data["name"]["formatted"] = user.name
    _overlay_email(data, user.email)
    _overlay_language(data, user.preferred_language)
    _overlay_country(data, user.country)
    _overlay_enterprise(data, user, identity)
    data["groups"] = [
        {"value": str(gid), "display": name, "$ref": f"Groups/{gid}", "type": "direct"}
        for gid, name in _groups_of(user.id)
    ] or None
    data["meta"] = {
        "resourceType": "User",
        "created": _iso(identity.created_at if identity else user.created_at),
        "lastModified": _iso(identity.updated_at if identity else user.created_at),
    }
    return model("User").model_validate(_without_none(data))


def user_name_of(data: dict) -> str:
    """The name the LMS keeps for a SCIM user: its displayName, else its formatted or
    given and family names, else its userName."""
    name = data.get("name") or {}
    parts = " ".join(p for p in (name.get("givenName"), name.get("familyName")) if p)
    return (
        data.get("displayName") or name.get("formatted") or parts or data.get("userName") or ""
    ).strip()


def email_entry(data: dict) -> dict | None:
    """The entry of ``emails`` the LMS uses: the primary one, else the work one, else the
    first."""
    emails = [e for e in data.get("emails") or [] if e.get("value")]
    for wanted in (lambda e: e.get("primary"), lambda e: e.get("type") == "work", bool):
        found = next((e for e in emails if wanted(e)), None)
        if found:
            return found
    return None


def address_entry(data: dict) -> dict | None:
    """The entry of ``addresses`` whose country is the person's, chosen as emails are."""
    addresses = data.get("addresses") or []
    for wanted in (lambda a: a.get("primary"), lambda a: a.get("type") == "work", bool):
        found = next((a for a in addresses if wanted(a)), None)
        if found:
            return found
    return None


def country_of(data: dict) -> str | None:
    """The two-letter country the LMS keeps, from the chosen address (None if not one)."""
    entry = address_entry(data) or {}
    country = (entry.get("country") or "").strip().upper()
    return country if len(country) == 2 and country.isalpha() and country.isascii() else None


def _overlay_email(data: dict, email: str) -> None:
    entry = email_entry(data)
    if entry is None:
        data["emails"] = [{"value": email, "type": "work", "primary": True}]
    elif entry["value"].strip().lower() != email:
        entry["value"] = email


def _overlay_language(data: dict, language: str | None) -> None:
    sent = data.get("preferredLanguage")
    if preferred_language(sent, current_app.config["LANGUAGES"]) != language:
        data["preferredLanguage"] = language.replace("_", "-") if language else None


def _overlay_country(data: dict, country: str | None) -> None:
    if country_of(data) == country:
        return
    entry = address_entry(data)
    if entry is not None:
        entry["country"] = country
    elif country:
        data["addresses"] = [{"type": "work", "country": country}]


def _overlay_enterprise(data: dict, user: User, identity: ScimUser | None) -> None:
    extension = data.get(ENTERPRISE) or {}
    if identity is None or "employeeNumber" in extension:
        extension["employeeNumber"] = user.employee_id
    extension["department"] = user.department
    manager = extension.get("manager") or {}
    if user.manager_id is None:
        extension.pop("manager", None)
    elif manager.get("value") != str(user.manager_id):
        extension["manager"] = {"value": str(user.manager_id), "$ref": f"Users/{user.manager_id}"}
    data[ENTERPRISE] = extension


def _groups_of(user_id: int) -> list[tuple[int, str]]:
    return [
        (row.id, row.display_name)
        for row in db.session.execute(
            sa.select(Group.id, Group.display_name)
            .join(GroupMember, GroupMember.group_id == Group.id)
            .where(GroupMember.user_id == user_id)
            .order_by(Group.id)
        )
    ]


def find(kinds: list[str], search: SearchRequest[Any]) -> tuple[int, list[Resource[Any]]]:
    """(how many match, this page) for a search on /Users, /Groups, or both (the root:
    people first, then groups; a filter on an attribute only one of them has matches
    none of the other, RFC 7644 §3.4.2.1).

    :raise InvalidFilterException: the filter names an attribute we cannot search.
    """
    queries = []
    for kind in kinds:
        try:
            queries.append((kind, _query(kind, search)))
        except InvalidFilterException:
            if len(kinds) == 1 or (kind == kinds[-1] and not queries):
                raise
    totals = [
        db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
        for _, query in queries
    ]
    left = MAX_RESULTS if search.count is None else min(search.count, MAX_RESULTS)
    offset = search.start_index_0 or 0
    resources: list[Resource[Any]] = []
    for (kind, query), total in zip(queries, totals, strict=True):
        if left <= 0:
            break
        if offset >= total:
            offset -= total
            continue
        rows = db.session.execute(query.offset(offset).limit(left)).all()
        resources += [_resource_of(kind, row) for row in rows]
        left, offset = left - len(rows), 0
    return sum(totals), resources


def _query(kind: str, search: SearchRequest[Any]) -> sa.Select:
    query: sa.Select
    if kind == "Group":
        query = sa.select(Group).order_by(Group.id)
        condition = _GroupFilter().visit(search.filter.ast) if search.filter else None
    else:
        query = (
            sa.select(User, ScimUser)
            .outerjoin(ScimUser, ScimUser.user_id == User.id)
            .where(ScimUser.deleted_at.is_(None))
            .order_by(User.id)
        )
        condition = _UserFilter().visit(search.filter.ast) if search.filter else None
    return query if condition is None else query.where(condition)


def _resource_of(kind: str, row: sa.Row) -> Resource[Any]:
    return group_resource(row[0]) if kind == "Group" else user_resource(row[0], row[1])


# --- Groups ----------------------------------------------------------------------------


def group(group_id: int) -> Group | None:
    return db.session.get(Group, group_id)


def members_of(group_id: int) -> dict[int, GroupMember]:
    """A group's members by their user id."""
    return {
        m.user_id: m
        for m in db.session.scalars(sa.select(GroupMember).where(GroupMember.group_id == group_id))
    }


def group_resource(row: Group) -> Resource[Any]:
    members = db.session.execute(
        sa.select(GroupMember.user_id, GroupMember.display)
        .where(GroupMember.group_id == row.id)
        .order_by(GroupMember.user_id)
    )
    data = {
        "schemas": [GROUP_SCHEMA],
        "id": str(row.id),
        "externalId": row.external_id,
        "displayName": row.display_name,
        "members": [
            {
                "value": str(m.user_id),
                "$ref": f"Users/{m.user_id}",
                "type": "User",
                "display": m.display,
            }
            for m in members
        ]
        or None,
        "meta": {
            "resourceType": "Group",
            "created": _iso(row.created_at),
            "lastModified": _iso(row.updated_at),
        },
    }
    return model("Group").model_validate(_without_none(data))


# --- Filters as SQL -------------------------------------------------------------------


LOWER = "stored lower case"


class _SqlFilter:
    """A SCIM filter's syntax tree (scim2-models parses it) as a SQL condition.

    Each searchable attribute maps to a column and how its values compare (case or not);
    any other attribute is refused with ``invalidFilter``, so that ``totalResults`` and the
    pages are never computed on a filter we only half understood.
    """

    #: attribute path (lower case, without its schema) -> (column, how values compare:
    #: False with case, True without, LOWER without and the column is stored lower case)
    columns: dict[str, tuple[Any, Any]] = {}

    def visit(self, node: FilterNode) -> sa.ColumnElement[bool]:
        if isinstance(node, LogicalExpr):
            terms = [self.visit(term) for term in node.terms]
            return sa.and_(*terms) if node.op == LogicalOperator.and_ else sa.or_(*terms)
        if isinstance(node, Not):
            return sa.not_(self.visit(node.expr))
        if isinstance(node, Present):
            column, _ = self.column(node.attr_path)
            return sa.and_(column.is_not(None), sa.cast(column, sa.String) != "")
        if isinstance(node, Comparison):
            return self.compare(node)
        if isinstance(node, ValuePath):
            return self.value_path(node)
        raise InvalidFilterException(detail=f"Cannot filter on {node}")

    def value_path(self, node: ValuePath) -> sa.ColumnElement[bool]:
        """``emails[value eq "x"]``: the inner filter on the attribute's sub-attributes."""
        outer = node.attr_path.attr
        visitor = type(self)()
        visitor.columns = {
            key.removeprefix(f"{outer.lower()}."): found
            for key, found in self.columns.items()
            if key.startswith(f"{outer.lower()}.")
        }
        return visitor.visit(node.val_filter)

    def column(self, path: AttrPath) -> tuple[Any, Any]:
        key = path.attr.lower() + (f".{path.sub_attr.lower()}" if path.sub_attr else "")
        found = self.columns.get(key)
        if found is None:
            raise InvalidFilterException(detail=f"Filtering on {path} is not supported")
        return found

    def compare(self, node: Comparison) -> sa.ColumnElement[bool]:
        column, folded = self.column(node.attr_path)
        value = node.value
        if isinstance(column.type, sa.Boolean):
            return _ordered(column, node.op, bool(value))
        if isinstance(column.type, sa.Integer):
            try:
                number = int(value)
            except (TypeError, ValueError):
                return sa.false()  # no id is "abc"
            return _ordered(column, node.op, number)
        text = "" if value is None else str(value)
        if folded == LOWER:  # stored lower case: its index answers
            text = text.lower()
        elif folded:
            column, text = sa.func.lower(column), text.lower()
        return _text_comparison(column, node.op, text)


def _ordered(column, op: CompareOperator, value) -> sa.ColumnElement[bool]:
    operations: dict[CompareOperator, Callable[[Any], Any]] = {
        CompareOperator.eq: lambda v: column == v,
        CompareOperator.ne: lambda v: sa.or_(column != v, column.is_(None)),
        CompareOperator.gt: lambda v: column > v,
        CompareOperator.ge: lambda v: column >= v,
        CompareOperator.lt: lambda v: column < v,
        CompareOperator.le: lambda v: column <= v,
    }
    if op not in operations:
        raise InvalidFilterException(detail=f"{op.value} does not apply to this attribute")
    return operations[op](value)


def _text_comparison(column, op: CompareOperator, text: str) -> sa.ColumnElement[bool]:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    patterns = {
        CompareOperator.co: f"%{escaped}%",
        CompareOperator.sw: f"{escaped}%",
        CompareOperator.ew: f"%{escaped}",
    }
    if op in patterns:
        return column.like(patterns[op], escape="\\")
    return _ordered(column, op, text)


class _UserFilter(_SqlFilter):
    columns = {
        "id": (User.id, False),
        "username": (sa.func.coalesce(ScimUser.user_name_key, User.email), True),
        "externalid": (ScimUser.external_id, False),
        "emails": (User.email, LOWER),
        "emails.value": (User.email, LOWER),
        "displayname": (User.name, True),
        "name.formatted": (User.name, True),
        "active": (User.active, False),
        "preferredlanguage": (User.preferred_language, True),
        "addresses.country": (User.country, True),
        "employeenumber": (User.employee_id, False),
        "department": (User.department, True),
        "manager": (User.manager_id, False),
        "manager.value": (User.manager_id, False),
    }

    def compare(self, node: Comparison) -> sa.ColumnElement[bool]:
        # The identity provider's most frequent question, "userName eq …", asked once per
        # person and sync: answered from the two unique indexes, not by a scan.
        if node.attr_path.attr.lower() == "username" and node.op == CompareOperator.eq:
            value = str(node.value).casefold()
            unlinked = so.aliased(User)
            return User.id.in_(
                sa.union_all(
                    sa.select(ScimUser.user_id).where(ScimUser.user_name_key == value),
                    sa.select(unlinked.id).where(
                        unlinked.email == value.lower(),
                        ~sa.exists().where(ScimUser.user_id == unlinked.id),
                    ),
                )
            )
        if node.attr_path.attr.lower() == "externalid" and node.op == CompareOperator.eq:
            # Asked for each person by some providers: the index of scim_users answers.
            linked = sa.select(ScimUser.user_id).where(ScimUser.external_id == str(node.value))
            return User.id.in_(linked)
        return super().compare(node)


class _GroupFilter(_SqlFilter):
    columns = {
        "id": (Group.id, False),
        "displayname": (Group.display_name, True),
        "externalid": (Group.external_id, False),
        "members": (GroupMember.user_id, False),
        "members.value": (GroupMember.user_id, False),
    }

    def visit(self, node: FilterNode) -> sa.ColumnElement[bool]:
        path = getattr(node, "attr_path", None)
        if path is not None and path.attr.lower() == "members":
            # "members[value eq 7]", "members.value eq 7": some member matches.
            return sa.exists().where(GroupMember.group_id == Group.id, super().visit(node))
        return super().visit(node)


def _iso(value: datetime) -> str:
    return value.isoformat()


def _without_none(value):
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value
