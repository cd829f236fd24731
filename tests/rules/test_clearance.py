from datetime import UTC
from datetime import datetime
from datetime import timedelta

from lms.rules.clearance import CertificationFact
from lms.rules.clearance import RequiredCourse
from lms.rules.clearance import evaluate

NOW = datetime(2026, 11, 23, tzinfo=UTC)
DAY = timedelta(days=1)


def cert(course="policy", major=1, minor=0, issued=-10, expires=355, status="active"):
    return CertificationFact(course, major, minor, NOW + issued * DAY, NOW + expires * DAY, status)


def course(cid="policy", major=1, minor=0, recertify_by=None):
    return RequiredCourse(cid, major, minor, recertify_by or {})


def codes(result):
    return [r.code for r in result.reasons]


def test_cleared_with_a_valid_certification():
    result = evaluate([course()], [cert()], active=True, now=NOW)
    assert result.cleared
    assert result.valid_until == NOW + 355 * DAY
    assert result.reasons == ()


def test_not_certified():
    result = evaluate([course()], [], active=True, now=NOW)
    assert not result.cleared and codes(result) == ["not_certified"]


def test_expired_even_before_any_job_runs():
    result = evaluate([course()], [cert(expires=-1)], active=True, now=NOW)
    assert not result.cleared and codes(result) == ["expired"]


def test_expiry_instant_is_not_valid():
    result = evaluate([course()], [cert(expires=0)], active=True, now=NOW)
    assert not result.cleared


def test_revoked():
    result = evaluate([course()], [cert(status="revoked")], active=True, now=NOW)
    assert codes(result) == ["revoked"]


def test_every_required_course_is_needed():
    result = evaluate([course("a"), course("b")], [cert("a")], active=True, now=NOW)
    assert not result.cleared
    assert [s.status for s in result.courses] == ["cleared", "not_certified"]


def test_valid_until_is_the_earliest_lapse():
    result = evaluate(
        [course("a"), course("b")],
        [cert("a", expires=10), cert("b", expires=5)],
        active=True,
        now=NOW,
    )
    assert result.valid_until == NOW + 5 * DAY


def test_minor_version_keeps_certification_valid():
    result = evaluate([course(minor=3)], [cert(minor=0)], active=True, now=NOW)
    assert result.cleared and result.courses[0].status == "cleared"


def test_major_version_in_grace_period():
    deadline = NOW + 20 * DAY
    result = evaluate(
        [course(major=2, recertify_by={2: deadline})], [cert(major=1)], active=True, now=NOW
    )
    assert result.cleared
    assert result.valid_until == deadline
    assert codes(result) == ["grace"] and result.reasons[0].until == deadline


def test_major_version_past_grace_period():
    result = evaluate(
        [course(major=2, recertify_by={2: NOW - DAY})], [cert(major=1)], active=True, now=NOW
    )
    assert not result.cleared and codes(result) == ["superseded"]


def test_recertified_on_new_major_is_cleared():
    result = evaluate(
        [course(major=2, recertify_by={2: NOW - DAY})],
        [cert(major=1), cert(major=2, issued=-1, expires=364)],
        active=True,
        now=NOW,
    )
    assert result.cleared and result.courses[0].status == "cleared"


def test_two_majors_ahead_uses_the_first_deadline():
    required = course(major=3, recertify_by={2: NOW - DAY, 3: NOW + 30 * DAY})
    result = evaluate([required], [cert(major=1)], active=True, now=NOW)
    assert not result.cleared and codes(result) == ["superseded"]


def test_inactive_person_is_never_cleared():
    result = evaluate([course()], [cert()], active=False, now=NOW)
    assert not result.cleared and codes(result)[0] == "inactive"


def test_no_required_course_fails_closed():
    result = evaluate([], [], active=True, now=NOW)
    assert not result.cleared and codes(result) == ["no_required_courses"]


def test_other_courses_certifications_do_not_count():
    result = evaluate([course("a")], [cert("b")], active=True, now=NOW)
    assert not result.cleared
