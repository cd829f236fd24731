"""Groups pushed by the identity provider (SCIM), and who is in them."""

import sqlalchemy as sa

from lms.extensions import db
from lms.models import Group
from lms.models import GroupMember
from lms.models import User


def key(name: str) -> str:
    """How group names compare: without case or surrounding spaces."""
    return name.strip().casefold()


def find(name: str) -> Group | None:
    """The group with this display name (any case), or None."""
    return db.session.scalar(sa.select(Group).where(Group.name_key == key(name)))


def member_clause(name: str) -> sa.ColumnElement[bool]:
    """The condition on ``users`` for "is a member of the group ``name``"."""
    return sa.exists().where(
        GroupMember.user_id == User.id,
        GroupMember.group_id == Group.id,
        Group.name_key == key(name),
    )


def names_of(user_id: int) -> list[str]:
    """The groups a person is in, by name."""
    return list(
        db.session.scalars(
            sa.select(Group.display_name)
            .join(GroupMember, GroupMember.group_id == Group.id)
            .where(GroupMember.user_id == user_id)
            .order_by(Group.display_name)
        )
    )
