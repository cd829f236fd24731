"""What the company's identity provider told us over SCIM: its names for people, and groups.

A person's own facts (email, name, department, active, …) stay on ``users``; the SCIM
side keeps only what SCIM needs beyond them: the provider's ``userName`` and
``externalId``, the attributes it sent that the LMS does not use (given and family names,
phone numbers, …, returned as sent), and whether the provider deleted the resource (the
person stays, deactivated: their records are evidence).
"""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.extensions import db
from lms.models.types import UTCDateTime
from lms.models.types import utcnow


class ScimUser(db.Model):
    """The identity provider's view of one person (a row once SCIM has written them)."""

    __tablename__ = "scim_users"

    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    user_name: so.Mapped[str] = so.mapped_column(sa.String(254))
    #: ``userName`` case-folded: unique, as RFC 7643 compares it without case.
    user_name_key: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    external_id: so.Mapped[str | None] = so.mapped_column(sa.String(254), index=True)
    #: The resource as last written, for the attributes the LMS has no column for.
    attributes: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    #: Set by a SCIM DELETE: the resource is gone for SCIM, the person stays deactivated.
    deleted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)


class Group(db.Model):
    """A group of people pushed by the identity provider ("LMS HR", "Sales EMEA").

    Groups can give roles (``SCIM_GROUP_ROLES``) and courses (assignment rules by group).
    """

    __tablename__ = "groups"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    display_name: so.Mapped[str] = so.mapped_column(sa.String(200))
    #: ``displayName`` case-folded: unique, so a name names one group in rules and roles.
    name_key: so.Mapped[str] = so.mapped_column(sa.String(200), unique=True)
    external_id: so.Mapped[str | None] = so.mapped_column(sa.String(254), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)


class GroupMember(db.Model):
    """One person in one group."""

    __tablename__ = "group_members"

    group_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("groups.id"), primary_key=True)
    # Looked up by person too: "which groups is this person in" (roles, rules, SCIM).
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id"), primary_key=True, index=True
    )
    #: The member's name as the identity provider shows it, returned as sent.
    display: so.Mapped[str | None] = so.mapped_column(sa.String(200))
