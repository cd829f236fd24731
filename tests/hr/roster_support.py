"""Roster files and database counts shared by the roster tests."""

from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from lms.extensions import db
from lms.models import AuditEvent
from lms.models import Certification
from lms.models import User
from lms.models import utcnow
from lms.queries import catalog
from lms.services import clearance

HEADER = "employee_id,email,name,department,country,manager,preferred_language,hire_date,active"
#: Three people; Ben's manager (E3) appears after him, Cy's manager is named by email.
GOOD_ROWS = [
    "E1,Ana@Example.com,Ana Boss,Executive,us,,en,2020-01-01,true",
    "E2,ben@example.com,Ben Report,Sales,DE,E3,de,2021-02-03,yes",
    "E3,cy@example.com,Cy Middle,Sales,DE,ana@example.com,pt-BR,2019-05-06,",
]


def roster_text(rows=GOOD_ROWS, header=HEADER, newline="\n") -> str:
    return newline.join([header, *rows]) + newline


def write_roster(tmp_path: Path, rows=GOOD_ROWS, name="roster.csv", **kw) -> Path:
    path = tmp_path / name
    path.write_text(roster_text(rows, **kw), encoding="utf-8")
    return path


def user(employee_id: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.employee_id == employee_id))


def counts() -> tuple[int, int]:
    """(users, audit events): what an import that changes nothing must leave alone."""
    db.session.expire_all()
    return (db.session.scalar(sa.select(sa.func.count(User.id))),
            db.session.scalar(sa.select(sa.func.count(AuditEvent.id))))


def events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)
                                   .order_by(AuditEvent.id)))


def certify(person: User) -> None:
    """Give ``person`` a valid certification in the required test course: cleared."""
    version = catalog.latest_version("policy-basics")
    now = utcnow()
    db.session.add(Certification(
        user_id=person.id, course_id=version.course_id, course_version_id=version.id,
        major=version.major, minor=version.minor, issued_at=now,
        expires_at=now + timedelta(days=365), status="active"))
    clearance.refresh(person, now)
    db.session.commit()
