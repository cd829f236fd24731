"""The clearance gate: may this person represent the brand right now?

One function, :func:`evaluate`, decides it from plain facts, and says why.
"""

from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime

# Per-course statuses. CLEARED and GRACE count as cleared.
CLEARED = "cleared"
GRACE = "grace"  # certified on an older major version; must recertify by valid_until
NOT_CERTIFIED = "not_certified"
EXPIRED = "expired"
SUPERSEDED = "superseded"  # an older major version whose grace period has ended
REVOKED = "revoked"


@dataclass(frozen=True)
class RequiredCourse:
    """A course required for clearance, as of its current published version.

    ``recertify_by`` maps each major version that superseded an earlier one to the
    deadline it set for recertification.
    """

    id: str
    major: int
    minor: int
    recertify_by: dict[int, datetime] = field(default_factory=dict)

    def deadline_for(self, certified_major: int) -> datetime | None:
        """When a certification on ``certified_major`` stops counting; None: never."""
        later = [d for m, d in self.recertify_by.items() if m > certified_major]
        return min(later) if later else None


@dataclass(frozen=True)
class CertificationFact:
    course_id: str
    major: int
    minor: int
    issued_at: datetime
    expires_at: datetime
    status: str  # "active" or "revoked"


@dataclass(frozen=True)
class CourseStatus:
    course_id: str
    status: str
    valid_until: datetime | None = None
    certified_version: str | None = None
    current_version: str | None = None

    @property
    def ok(self) -> bool:
        return self.status in (CLEARED, GRACE)


@dataclass(frozen=True)
class Reason:
    code: str
    course_id: str | None = None
    until: datetime | None = None  # for GRACE: the recertification deadline


@dataclass(frozen=True)
class ClearanceResult:
    cleared: bool
    valid_until: datetime | None
    reasons: tuple[Reason, ...]
    courses: tuple[CourseStatus, ...]


def evaluate(
    required: Sequence[RequiredCourse],
    certifications: Iterable[CertificationFact],
    *,
    active: bool,
    now: datetime,
) -> ClearanceResult:
    """Cleared iff the person is active and every required course has a passed, unexpired,
    unrevoked certification whose major version has not been superseded past its grace.

    With no required course at all the answer is "not cleared": the gate fails closed.
    """
    certs = list(certifications)
    statuses = tuple(
        _course_status(c, [x for x in certs if x.course_id == c.id], now) for c in required
    )
    reasons = [
        Reason(s.status, s.course_id, s.valid_until if s.status == GRACE else None)
        for s in statuses
        if s.status != CLEARED
    ]
    if not active:
        reasons.insert(0, Reason("inactive"))
    if not required:
        reasons.append(Reason("no_required_courses"))
    cleared = active and bool(required) and all(s.ok for s in statuses)
    valid_until = min(s.valid_until for s in statuses) if cleared else None
    return ClearanceResult(cleared, valid_until, tuple(reasons), statuses)


def _course_status(course: RequiredCourse, certs: list[CertificationFact], now: datetime):
    current = f"{course.major}.{course.minor}"
    best: CourseStatus | None = None
    for cert in certs:
        if cert.status != "active" or cert.expires_at <= now:
            continue
        deadline = course.deadline_for(cert.major)
        if deadline is not None and deadline <= now:
            continue
        until = cert.expires_at if deadline is None else min(cert.expires_at, deadline)
        status = CLEARED if deadline is None else GRACE
        candidate = CourseStatus(course.id, status, until, f"{cert.major}.{cert.minor}", current)
        if best is None or _rank(candidate) > _rank(best):
            best = candidate
    if best is not None:
        return best
    return CourseStatus(
        course.id, _why_not(course, certs, now), None, _latest_version(certs), current
    )


def _rank(status: CourseStatus) -> tuple:
    # A current-version certification beats one in its grace period, then the longer one.
    return (status.status == CLEARED, status.valid_until)


def _why_not(course: RequiredCourse, certs: list[CertificationFact], now: datetime) -> str:
    active = [c for c in certs if c.status == "active"]
    if any(c.expires_at > now for c in active):
        return SUPERSEDED  # unexpired, so only a recertification deadline can have passed
    if active:
        return EXPIRED
    if certs:
        return REVOKED
    return NOT_CERTIFIED


def _latest_version(certs: list[CertificationFact]) -> str | None:
    if not certs:
        return None
    latest = max(certs, key=lambda c: c.issued_at)
    return f"{latest.major}.{latest.minor}"
