"""Pushing the cleared people to an advocacy tool's SCIM server (Hootsuite Amplify, Sprout
Social, EveryoneSocial, DSMN8, …): how far the push has read the outbox, and the accounts
it knows on the other side."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.extensions import db
from lms.models.types import UTCDateTime


class ScimPushTarget(db.Model):
    """One SCIM server the "cleared representatives" group is pushed to, by its base URL.

    ``cursor`` is the last outbox event handled: it moves only after the target accepted
    every change up to it, so a target that is down loses nothing. ``group_id`` is the
    group's id on the target, found or created by the first push.
    """

    __tablename__ = "scim_push_targets"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    base_url: so.Mapped[str] = so.mapped_column(sa.String(500), unique=True)
    group_id: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    cursor: so.Mapped[int | None] = so.mapped_column(
        sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    )
    last_success_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    last_reconcile_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    last_error_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    last_error: so.Mapped[str | None] = so.mapped_column(sa.Text)


class ScimPushAccount(db.Model):
    """A person's account on a target: its id there, whether this LMS created it (then
    this LMS also deactivates it when the person leaves), and whether the push put it in
    the group."""

    __tablename__ = "scim_push_accounts"

    target_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("scim_push_targets.id"), primary_key=True
    )
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id"), primary_key=True, index=True
    )
    remote_id: so.Mapped[str] = so.mapped_column(sa.String(254))
    created_here: so.Mapped[bool] = so.mapped_column(default=False)
    in_group: so.Mapped[bool] = so.mapped_column(default=False)
    deactivated: so.Mapped[bool] = so.mapped_column(default=False)
