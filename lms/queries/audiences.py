"""Who a required course is required of (its audience), and who is exempt from it.

A requirement's scope is one of the assignment rules' kinds (everyone, a department, a
country, a role, an identity-provider group); a course's audience is the union of its
active requirements' scopes. The per-person reading (:func:`required_of`) and the
set-based one (:func:`member_clause`, used by the everyone-at-once recompute and by the
enrolments) say the same thing.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from lms.extensions import db
from lms.models import AssignmentNotice
from lms.models import AssignmentRule
from lms.models import Enrollment
from lms.models import Exemption
from lms.models import PasswordLink
from lms.models import User
from lms.models import UserRole
from lms.queries import catalog
from lms.queries import groups
from lms.rules import clearance as rules


def scope_clause(kind: str, value: str | None) -> sa.ColumnElement[bool]:
    """The condition on ``users`` for "is in this scope"."""
    if kind == "department":
        return User.department == value
    if kind == "country":
        return User.country == value
    if kind == "role" and value != "employee":
        return sa.exists().where(UserRole.user_id == User.id, UserRole.role == value)
    if kind == "group":
        return groups.member_clause(value or "")
    return sa.true()  # everyone (every person holds the employee role)


def member_clause(course: rules.RequiredCourse) -> sa.ColumnElement[bool]:
    """The condition on ``users`` for "is in the audience of ``course``"."""
    return audience_clause(course.audience)


def audience_clause(audience: tuple) -> sa.ColumnElement[bool]:
    """The condition on ``users`` for "is in one of these scopes" (none: everyone)."""
    if audience == rules.EVERYONE:
        return sa.true()
    return sa.or_(*(scope_clause(kind, value) for kind, value in audience))


def required_of(
    user_id: int, required: Sequence[rules.RequiredCourse]
) -> list[rules.RequiredCourse]:
    """The courses of ``required`` required of this person: one statement for all the
    courses with a narrower audience than everyone."""
    narrow = [c for c in required if c.audience != rules.EVERYONE]
    if not narrow:
        return list(required)
    flags = db.session.execute(
        sa.select(
            *(
                sa.exists(sa.select(User.id).where(User.id == user_id, member_clause(c)))
                for c in narrow
            )
        )
    ).one()
    inside = {c.id for c, flag in zip(narrow, flags, strict=True) if flag}
    return [c for c in required if c.audience == rules.EVERYONE or c.id in inside]


def exemptions_of(user_id: int, now: datetime) -> dict[str, datetime]:
    """Course id -> when the person's exemption from it ends, for those running now."""
    rows = db.session.execute(
        sa.select(Exemption.course_id, sa.func.max(Exemption.ends_at))
        .where(Exemption.user_id == user_id, Exemption.ends_at > now)
        .group_by(Exemption.course_id)
    )
    return {course_id: ends_at for course_id, ends_at in rows}


def recertification_anchor(user_id: int, course_id: str) -> tuple[int, int | None] | None:
    """(month, day or None) of the first active requirement of ``course_id`` with a
    calendar recertification whose audience holds the person; None: rolling validity."""
    anchored = db.session.scalars(
        sa.select(AssignmentRule)
        .where(
            AssignmentRule.course_id == course_id,
            AssignmentRule.active,
            AssignmentRule.required,
            AssignmentRule.recertify_month.is_not(None),
        )
        .order_by(AssignmentRule.id)
    ).all()
    for rule in anchored:
        inside = sa.select(User.id).where(
            User.id == user_id, scope_clause(rule.scope_kind, rule.scope_value)
        )
        if db.session.scalar(sa.select(inside.exists())):
            assert rule.recertify_month is not None
            return rule.recertify_month, rule.recertify_day
    return None


@dataclass(frozen=True)
class RuleCounts:
    audience: int  # active people the rule names
    enrolled: int  # of them, enrolled in the course (now or before)
    invited: int  # of them, sent (or about to be sent) an invitation or an assigned notice


def rule_counts(rules_: Sequence[AssignmentRule]) -> dict[int, RuleCounts]:
    """Per rule: how many people it names, how many are enrolled, how many invited or
    told; one counting statement per rule (HR has a handful)."""
    found = {}
    for rule in rules_:
        enrolled = sa.exists().where(
            Enrollment.user_id == User.id, Enrollment.course_id == rule.course_id
        )
        invited = sa.or_(
            sa.exists().where(PasswordLink.user_id == User.id, PasswordLink.kind == "invitation"),
            sa.exists().where(
                AssignmentNotice.user_id == User.id,
                AssignmentNotice.enrollment_id == Enrollment.id,
                Enrollment.course_id == rule.course_id,
            ),
        )
        row = db.session.execute(
            sa.select(
                sa.func.count(),
                sa.func.count(sa.case((enrolled, 1))),
                sa.func.count(sa.case((invited, 1))),
            )
            .select_from(User)
            .where(User.active, scope_clause(rule.scope_kind, rule.scope_value))
        ).one()
        found[rule.id] = RuleCounts(*row)
    return found


def required_of_everyone_unassigned() -> list[str]:
    """Courses their course file requires of everyone that no requirement assigns: nobody
    is enrolled in them until they open their own page (HR should require them)."""
    required = catalog.required_courses()
    named = set(catalog.requirement_audiences())
    return [c.id for c in required if c.id not in named]
