"""What the public verification page (``/verify/<code>``) may say about a certificate.

Only the holder's name, the course, its version and the dates, and one status: valid,
expired, revoked (with the date, never the reason) or superseded. Whether a major version
has superseded the certification past its grace is the clearance rule's answer
(:func:`lms.rules.clearance.evaluate` for this one certification), never a second rule.
"""

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from lms.extensions import db
from lms.models import Certification
from lms.models import CourseVersion
from lms.models import User
from lms.models.certification import CODE_ALPHABET
from lms.models.certification import CODE_GROUP_SIZE
from lms.models.certification import CODE_GROUPS
from lms.queries import catalog
from lms.rules import clearance as rules

VALID, EXPIRED, REVOKED, SUPERSEDED = "valid", "expired", "revoked", "superseded"
_NOT_CODE = re.compile(f"[^{CODE_ALPHABET}]")


@dataclass(frozen=True)
class Verification:
    code: str
    status: str  # VALID, EXPIRED, REVOKED or SUPERSEDED
    name: str
    course_title: str
    version: str
    issued_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


def normalised(typed: str) -> str | None:
    """The stored form (``ABCD-EFGH-…``) of a code as someone typed it (any case, spaces
    or dashes anywhere), or None when it cannot be a code at all."""
    chars = _NOT_CODE.sub("", (typed or "").upper()[:200])
    if len(chars) != CODE_GROUPS * CODE_GROUP_SIZE:
        return None
    size = CODE_GROUP_SIZE
    return "-".join(chars[i : i + size] for i in range(0, len(chars), size))


def verify(typed: str, lang: str, now: datetime) -> Verification | None:
    """The answer for a typed code, or None when no certificate has it."""
    code = normalised(typed)
    if code is None:
        return None
    found = db.session.execute(
        sa.select(Certification, User.name, CourseVersion)
        .join(User, User.id == Certification.user_id)
        .join(CourseVersion, CourseVersion.id == Certification.course_version_id)
        .where(Certification.verification_code == code)
    ).first()
    if found is None:
        return None
    cert, name, version = found
    title = catalog.course_of(version).meta.title(lang)
    return Verification(
        code,
        status(cert, now),
        name,
        title,
        cert.version,
        cert.issued_at,
        cert.expires_at,
        cert.revoked_at if cert.status == "revoked" else None,
    )


def status(cert: Certification, now: datetime) -> str:
    """Revoked; superseded (a newer certification for the course is held, or a newer major
    version's recertification deadline has passed); expired; else valid."""
    if cert.status == "revoked":
        return REVOKED
    if _newer_held(cert):
        return SUPERSEDED
    fact = rules.CertificationFact(
        cert.course_id, cert.major, cert.minor, cert.issued_at, cert.expires_at, cert.status
    )
    answer = rules.evaluate([course_rule(cert.course_id)], [fact], active=True, now=now)
    return {
        rules.CLEARED: VALID,
        rules.GRACE: VALID,
        rules.SUPERSEDED: SUPERSEDED,
    }.get(answer.courses[0].status, EXPIRED)


def course_rule(course_id: str) -> rules.RequiredCourse:
    """The course as the clearance rule reads it (current version, recertification
    deadlines: as :func:`lms.queries.catalog.required_courses` builds it), whether or not
    it is required."""
    rows = db.session.execute(
        sa.select(CourseVersion.major, CourseVersion.minor, CourseVersion.recertify_by)
        .where(CourseVersion.course_id == course_id)
        .order_by(CourseVersion.major, CourseVersion.minor)
    ).all()
    deadlines: dict[int, datetime] = {}
    for major, _minor, recertify_by in rows:
        if recertify_by is not None:
            deadlines.setdefault(major, recertify_by)
    major, minor, _ = rows[-1]
    return rules.RequiredCourse(course_id, major, minor, deadlines)


def _newer_held(cert: Certification) -> bool:
    """The same person holds a later, unrevoked certification for the same course."""
    return (
        db.session.scalar(
            sa.select(Certification.id)
            .where(
                Certification.user_id == cert.user_id,
                Certification.course_id == cert.course_id,
                Certification.status == "active",
                Certification.issued_at > cert.issued_at,
            )
            .limit(1)
        )
        is not None
    )
