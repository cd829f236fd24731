"""The append-only audit trail of every certification-relevant event."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.extensions import db
from lms.models.types import UTCDateTime
from lms.models.types import utcnow


class AuditEvent(db.Model):
    """Who did what, when, to whom, with the values before and after.

    Rows are only ever inserted: database triggers (below, and in the first migration)
    refuse UPDATE and DELETE on every database we support.
    """

    __tablename__ = "audit_events"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    occurred_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    action: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    subject_user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    course_id: so.Mapped[str | None] = so.mapped_column(sa.String(100), index=True)
    before: so.Mapped[dict | None] = so.mapped_column(sa.JSON)
    after: so.Mapped[dict | None] = so.mapped_column(sa.JSON)


#: DDL that makes ``audit_events`` append-only, per dialect; used by the models and
#: by the migration so both paths create the same guards.
APPEND_ONLY_DDL = {
    "sqlite": [
        "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
        "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
        "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
        "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        "RAISE EXCEPTION 'audit_events is append-only'; END $$",
        "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events "
        "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
    ],
}


@sa.event.listens_for(AuditEvent.__table__, "after_create")
def _make_append_only(table, connection, **kw):
    for statement in APPEND_ONLY_DDL.get(connection.dialect.name, []):
        connection.exec_driver_sql(statement)
