"""Exemptions: HR takes one required course off one person until a date, with a reason.

What it means for clearance (:mod:`lms.rules.clearance`): while it runs the course is
not required of them (it does not hold their clearance back, and it is not overdue: an
open enrolment's due date moves past the exemption's end), but it does not clear anyone
by itself; when it ends the course is required again (the daily run's lapse sweep
recomputes the answer). Granting and ending are audited with the actor and reason, and
the person's clearance is recomputed at once.
"""

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.extensions import db
from lms.models import Enrollment
from lms.models import Exemption
from lms.models import User
from lms.models import utcnow
from lms.models.types import iso
from lms.queries import audiences
from lms.queries import catalog
from lms.services import Refused
from lms.services import audit
from lms.services import clearance

MAX_REASON = 500


def grant(
    actor: User, person: User, course_id: str, reason: str, ends_on: date, now=None
) -> Exemption:
    """Operation: exempt ``person`` from ``course_id`` until the end of ``ends_on`` (UTC);
    commit. :raise Refused: the course is not required of them, no reason, a past date."""
    now = now or utcnow()
    reason = (reason or "").strip()
    mine = {c.id for c in audiences.required_of(person.id, catalog.required_courses())}
    if course_id not in mine:
        raise Refused(_l("This course is not required of this person."))
    if not reason:
        raise Refused(_l("Give the reason for the exemption."))
    if len(reason) > MAX_REASON:
        raise Refused(_l("Keep the reason under %(n)d characters.", n=MAX_REASON))
    ends_at = datetime.combine(ends_on, time(23, 59, 59), UTC)
    if ends_at <= now:
        raise Refused(_l("The exemption must end in the future."))
    exemption = Exemption(
        user_id=person.id,
        course_id=course_id,
        reason=reason,
        ends_at=ends_at,
        created_by_id=actor.id,
        created_at=now,
    )
    db.session.add(exemption)
    db.session.flush()
    moved = _move_due_date(person, course_id, ends_at)
    audit.record(
        "exemption.granted",
        actor=actor,
        subject=person,
        course_id=course_id,
        after={"exemption_id": exemption.id, "reason": reason, "ends_at": iso(ends_at)} | moved,
    )
    clearance.refresh(person, now)
    db.session.commit()
    return exemption


def end(actor: User, person: User, exemption_id: int, now=None) -> None:
    """Operation: end a running exemption now; the course is required again; commit."""
    now = now or utcnow()
    exemption = db.session.get(Exemption, exemption_id)
    if exemption is None or exemption.user_id != person.id or exemption.ends_at <= now:
        raise Refused(_l("This exemption is not running."))
    before = {"ends_at": iso(exemption.ends_at)}
    exemption.ends_at = now
    audit.record(
        "exemption.ended",
        actor=actor,
        subject=person,
        course_id=exemption.course_id,
        before=before,
        after={"exemption_id": exemption.id, "ends_at": iso(now)},
    )
    clearance.refresh(person, now)
    db.session.commit()


def _move_due_date(person: User, course_id: str, ends_at: datetime) -> dict:
    """An open enrolment due before the exemption ends is due the course's usual time
    after it instead: nobody is overdue (or reminded) for a course they are exempt from."""
    enrollment = db.session.scalar(
        sa.select(Enrollment).where(
            Enrollment.user_id == person.id,
            Enrollment.course_id == course_id,
            Enrollment.completed_at.is_(None),
        )
    )
    if enrollment is None or enrollment.due_at is None or enrollment.due_at > ends_at:
        return {}
    version = catalog.latest_version(course_id)
    days = catalog.course_of(version).meta.due_days if version else 30
    before = enrollment.due_at
    enrollment.due_at = ends_at + timedelta(days=days)
    return {"due_at_before": iso(before), "due_at": iso(enrollment.due_at)}
