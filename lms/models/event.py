"""The outbox of domain events: what other systems may need to hear about."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.extensions import db
from lms.models.types import UTCDateTime
from lms.models.types import utcnow


class OutboxEvent(db.Model):
    """Something that happened to a person, a certification or a course.

    Written by :mod:`lms.services.events` in the same transaction as the change it reports,
    so there is no change without its event and no event without its change. Consumers
    (webhooks, SCIM pushes, xAPI, notifications) read it in ``id`` order and keep their
    own progress; unlike the audit trail it is for machines, and may be pruned once
    every consumer has read it.

    ``kind`` is one of :data:`lms.services.events.KINDS`; ``payload`` is the event's
    JSON body as consumers receive it.
    """

    __tablename__ = "outbox_events"

    id: so.Mapped[int] = so.mapped_column(
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True
    )
    kind: so.Mapped[str] = so.mapped_column(sa.String(64))
    occurred_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    # No foreign keys: an event is a message about the past, kept apart from the tables
    # it describes so that writing it never locks them.
    user_id: so.Mapped[int | None] = so.mapped_column(index=True)
    course_id: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    payload: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
