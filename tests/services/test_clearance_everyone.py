"""The set-based recompute of everyone's clearance gives what the per-person rule gives.

Each case generates a company in mixed situations (certified on the current version, on
an older major inside or past its grace period, expired, revoked, not started, inactive,
several required courses, each required of everyone or of an audience (a department,
a country), exemptions running or ended, ties between equally good certifications, stored answers
computed under older rules or none at all), then computes everyone twice from the same
state: once person by person with ``clearance.refresh`` (the rule), rolled back, and
once with ``clearance.refresh_everyone`` (set-based). Stored answers, audit events and
``clearance.changed`` events must be identical, and so must the stored course statuses
(``person_course_status``, which both keep current), which must also say what the rule
says of each person's course.
"""

import random
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.models import AssignmentRule
from lms.models import AuditEvent
from lms.models import Certification
from lms.models import Clearance
from lms.models import Course
from lms.models import CourseVersion
from lms.models import Enrollment
from lms.models import Exemption
from lms.models import OutboxEvent
from lms.models import PersonCourseStatus
from lms.models import User
from lms.queries import catalog
from lms.rules import clearance as rules
from lms.services import clearance

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
COURSES = ["eq-alpha", "eq-beta", "eq-gamma"]


def instant(rng: random.Random, around: datetime, days: int) -> datetime:
    """A moment within ``days`` of ``around``: often whole days (no microseconds, and
    ties), sometimes exactly ``around``, sometimes with microseconds."""
    roll = rng.random()
    if roll < 0.1:
        return around
    offset = timedelta(days=rng.randint(-days, days))
    if roll < 0.6:
        return around + offset
    return around + offset + timedelta(microseconds=rng.randint(1, 999_999))


def add_versions(rng: random.Random, course_id: str, final: bool) -> None:
    """A version history: 1.0, maybe minors, maybe later majors with recertification
    deadlines before or after NOW; ``final`` adds the newest version (published "now")."""
    if db.session.get(Course, course_id) is None:
        db.session.add(Course(id=course_id))
    history = [(1, 0)]
    for _ in range(rng.randint(0, 3)):
        major, minor = history[-1]
        history.append((major + 1, 0) if rng.random() < 0.6 else (major, minor + 1))
    if final:
        major, minor = history[-1]
        history.append((major + 1, 0) if rng.random() < 0.7 else (major, minor + 1))
    existing = {
        (v.major, v.minor)
        for v in db.session.scalars(
            sa.select(CourseVersion).where(CourseVersion.course_id == course_id)
        )
    }
    required = rng.random() < 0.85
    previous = None
    for major, minor in history:
        if (major, minor) not in existing:
            new_major = previous is not None and major > previous[0]
            db.session.add(
                CourseVersion(
                    course_id=course_id,
                    major=major,
                    minor=minor,
                    content_hash=f"{course_id}-{major}.{minor}",
                    # The last version decides; an optional course is sometimes required.
                    required=required if (major, minor) == history[-1] else rng.random() < 0.8,
                    payload={},
                    published_at=NOW,
                    recertify_by=instant(rng, NOW, 40) if new_major else None,
                )
            )
        previous = (major, minor)
    db.session.flush()


def add_people(rng: random.Random, count: int) -> list[User]:
    people = []
    for n in range(count):
        person = User(
            employee_id=f"EQ{n:04d}",
            email=f"eq{n}@example.com",
            name=f"Equal {n}",
            active=rng.random() < 0.85,
            department=rng.choice(["Sales", "Sales", "Marketing", None]),
            country=rng.choice(["DE", "FR", None]),
        )
        db.session.add(person)
        people.append(person)
    db.session.flush()
    for person in people:
        for _ in range(rng.choice([0, 0, 1, 1, 1, 2, 2, 3, 4])):
            add_certification(rng, person)
    db.session.flush()
    return people


def add_certification(rng: random.Random, person: User) -> None:
    course_id = rng.choice(COURSES)
    versions = list(
        db.session.scalars(sa.select(CourseVersion).where(CourseVersion.course_id == course_id))
    )
    version = rng.choice(versions)
    # A few fixed dates, so equally good (or equally recent) certifications tie.
    issued = rng.choice([NOW - 100 * DAY, NOW - 300 * DAY, instant(rng, NOW - 200 * DAY, 150)])
    expires = rng.choice([NOW + 30 * DAY, NOW + 365 * DAY, NOW, NOW - DAY, None])
    db.session.add(
        Certification(
            user_id=person.id,
            course_id=course_id,
            course_version_id=version.id,
            major=version.major,
            minor=version.minor,
            issued_at=issued,
            expires_at=expires or instant(rng, NOW, 400),
            status="revoked" if rng.random() < 0.15 else "active",
        )
    )


def add_enrollments(rng: random.Random, people: list[User]) -> None:
    """Open enrolments (some without a due date) and completed ones, which do not count."""
    for person in people:
        for course_id in COURSES:
            if rng.random() < 0.4:
                db.session.add(
                    Enrollment(
                        user_id=person.id,
                        course_id=course_id,
                        reason="required",
                        assigned_at=NOW - 60 * DAY,
                        due_at=rng.choice([None, instant(rng, NOW, 30)]),
                        completed_at=rng.choice([None, None, NOW - 10 * DAY]),
                    )
                )
    db.session.flush()


def build_company(seed: int) -> datetime:
    """People, certifications, versions and stored answers from older rules; returns the
    moment to recompute at."""
    rng = random.Random(seed)
    db.session.execute(sa.update(CourseVersion).values(required=False))  # the test content's
    for course_id in COURSES:
        add_versions(rng, course_id, final=False)
    people = add_people(rng, 100)
    required = catalog.required_courses()
    for person in people:  # answers stored under the old versions, for most people
        if rng.random() < 0.75:
            clearance.refresh(person, instant(rng, NOW - 20 * DAY, 15), required)
    for course_id in COURSES:
        add_versions(rng, course_id, final=rng.random() < 0.8)
    add_audiences(rng)
    add_exemptions(rng, people)
    add_enrollments(random.Random(seed + 1000), people)
    return NOW + timedelta(microseconds=rng.choice([0, 123456]))


def add_audiences(rng: random.Random) -> None:
    """Requirements naming who must pass some courses: a department, a country, both,
    everyone, or none (the course file's "required": everyone); some stopped."""
    scopes = [
        ("department", "Sales"),
        ("country", "DE"),
        ("department", "Marketing"),
        ("all", None),
    ]
    for course_id in COURSES:
        for kind, value in rng.sample(scopes, rng.choice([0, 1, 1, 2])):
            db.session.add(
                AssignmentRule(
                    course_id=course_id,
                    scope_kind=kind,
                    scope_value=value,
                    due_kind="after_assignment",
                    due_days=30,
                    required=True,
                    active=rng.random() < 0.85,
                    created_at=NOW - DAY,
                )
            )
    db.session.flush()


def add_exemptions(rng: random.Random, people: list[User]) -> None:
    """Exemptions running past now, ended, or ending exactly now; sometimes two."""
    for person in rng.sample(people, 30):
        for _ in range(rng.choice([1, 1, 2])):
            db.session.add(
                Exemption(
                    user_id=person.id,
                    course_id=rng.choice(COURSES),
                    reason="On leave",
                    ends_at=rng.choice([NOW + 10 * DAY, NOW - DAY, NOW, instant(rng, NOW, 60)]),
                    created_at=NOW - DAY,
                )
            )
    db.session.flush()


def outcome(since_audit: int, since_event: int) -> dict:
    """Everything a recompute writes, as plain values."""
    db.session.expire_all()
    return {
        "answers": {
            row.user_id: (
                row.cleared,
                row.valid_until,
                row.reasons,
                row.courses,
                row.computed_at,
            )
            for row in db.session.scalars(sa.select(Clearance).order_by(Clearance.user_id))
        },
        "statuses": [
            tuple(getattr(row, c) for c in STATUS_COLUMNS)
            for row in db.session.scalars(
                sa.select(PersonCourseStatus).order_by(
                    PersonCourseStatus.user_id, PersonCourseStatus.course_id
                )
            )
        ],
        "audit": [
            (e.action, e.actor_id, e.subject_user_id, e.course_id, e.before, e.after)
            for e in db.session.scalars(
                sa.select(AuditEvent).where(AuditEvent.id > since_audit).order_by(AuditEvent.id)
            )
        ],
        "events": [
            (e.kind, e.user_id, e.course_id, e.occurred_at, e.payload)
            for e in db.session.scalars(
                sa.select(OutboxEvent).where(OutboxEvent.id > since_event).order_by(OutboxEvent.id)
            )
        ],
    }


STATUS_COLUMNS = [c.key for c in PersonCourseStatus.__table__.columns]


def last_ids() -> tuple[int, int]:
    return (
        db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(AuditEvent.id), 0))),
        db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(OutboxEvent.id), 0))),
    )


@pytest.mark.parametrize("seed", range(8))
def test_set_based_recompute_matches_the_rule_person_by_person(app, seed):
    now = build_company(seed)
    db.session.flush()
    marks = last_ids()

    per_person = db.session.begin_nested()
    required = catalog.required_courses()
    for person in db.session.scalars(sa.select(User).order_by(User.id)):
        clearance.refresh(person, now, required)
    db.session.flush()
    expected = outcome(*marks)
    per_person.rollback()

    assert clearance.refresh_everyone(now) == len(expected["answers"])
    got = outcome(*marks)
    assert got["answers"] == expected["answers"]
    assert got["statuses"] == expected["statuses"]
    assert_statuses_follow_the_rule(now)
    assert got["audit"] == expected["audit"]
    assert got["events"] == expected["events"]
    assert expected["events"], "the case changes someone's answer"


def assert_statuses_follow_the_rule(now: datetime) -> None:
    """Each stored course status read at ``now`` says what the rule says: certified (cleared
    or in grace) while ``valid_until`` is ahead; expired or superseded once it has passed;
    never certified or revoked only: no date. ``due_at`` is the open enrolment's."""
    stored = {
        (row.user_id, row.course_id): row
        for row in db.session.scalars(sa.select(PersonCourseStatus))
    }
    required = catalog.required_courses()
    assert len(stored) == len(required) * db.session.scalar(sa.select(sa.func.count(User.id)))
    for person in db.session.scalars(sa.select(User)):
        for status in clearance.evaluate(person, now, required).courses:
            row = stored[person.id, status.course_id]
            if status.ok:
                assert row.valid_until is not None and row.valid_until > now
                assert row.valid_until >= status.valid_until
            elif status.status in (rules.EXPIRED, rules.SUPERSEDED):
                assert row.valid_until is not None and row.valid_until <= now
            elif status.status == rules.EXEMPT:  # not passed: no date, or one gone by
                assert row.valid_until is None or row.valid_until <= now
            else:
                assert row.valid_until is None
            due = db.session.scalar(
                sa.select(Enrollment.due_at).where(
                    Enrollment.user_id == person.id,
                    Enrollment.course_id == status.course_id,
                    Enrollment.completed_at.is_(None),
                )
            )
            assert row.due_at == due


def test_the_cases_cover_every_situation(app):
    """The generated companies hold every status the rule knows, several courses at once
    and people with no stored answer, so the comparison above means something."""
    seen_statuses, seen_codes, several = set(), set(), False
    for seed in range(8):
        savepoint = db.session.begin_nested()
        now = build_company(seed)
        clearance.refresh_everyone(now)
        for row in db.session.scalars(sa.select(Clearance)):
            seen_statuses |= {c["status"] for c in row.courses}
            seen_codes |= {r["code"] for r in row.reasons}
            several |= sum(c["status"] in ("cleared", "grace") for c in row.courses) > 1
        savepoint.rollback()
        db.session.expunge_all()  # the next case reuses the rolled-back ids
    assert seen_statuses >= {
        "cleared",
        "grace",
        "superseded",
        "expired",
        "revoked",
        "not_certified",
        "exempt",
    }
    assert {"inactive", "no_required_courses", "exempt"} <= seen_codes and several


def test_no_required_course_fails_closed_for_everyone(app):
    db.session.execute(sa.update(CourseVersion).values(required=False))
    person = User(employee_id="EQ-NONE", email="none@example.com", name="None", active=False)
    db.session.add(person)
    db.session.flush()
    marks = last_ids()
    clearance.refresh_everyone(NOW)
    row = db.session.get(Clearance, person.id)
    assert row.cleared is False and row.courses == []
    assert [r["code"] for r in row.reasons] == ["inactive", "no_required_courses"]
    assert outcome(*marks)["events"] == []  # a first answer of "not cleared" changes nothing
