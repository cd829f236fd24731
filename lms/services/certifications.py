"""Changing an issued certification: HR revoking one, with the reason on record."""

from typing import cast

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.extensions import db
from lms.models import Certification
from lms.models import User
from lms.models import utcnow
from lms.models.types import iso
from lms.services import Refused
from lms.services import audit
from lms.services import clearance
from lms.services import events

#: A reason is kept whole in the audit trail: long enough for a sentence or two.
MAX_REASON = 1000


def revoke(certification: Certification, by: User, reason: str) -> Certification:
    """Operation: revoke ``certification`` because of ``reason`` (said by ``by``, HR or an
    admin), refresh its holder's clearance at once, record the audit event (who and why)
    and the ``certification.revoked`` domain event, and commit.

    Refused, changing nothing, when the reason is empty or too long, or when the
    certification was already revoked (also by someone else a moment earlier: the change
    is one conditional UPDATE, so two revocations count once).
    """
    reason = (reason or "").strip()
    if not reason:
        raise Refused(_l("Say why the certification is revoked."))
    if len(reason) > MAX_REASON:
        raise Refused(_l("Keep the reason under %(count)d characters.", count=MAX_REASON))
    if certification.status == "revoked":
        raise Refused(_l("This certification was already revoked."))
    now = utcnow()
    changed = db.session.execute(
        sa.update(Certification)
        .where(Certification.id == certification.id, Certification.status == "active")
        .values(status="revoked", revoked_at=now, revoked_by_id=by.id, revoke_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if cast(sa.CursorResult, changed).rowcount != 1:
        db.session.rollback()
        raise Refused(_l("This certification was already revoked."))
    db.session.refresh(certification)
    holder = db.session.get_one(User, certification.user_id)
    audit.record(
        "certification.revoked",
        actor=by,
        subject=holder,
        course_id=certification.course_id,
        before={"status": "active"},
        after={
            "certification_id": certification.id,
            "version": certification.version,
            "status": "revoked",
            "reason": reason,
            "revoked_at": iso(now),
        },
    )
    events.record(
        "certification.revoked",
        user_id=holder.id,
        course_id=certification.course_id,
        at=now,
        payload={
            "certification_id": certification.id,
            "version": certification.version,
            "reason": reason,
        },
    )
    clearance.refresh(holder, now)
    db.session.commit()
    return certification
