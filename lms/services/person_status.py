"""Keeping :class:`~lms.models.PersonCourseStatus` (each person × required course) current.

One statement decides the rows from the certifications and open enrolments, for a few
people (:func:`refresh`, called by every write that changes a certification, an open
enrolment or a clearance) or for everyone (:func:`refresh_everyone`, when a required
course changes and in the nightly recompute). It is the same SQL either way, only
narrowed to some people, so the two cannot disagree; nothing is loaded into Python.

Only dates are stored (see the model), so time passing needs no write and no sweep: a
due date or an expiry that passes is read as such by the next report, at that instant.
"""

from collections.abc import Iterable
from collections.abc import Sequence

import sqlalchemy as sa

from lms.extensions import db
from lms.models import Certification
from lms.models import Course
from lms.models import Enrollment
from lms.models import PersonCourseStatus
from lms.models import User
from lms.models.person_status import PERSON_COLUMNS
from lms.models.types import UTCDateTime
from lms.queries import catalog
from lms.rules import clearance as rules

CHUNK = 500
COLUMNS = (
    "user_id",
    "course_id",
    "valid_until",
    "certified_major",
    "certified_minor",
    "certified_at",
    "certified_expires_at",
    "first_certified_at",
    "due_at",
)


def refresh(
    user_ids: Iterable[int], required: Sequence[rules.RequiredCourse] | None = None
) -> None:
    """Step: recompute the stored statuses of these people, in the caller's transaction."""
    ids = sorted(set(user_ids))
    if not ids:
        return
    if required is None:
        required = catalog.required_courses()
    db.session.flush()  # the statement reads certifications and enrolments: pending first
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        db.session.execute(
            sa.delete(PersonCourseStatus).where(PersonCourseStatus.user_id.in_(chunk))
        )
        db.session.execute(insert_statement(required, chunk))


def refresh_everyone(required: Sequence[rules.RequiredCourse] | None = None) -> int:
    """Step: recompute everyone's stored statuses (rows of courses no longer required go),
    in the caller's transaction, with one DELETE and one INSERT … SELECT. Returns the
    number of rows."""
    if required is None:
        required = catalog.required_courses()
    db.session.flush()
    db.session.execute(sa.delete(PersonCourseStatus))
    db.session.execute(insert_statement(required, None))
    return db.session.scalar(sa.select(sa.func.count()).select_from(PersonCourseStatus)) or 0


def insert_statement(
    required: Sequence[rules.RequiredCourse], user_ids: list[int] | None, people: bool = True
) -> sa.Insert:
    """INSERT … SELECT of the rows of ``user_ids`` (everyone: None); also the migrations'
    backfill (``people=False``: without the person's columns, for the schema before they
    were added).

    Two parts: people with a certification in the course, driven from their best one
    (never an outer join from every person to a ranked subquery, which SQLite without
    statistics answers by scanning the subquery once per person), and everyone else.
    """
    ids = [c.id for c in required]
    person = [getattr(User, name) for name in PERSON_COLUMNS] if people else []
    best = _best_certifications(required, user_ids)
    active = best.c.is_active.is_(True)

    def if_active(column):
        return sa.case((active, column), else_=sa.null())

    def open_enrollment(user_id, course_id):
        return (
            (Enrollment.user_id == user_id)
            & (Enrollment.course_id == course_id)
            & Enrollment.completed_at.is_(None)
        )

    certified = (
        sa.select(
            best.c.user_id,
            best.c.course_id,
            if_active(best.c.until),
            if_active(best.c.major),
            if_active(best.c.minor),
            if_active(best.c.issued_at),
            if_active(best.c.expires_at),
            best.c.first_at,
            Enrollment.due_at,
            *person,
        )
        .select_from(best)
        .join(User, User.id == best.c.user_id)
        .outerjoin(Enrollment, open_enrollment(best.c.user_id, best.c.course_id))
    )
    never = (
        sa.select(
            User.id,
            Course.id,
            *[sa.null()] * 6,
            Enrollment.due_at,
            *person,
        )
        .select_from(User)
        .join(Course, Course.id.in_(ids))
        .outerjoin(Enrollment, open_enrollment(User.id, Course.id))
        .where(
            ~sa.exists().where(
                Certification.user_id == User.id, Certification.course_id == Course.id
            )
        )
    )
    if user_ids is not None:
        never = never.where(User.id.in_(user_ids))
    columns = [*COLUMNS, *(PERSON_COLUMNS if people else ())]
    return sa.insert(PersonCourseStatus).from_select(
        columns, sa.union_all(certified, never), include_defaults=False
    )


def _best_certifications(required: Sequence[rules.RequiredCourse], user_ids: list[int] | None):
    """Per person and required course, the certification that counts longest (an active
    one before any revoked one; then the latest ``until``; then the newest), with the
    person's first issue date in the course."""
    cert = Certification
    until = _until(required)
    active_first = sa.case((cert.status == "active", 0), else_=1)
    key = (cert.user_id, cert.course_id)
    ranked = sa.select(
        cert.user_id,
        cert.course_id,
        cert.major,
        cert.minor,
        cert.issued_at,
        cert.expires_at,
        (cert.status == "active").label("is_active"),
        until.label("until"),
        sa.func.row_number()
        .over(partition_by=key, order_by=(active_first, until.desc(), cert.id.desc()))
        .label("place"),
        sa.func.min(cert.issued_at).over(partition_by=key).label("first_at"),
    ).where(cert.course_id.in_([c.id for c in required]))
    if user_ids is not None:
        ranked = ranked.where(cert.user_id.in_(user_ids))
    ranked_sq = ranked.subquery("ranked")
    return sa.select(ranked_sq).where(ranked_sq.c.place == 1).subquery("best")


def _until(required: Sequence[rules.RequiredCourse]) -> sa.ColumnElement:
    """When a certification stops counting: its expiry, or the recertification deadline of
    its major version (:meth:`RequiredCourse.deadline_for`) if that comes first."""
    cert = Certification
    cases = []
    for course in required:
        # deadline_for(m) only changes at the majors that set a deadline: below each such
        # major (the first that applies), it is the rule's deadline for the major under it.
        for major in sorted(course.recertify_by):
            deadline = course.deadline_for(major - 1)
            if deadline is not None:
                cases.append(
                    (
                        (cert.course_id == course.id) & (cert.major < major),
                        sa.literal(deadline, UTCDateTime()),
                    )
                )
    if not cases:
        return cert.expires_at.expression
    due = sa.case(*cases, else_=sa.null())
    return sa.case(
        (due.is_not(None) & (due < cert.expires_at), due),
        else_=cert.expires_at,
    )
