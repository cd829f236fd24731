"""The clearance gate: may this person represent the brand right now?

One function, :func:`evaluate`, decides it from plain facts, and says why.

The required courses are the person's own: a course required of an audience (departments,
countries, roles, groups) is passed only for the people in it. An exemption HR granted
(until a date) takes a course out of what must be passed, but does not clear anyone by
itself: a person whose every required course is exempt is "not cleared", with the reason
``no_required_courses``, as someone with none at all.
"""

from collections.abc import Iterable
from collections.abc import Mapping
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
EXEMPT = "exempt"  # not passed, but HR exempted the person until valid_until

#: Everyone: the audience of a course required with no narrower one.
EVERYONE: tuple[tuple[str, str | None], ...] = ()


@dataclass(frozen=True)
class RequiredCourse:
    """A course required for clearance, as of its current published version.

    ``recertify_by`` maps each major version that superseded an earlier one to the
    deadline it set for recertification. ``audience`` holds the scopes (kind, value) of
    the requirements naming who must pass it; empty (:data:`EVERYONE`): everyone.
    """

    id: str
    major: int
    minor: int
    recertify_by: dict[int, datetime] = field(default_factory=dict)
    audience: tuple[tuple[str, str | None], ...] = EVERYONE

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
    exempt_until: Mapping[str, datetime] | None = None,
) -> ClearanceResult:
    """Cleared iff the person is active and every course required of them has a passed,
    unexpired, unrevoked certification whose major version has not been superseded past
    its grace, or an exemption (``exempt_until``: course id -> end) still running.

    With no required course at all, or only exempt ones, the answer is "not cleared":
    the gate fails closed.
    """
    certs = list(certifications)
    exempt = {c: end for c, end in (exempt_until or {}).items() if end > now}
    statuses = tuple(
        _exempted(_course_status(c, [x for x in certs if x.course_id == c.id], now), exempt)
        for c in required
    )
    reasons = [
        Reason(s.status, s.course_id, s.valid_until if s.status in (GRACE, EXEMPT) else None)
        for s in statuses
        if s.status != CLEARED
    ]
    counted = [s for s in statuses if s.status != EXEMPT]
    if not active:
        reasons.insert(0, Reason("inactive"))
    if not counted:
        reasons.append(Reason("no_required_courses"))
    cleared = active and bool(counted) and all(s.ok or s.status == EXEMPT for s in statuses)
    until = [s.valid_until for s in statuses if s.valid_until is not None]
    valid_until = min(until) if cleared else None  # cleared: every course has a date
    return ClearanceResult(cleared, valid_until, tuple(reasons), statuses)


def _exempted(status: CourseStatus, exempt: Mapping[str, datetime]) -> CourseStatus:
    """A course not passed is exempt while its exemption runs (a valid certification
    still shows as what it is)."""
    end = exempt.get(status.course_id)
    if status.ok or end is None:
        return status
    return CourseStatus(
        status.course_id, EXEMPT, end, status.certified_version, status.current_version
    )


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
