"""People: employees and the roles they hold."""

import enum
import secrets
from collections.abc import Iterable
from datetime import date
from datetime import datetime
from functools import cache

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from lms.extensions import db
from lms.models.session import UserSession
from lms.models.types import UTCDateTime
from lms.models.types import utcnow


class Role(enum.StrEnum):
    EMPLOYEE = "employee"
    HR = "hr"
    MARKETING = "marketing"
    LEAD = "lead"  # department lead: sees the departments they lead (LeadDepartment)
    ADMIN = "admin"


class User(UserMixin, db.Model):
    """An employee. Leavers are deactivated, never deleted: their records are evidence."""

    __tablename__ = "users"
    # HR lists and filters active people by department and country.
    __table_args__ = (
        sa.Index("ix_users_department_active", "department", "active"),
        sa.Index("ix_users_country_active", "country", "active"),
        # The few who left: whole-company counts exclude them instead of joining everyone.
        sa.Index(
            "ix_users_inactive",
            "id",
            postgresql_where=sa.text("NOT active"),
            sqlite_where=sa.text("NOT active"),
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    employee_id: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)  # lower case
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    department: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    country: so.Mapped[str | None] = so.mapped_column(sa.String(2))
    manager_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    preferred_language: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    #: The IANA zone times are shown in ("Asia/Tokyo"); None: the company's zone.
    time_zone: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    hire_date: so.Mapped[date | None]
    active: so.Mapped[bool] = so.mapped_column(default=True)
    #: Created by a roster import, so a later import may deactivate it; accounts made by
    #: hand (admins, demo users) never are.
    roster_managed: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    password_hash: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    manager: so.Mapped["User | None"] = so.relationship(remote_side=[id])
    role_rows: so.Mapped[list["UserRole"]] = so.relationship(
        lazy="selectin", cascade="all, delete-orphan"
    )
    #: Loaded when read (HR reports of a lead), not with every account.
    lead_rows: so.Mapped[list["LeadDepartment"]] = so.relationship(
        cascade="all, delete-orphan", order_by="LeadDepartment.department"
    )

    @property
    def roles(self) -> set[Role]:
        return {Role(r.role) for r in self.role_rows} | {Role.EMPLOYEE}

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles))

    @property
    def lead_departments(self) -> list[str]:
        """The departments this person leads (sorted); empty unless they are a lead."""
        return sorted(row.department for row in self.lead_rows)

    def grant(self, role: Role, departments: Iterable[str] | None = None) -> None:
        """Hold ``role``. A lead leads ``departments``, or, when none are named, keeps the
        ones they lead or, if new to the role, leads their own department."""
        if role not in {Role(r.role) for r in self.role_rows}:
            self.role_rows.append(UserRole(role=role.value))
            if departments is None and role is Role.LEAD and self.department:
                departments = [self.department]
        if role is Role.LEAD and departments is not None:
            self.lead(departments)

    def lead(self, departments: Iterable[str]) -> None:
        """Lead exactly ``departments`` (rows kept, added or removed, never replaced)."""
        wanted = set(departments)
        for row in [r for r in self.lead_rows if r.department not in wanted]:
            self.lead_rows.remove(row)
        held = {r.department for r in self.lead_rows}
        self.lead_rows.extend(LeadDepartment(department=d) for d in sorted(wanted - held))

    def take_away(self, role: Role) -> None:
        """No longer hold ``role`` (a lead leads nothing any more)."""
        for row in [r for r in self.role_rows if r.role == role.value]:
            self.role_rows.remove(row)
        if role is Role.LEAD:
            self.lead_rows.clear()

    @classmethod
    def identified_by(cls, identifier: str) -> sa.ColumnElement[bool]:
        """The condition for "this email (any case) or employee id"."""
        column, value = cls.identifier_key(identifier)
        return getattr(cls, column) == value

    @staticmethod
    def identifier_key(identifier: str) -> tuple[str, str]:
        """("email", lower-cased) for an email address, else ("employee_id", as given)."""
        identifier = identifier.strip()
        if "@" in identifier:
            return "email", identifier.lower()
        return "employee_id", identifier

    @classmethod
    def find(cls, identifier: str) -> "User | None":
        return db.session.scalar(sa.select(cls).where(cls.identified_by(identifier)))

    @classmethod
    def authenticate(cls, identifier: str, password: str) -> "User | None":
        """The active account with this email or employee id and this password, or None.

        Every path checks exactly one password hash of the same cost (unknown accounts and
        accounts without a password against a decoy), so the time the answer takes does
        not tell whether an account exists.
        """
        user = cls.find(identifier)
        if user is None:
            check_password_hash(_decoy_hash(), password)
            return None
        return user if user.check_password(password) and user.active else None

    def set_password(self, password: str) -> None:
        """Set a new password and end every sign-in made with the old one."""
        self.password_hash = generate_password_hash(password)
        if self.id is not None:
            UserSession.end_all([self.id])

    def check_password(self, password: str) -> bool:
        """Whether ``password`` is this account's; always one hash check (see above)."""
        matches = check_password_hash(self.password_hash or _decoy_hash(), password)
        return matches and bool(self.password_hash)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    #: The token of the sign-in this object was loaded for or made by (not a column).
    session_token = None

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and "keep me signed in" cookies: the account
        and its sign-in's token, so that a cookie only works while its sign-in exists."""
        if self.session_token is None:
            raise RuntimeError("sign in through lms.auth.sessions.sign_in")
        return f"{self.id}:{self.session_token}"

    def __repr__(self) -> str:
        return f"<User {self.employee_id} {self.email}>"


# The admin's people search finds the start of a name (any case), an email or an employee id
# through these indexes, not by reading every account. PostgreSQL answers LIKE 'prefix%'
# from a text_pattern_ops index whatever the database's collation; SQLite answers range
# conditions from the plain indexes (there the two on email and employee id repeat the
# unique ones, kept so that one schema serves both databases).
sa.Index(
    "ix_users_lower_name",
    sa.func.lower(User.name).label("lower_name"),
    postgresql_ops={"lower_name": "text_pattern_ops"},
)
for _column in ("email", "employee_id"):
    sa.Index(
        f"ix_users_{_column}_pattern",
        User.__table__.c[_column],
        postgresql_ops={_column: "text_pattern_ops"},
    )


@cache
def _decoy_hash() -> str:
    """A hash of a random password nobody knows, made with the current method and cost
    (once per process), to check against when there is no real hash to check."""
    return generate_password_hash(secrets.token_urlsafe(32))


class UserRole(db.Model):
    """A role held beyond "employee", which everyone holds."""

    __tablename__ = "user_roles"

    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    role: so.Mapped[str] = so.mapped_column(sa.String(20), primary_key=True)


class LeadDepartment(db.Model):
    """A department a lead leads: the people HR reports show that lead."""

    __tablename__ = "lead_departments"

    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    department: so.Mapped[str] = so.mapped_column(sa.String(120), primary_key=True)
