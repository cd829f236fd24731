"""Keeping each person's clearance current, and reading it."""

from collections.abc import Iterable
from datetime import datetime
from functools import cache

import sqlalchemy as sa

from lms.extensions import db
from lms.models import Certification
from lms.models import Clearance
from lms.models import User
from lms.models import utcnow
from lms.models.types import iso
from lms.queries import audiences
from lms.queries import catalog
from lms.queries import clearances
from lms.queries.clearances import StoredAnswer
from lms.rules import clearance as rules
from lms.services import audit
from lms.services import clearance_everyone
from lms.services import events
from lms.services import person_status


def evaluate(user: User, now: datetime, required=None) -> rules.ClearanceResult:
    # In id order: among equally good certifications the rule keeps the first, and the
    # set-based recompute (clearance_everyone) breaks ties by id the same way.
    certs = db.session.scalars(
        sa.select(Certification).where(Certification.user_id == user.id).order_by(Certification.id)
    )
    facts = [
        rules.CertificationFact(c.course_id, c.major, c.minor, c.issued_at, c.expires_at, c.status)
        for c in certs
    ]
    if required is None:
        required = catalog.required_courses()
    mine = audiences.required_of(user.id, required)
    exempt = audiences.exemptions_of(user.id, now) if mine else {}
    return rules.evaluate(mine, facts, active=user.active, now=now, exempt_until=exempt)


def refresh(
    user: User,
    now: datetime | None = None,
    required=None,
    *,
    announce_expiries: bool = False,
    statuses: bool = True,
) -> Clearance:
    """Step: recompute ``user``'s clearance into the clearance table, in the caller's
    transaction, recording an audit event and a ``clearance.changed`` domain event when
    the answer changes. ``announce_expiries`` (the lapse sweep, which finds what time
    alone changed) also records ``certification.expired`` for each validity that ran out.
    The person's stored course statuses (:mod:`person_status`) are refreshed too, unless
    ``statuses`` is False (a caller refreshing many people does them together)."""
    now = now or utcnow()
    if required is None:
        required = catalog.required_courses()
    if statuses:
        person_status.refresh([user.id], required)
    result = evaluate(user, now, required)
    row = db.session.get(Clearance, user.id)
    before = _summary(row) if row else None
    stored = _answer(row) if row else None
    valid_before = _valid_courses(row.courses) if row and announce_expiries else {}
    if row is None:
        row = Clearance(user_id=user.id)
        db.session.add(row)
    row.cleared = result.cleared
    row.valid_until = result.valid_until
    row.reasons = [_reason_json(r) for r in result.reasons]
    row.courses = [_course_json(s) for s in result.courses]
    row.computed_at = now
    if _answer(row) != stored:
        row.change_seq = None  # the changes feed numbers it once it committed (clearance_feed)
    _announce_expiries(user, valid_before, result.courses, now)
    after = _summary(row)
    # A first computation that finds "not cleared" changes nothing anyone relied on.
    if before != after and (before is not None or row.cleared):
        audit.record("clearance.changed", subject=user, before=before, after=after)
        events.record(
            "clearance.changed",
            user_id=user.id,
            at=now,
            payload={"before": before, "after": after},
        )
    return row


def refresh_everyone(now: datetime | None = None) -> int:
    """Step: recompute every person's clearance (after a required course changed), in the
    caller's transaction, with a few set-based statements (no loop per person, nothing
    loaded into Python); audit and ``clearance.changed`` events for exactly the people
    whose answer changed, as :func:`refresh` records them. Returns the number of people."""
    now = now or utcnow()
    db.session.flush()  # the statements read the tables: pending changes first
    count = clearance_everyone.recompute(now)
    person_status.refresh_everyone()
    # Rows already loaded in this session hold the answers from before.
    db.session.expire_all()
    return count


def recompute_everyone() -> int:
    """Operation: :func:`refresh_everyone` now, and commit (the nightly job)."""
    count = refresh_everyone()
    db.session.commit()
    return count


def current(user: User, now: datetime | None = None) -> Clearance:
    """Operation: the clearance as of now. One read; when the stored answer may have lapsed
    by itself (its ``valid_until`` has passed) or was never computed, it is recomputed
    (with its audit and domain events) and committed."""
    now = now or utcnow()
    row = db.session.get(Clearance, user.id)
    if row is None or (row.valid_until is not None and row.valid_until <= now):
        row = refresh(user, now)
        db.session.commit()
    return row


@cache  # built once per column: constructing it cost about as much as running it
def _lookup_statement(column: str) -> sa.Select:
    return (
        sa.select(User.id, User.employee_id, Clearance)
        .outerjoin(Clearance, Clearance.user_id == User.id)
        .where(getattr(User, column) == sa.bindparam("identifier"))
    )


def lookup(identifier: str, now: datetime | None = None) -> tuple[str, Clearance] | None:
    """(employee id, current clearance) for an employee id or email, or None if unknown.

    The API's hot path: one joined read of the person and their stored clearance; the
    person is loaded in full only when the stored answer must be recomputed.
    """
    now = now or utcnow()
    column, value = User.identifier_key(identifier)
    found = db.session.execute(_lookup_statement(column), {"identifier": value}).first()
    if found is None:
        return None
    user_id, employee_id, row = found
    if row is None or (row.valid_until is not None and row.valid_until <= now):
        row = current(db.session.get_one(User, user_id), now)
    return employee_id, row


def lookup_many(identifiers: Iterable[str], now: datetime | None = None) -> dict[str, StoredAnswer]:
    """Operation: the current answers of the people these employee ids or emails name,
    keyed by each identifier as given (unknown ones are not among the keys).

    The API's batch: one statement reads every person and stored answer. Answers that may
    have lapsed by themselves since the daily run, or were never computed, are recomputed
    (with their audit and domain events, committed) and read again, as :func:`lookup` does.
    """
    now = now or utcnow()
    keys = {identifier: User.identifier_key(identifier) for identifier in identifiers}
    employee_ids = sorted({value for column, value in keys.values() if column == "employee_id"})
    emails = sorted({value for column, value in keys.values() if column == "email"})
    rows = clearances.by_identifiers(employee_ids, emails, now)
    outdated = [row for row in rows if row.outdated]
    if outdated:
        rows = [row for row in rows if not row.outdated] + _recomputed(outdated, now)
    found: dict[tuple[str, str], StoredAnswer] = {}
    for row in rows:
        found["employee_id", row.employee_id] = found["email", row.email] = row
    return {identifier: found[key] for identifier, key in keys.items() if key in found}


def _recomputed(rows: list[StoredAnswer], now: datetime) -> list[StoredAnswer]:
    required = catalog.required_courses()
    for user in db.session.scalars(sa.select(User).where(User.id.in_([r.user_id for r in rows]))):
        refresh(user, now, required)
    db.session.commit()
    return clearances.by_identifiers([row.employee_id for row in rows], [], now)


def _answer(row: Clearance) -> tuple:
    """Everything the API answers from the row but when it was computed: a change of any
    of it puts the person in the changes feed again."""
    return (row.cleared, row.valid_until, row.reasons, row.courses)


def _summary(row: Clearance) -> dict:
    return {
        "cleared": row.cleared,
        "valid_until": iso(row.valid_until),
        "reasons": [r["code"] for r in row.reasons],
    }


def _reason_json(reason: rules.Reason) -> dict:
    return {"code": reason.code, "course_id": reason.course_id, "until": iso(reason.until)}


def _valid_courses(courses: list) -> dict[str, dict]:
    return {c["course_id"]: c for c in courses or () if c["status"] in ("cleared", "grace")}


def _announce_expiries(user: User, valid_before: dict, now_statuses, now: datetime) -> None:
    """A ``certification.expired`` event for each course whose certification was valid at
    the last computation and has now run out (not one replaced by a newer version)."""
    for status in now_statuses:
        was = valid_before.get(status.course_id)
        if was is not None and status.status == "expired":
            events.record(
                "certification.expired",
                user_id=user.id,
                course_id=status.course_id,
                at=now,
                payload={
                    "version": was["certified_version"],
                    "expired_at": was["valid_until"],
                },
            )


def _course_json(status: rules.CourseStatus) -> dict:
    return {
        "course_id": status.course_id,
        "status": status.status,
        "valid_until": iso(status.valid_until),
        "certified_version": status.certified_version,
        "current_version": status.current_version,
    }
