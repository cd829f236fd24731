"""The written attestation: a learner affirms the policy, and only then is certified."""

import ipaddress
from datetime import datetime
from typing import cast

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms import services
from lms.extensions import db
from lms.models import Attestation
from lms.models import CourseVersion
from lms.models import Enrollment
from lms.models import QuizAttempt
from lms.models import User
from lms.models import utcnow
from lms.models.types import iso
from lms.queries import attestations
from lms.rules import attestation as rules
from lms.services import audit
from lms.services import quiz

#: The longest name the form takes (the accounts' names are at most this long too).
MAX_NAME = 200


class Refused(services.Refused):
    """The attestation was refused; ``field`` names the form field at fault, if one is."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field


def attest(
    user: User,
    attempt: QuizAttempt,
    *,
    lang: str,
    typed_name: str,
    affirmed: bool,
    ip_address: str | None,
    now: datetime | None = None,
) -> Attestation:
    """Record that ``user`` affirmed the statement of ``attempt``'s course version in
    ``lang`` and signed with ``typed_name``; issue the certification the pass earned
    (clearance and events as after any pass); commit.

    The statement stored is the one the page showed: rebuilt here from the version the
    attempt was taken on, in ``lang`` (else the source language), never taken from the form.

    :raise Refused: not the user's attempt, nothing awaiting affirmation (not passed,
        already affirmed, lapsed), the box not ticked, or a name that is not theirs.
    """
    now = now or utcnow()
    _check(user, attempt, typed_name, affirmed, now)
    version = db.session.get_one(CourseVersion, attempt.course_version_id)
    shown = attestations.statement(attempt, lang)
    # The enrolment closes once: a second tab (or a double click) finds it closed.
    closed = db.session.execute(
        sa.update(Enrollment)
        .where(Enrollment.id == attempt.enrollment_id, Enrollment.completed_at.is_(None))
        .values(completed_at=now)
    )
    if cast(sa.CursorResult, closed).rowcount != 1:
        db.session.rollback()
        raise Refused(_l("This pass was already affirmed."))
    certification = quiz.certify(user, attempt, quiz.course_for(attempt), now)
    record = Attestation(
        certification_id=certification.id,
        attempt_id=attempt.id,
        user_id=user.id,
        course_id=attempt.course_id,
        course_version_id=version.id,
        version=version.version,
        content_hash=version.content_hash,
        lang=shown.lang,
        statement=shown.text,
        typed_name=typed_name.strip(),
        ip_address=_address(ip_address),
        attested_at=now,
    )
    db.session.add(record)
    db.session.flush()
    audit.record(
        "certification.attested",
        actor=user,
        subject=user,
        course_id=attempt.course_id,
        after=evidence(record),
    )
    db.session.commit()
    return record


def evidence(record: Attestation) -> dict:
    """The attestation as the audit trail keeps it."""
    return {
        "certification_id": record.certification_id,
        "attempt_id": record.attempt_id,
        "version": record.version,
        "content_hash": record.content_hash,
        "lang": record.lang,
        "statement": record.statement,
        # The typed name and the address stay in the attestation row, which erasure can
        # pseudonymise: the audit trail points at it.
        "attestation_id": record.id,
        "attested_at": iso(record.attested_at),
    }


def _address(value: str | None) -> str | None:
    """The client's address as stored: canonical when it is one, else (a proxy's header
    can say anything) its first 45 characters, the longest an IPv6 address can be."""
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return value[:45]


def _check(user: User, attempt: QuizAttempt, typed_name: str, affirmed: bool, now) -> None:
    if attempt.user_id != user.id:
        raise Refused(_l("This attempt is not yours."))
    state = attestations.state(attempt, now)
    if state == "certified":
        raise Refused(_l("This pass was already affirmed."))
    if state == "lapsed":
        raise Refused(
            _l("This pass can no longer be affirmed. Take the quiz again to be certified.")
        )
    if state != "awaiting":
        raise Refused(_l("Only a passed attempt can be affirmed."))
    if not affirmed:
        raise Refused(_l("Tick the box to affirm the statement."), "affirm")
    if len(typed_name) > MAX_NAME or not rules.same_name(typed_name, user.name):
        raise Refused(
            _l(
                "The name you typed is not the name on your account. Type it as shown: %(name)s.",
                name=user.name,
            ),
            "name",
        )
