"""HR acting on people: assign a course, extend a due date, resend the invitation.

One person from their page (the ``*_one`` operations: refuse with a reason, or write and
commit), or everyone a directory search finds (:func:`run_bulk`, the ``people_bulk`` job:
a batch per transaction). Each write compares before it writes, so a job run twice changes
nothing the second time, and records an audit event with the actor and the values before
and after (ids and dates only, no names or emails); a bulk one names its job. The person's
clearance is refreshed in the same transaction, so the API answers the new state at once.
"""

from collections.abc import Callable
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.extensions import db
from lms.models import Enrollment
from lms.models import User
from lms.models import utcnow
from lms.models.types import iso
from lms.queries import catalog
from lms.queries import directory
from lms.queries import reporting
from lms.services import Refused
from lms.services import audit
from lms.services import clearance
from lms.services import password_links

ACTIONS = ("assign", "extend", "resend")
BATCH = 500


def due_at(day: date) -> datetime:
    """A due date is the end of its day (UTC), as assignment rules give it."""
    return datetime.combine(day, time(23, 59, 59), UTC)


def check(action: str, course_id: str | None, day: date | None, now: datetime) -> None:
    """Refuse what no person could take: an unknown action or course, a missing or past date.

    :raise Refused: with the reason.
    """
    if action not in ACTIONS:
        raise Refused(_l("Choose an action."))
    if action == "resend":
        return
    if course_id not in {v.course_id for v in catalog.current_versions()}:
        raise Refused(_l("Choose a published course."))
    if day is None:
        raise Refused(_l("Give the due date."))
    if due_at(day) < now:
        raise Refused(_l("The due date has passed: choose today or a later day."))


def _note(job_id: int | None) -> dict:
    return {"bulk_job": job_id} if job_id is not None else {}


def _open(person: User, course_id: str) -> Enrollment | None:
    return db.session.scalar(
        sa.select(Enrollment).where(
            Enrollment.user_id == person.id,
            Enrollment.course_id == course_id,
            Enrollment.completed_at.is_(None),
        )
    )


def assign(
    person: User, course_id: str, due: datetime, actor: User, now: datetime, job_id=None
) -> bool:
    """Step: enrol ``person`` in ``course_id`` due at ``due``, unless an enrolment is open
    already (then nothing: False)."""
    if _open(person, course_id) is not None:
        return False
    enrollment = Enrollment(
        user_id=person.id, course_id=course_id, reason="assigned", assigned_at=now, due_at=due
    )
    db.session.add(enrollment)
    db.session.flush()
    audit.record(
        "enrollment.assigned",
        actor=actor,
        subject=person,
        course_id=course_id,
        before=None,
        after={"enrollment_id": enrollment.id, "due_at": iso(due)} | _note(job_id),
    )
    clearance.refresh(person, now)
    return True


def extend(
    person: User, course_id: str, due: datetime, actor: User, now: datetime, job_id=None
) -> bool:
    """Step: move the due date of the open enrolment in ``course_id`` to ``due``; nothing
    (False) without one, or when it is due then or later already."""
    enrollment = _open(person, course_id)
    if enrollment is None or (enrollment.due_at is not None and enrollment.due_at >= due):
        return False
    before = enrollment.due_at
    enrollment.due_at = due
    audit.record(
        "enrollment.due_changed",
        actor=actor,
        subject=person,
        course_id=course_id,
        before={"enrollment_id": enrollment.id, "due_at": iso(before)},
        after={"enrollment_id": enrollment.id, "due_at": iso(due)} | _note(job_id),
    )
    clearance.refresh(person, now)
    return True


def resend(person: User, actor: User, now: datetime, job_id=None) -> bool:
    """Step: a new invitation for someone who can take one and has none waiting to go
    (False: nothing to do)."""
    try:
        password_links.check_invitable(person)
    except Refused:
        return False
    return password_links.invite_again(person, actor, note=_note(job_id), reuse=False) is not None


# --- One person (their page) ----------------------------------------------------------


def assign_one(person: User, course_id: str, day: date | None, actor: User) -> None:
    """Operation: :func:`assign`; commit.

    :raise Refused: a bad course or date, or an enrolment in the course is open already.
    """
    now = utcnow()
    check("assign", course_id, day, now)
    assert day is not None
    if not assign(person, course_id, due_at(day), actor, now):
        raise Refused(_l("This person is enrolled in that course already: extend its due date."))
    db.session.commit()


def extend_one(person: User, course_id: str, day: date | None, actor: User) -> None:
    """Operation: :func:`extend`; commit.

    :raise Refused: a bad course or date, no open enrolment, or not a later date.
    """
    now = utcnow()
    check("extend", course_id, day, now)
    assert day is not None
    if _open(person, course_id) is None:
        raise Refused(_l("This person has no open enrolment in that course."))
    if not extend(person, course_id, due_at(day), actor, now):
        raise Refused(_l("Choose a date later than the current due date."))
    db.session.commit()


# --- Everyone a search finds (the people_bulk job) -----------------------------------


def run_bulk(
    params: dict, actor: User, job_id: int, progress: Callable[[str, int, int], None]
) -> tuple[dict, int, int]:
    """Operation per batch: re-evaluate the stored search in the actor's scope now, then
    apply the action to each person found, :data:`BATCH` people per commit, in id order.

    :return: ({"changed", "unchanged"}, people processed, people found).
    :raise Refused: the action or its course or date no longer make sense.
    """
    now = utcnow()
    action, course_id = params["action"], params.get("course_id")
    day = date.fromisoformat(params["due"]) if params.get("due") else None
    act: Callable[[User], bool]
    if action == "resend":
        act = lambda person: resend(person, actor, now, job_id)  # noqa: E731
    else:  # a date that passed since the job was asked is still taken
        check(action, course_id, day, datetime.combine(date.min, time(), UTC))
        assert course_id is not None and day is not None, "check() refuses them"
        write, course, due = (assign if action == "assign" else extend), course_id, due_at(day)
        act = lambda person: write(person, course, due, actor, now, job_id)  # noqa: E731
    filters = directory.DirectoryFilters.from_params(params["filters"])
    scope = reporting.scope_for(actor)
    found = directory.matching_ids(scope, filters, now)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(found.subquery())) or 0
    changed = done = last = 0
    progress("acting", 0, total)
    while True:
        ids = db.session.scalars(found.where(User.id > last).order_by(User.id).limit(BATCH)).all()
        if not ids:
            break
        people = db.session.scalars(sa.select(User).where(User.id.in_(ids)).order_by(User.id))
        changed += sum(act(person) for person in people)
        db.session.commit()
        done, last = done + len(ids), ids[-1]
        progress("acting", done, total)
    return {"action": action, "changed": changed, "unchanged": done - changed}, done, total
