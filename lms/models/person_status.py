"""Each person's stored status in each required course: what the HR dashboard counts."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.extensions import db
from lms.models.types import UTCDateTime


class PersonCourseStatus(db.Model):
    """One row per person × required course, kept current in the same transaction as
    every write that changes it (:mod:`lms.services.person_status`), so reports count
    stored columns instead of re-deciding everyone's status on each view.

    Only dates are stored, never a word like "overdue": a due date passing or a
    certification running out changes no row. Readers compare the dates with the clock
    (:func:`lms.queries.reporting.status_rows` says how), so the answer is right at any
    instant without a job.

    - ``valid_until``: until when the person's best unrevoked certification counts (its
      expiry, or the recertification deadline of its major version if earlier). In the
      future: certified (expiring soon once inside the course's renewal window); past:
      expired (lapsed); NULL: never certified, or every certification revoked.
    - ``certified_*``: the version, issue and expiry of that certification.
    - ``first_certified_at``: the person's first certification in the course, revoked or
      not (the dashboard's "certified over time").
    - ``due_at``: the due date of the open enrolment, NULL when none is open or it has none.

    - ``active``, ``department``, ``country``, ``manager_id``: copies of the person's, so
      the dashboard groups and filters one table instead of joining a million people.
      They are written with the row and follow every change to ``users`` through a
      trigger (:data:`FOLLOW_USERS_DDL`), whichever code path (roster, SCIM, admin,
      erasure) changes the person.

    Rows exist for every person (active or not) and every course required now.
    """

    __tablename__ = "person_course_status"
    __table_args__ = (
        # Person search and drill-downs by status within a course (who is overdue, who
        # expires next) find their rows from these, without reading the whole table.
        sa.Index("ix_person_course_status_valid_until", "course_id", "valid_until"),
        sa.Index("ix_person_course_status_due_at", "course_id", "due_at"),
    )

    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    course_id: so.Mapped[str] = so.mapped_column(sa.ForeignKey("courses.id"), primary_key=True)
    valid_until: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    certified_major: so.Mapped[int | None]
    certified_minor: so.Mapped[int | None]
    certified_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    certified_expires_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    first_certified_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    due_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    active: so.Mapped[bool] = so.mapped_column(default=True, server_default=sa.true())
    department: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    country: so.Mapped[str | None] = so.mapped_column(sa.String(2))
    manager_id: so.Mapped[int | None]


#: The person's own columns, copied with each row and kept by the trigger below.
PERSON_COLUMNS = ("active", "department", "country", "manager_id")
_CHANGED = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in PERSON_COLUMNS)
_SET = ", ".join(f"{c} = NEW.{c}" for c in PERSON_COLUMNS)
#: DDL that copies a person's changes to their status rows, per dialect; used by the
#: model and by the migration so both paths create the same trigger.
FOLLOW_USERS_DDL = {
    "sqlite": [
        "CREATE TRIGGER person_course_status_follows_users "
        f"AFTER UPDATE OF {', '.join(PERSON_COLUMNS)} ON users FOR EACH ROW "
        f"WHEN {_CHANGED.replace('IS DISTINCT FROM', 'IS NOT')} BEGIN "
        f"UPDATE person_course_status SET {_SET} WHERE user_id = NEW.id; END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION person_course_status_follow_user() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        f"UPDATE person_course_status SET {_SET} WHERE user_id = NEW.id; "
        "RETURN NULL; END $$",
        "CREATE TRIGGER person_course_status_follows_users "
        f"AFTER UPDATE OF {', '.join(PERSON_COLUMNS)} ON users FOR EACH ROW "
        f"WHEN ({_CHANGED}) EXECUTE FUNCTION person_course_status_follow_user()",
    ],
}


@sa.event.listens_for(PersonCourseStatus.__table__, "after_create")
def _follow_users(table, connection, **kw):
    for statement in FOLLOW_USERS_DDL.get(connection.dialect.name, []):
        connection.exec_driver_sql(statement)
