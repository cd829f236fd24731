"""Exemptions in the clearance rule, and calendar-anchored recertification dates."""

from datetime import UTC
from datetime import datetime
from datetime import timedelta

from lms.rules.clearance import CertificationFact
from lms.rules.clearance import RequiredCourse
from lms.rules.clearance import evaluate
from lms.rules.recertification import anchored_expiry
from lms.rules.recertification import valid_anchor

NOW = datetime(2026, 11, 23, tzinfo=UTC)
DAY = timedelta(days=1)


def cert(course="policy", expires=355):
    return CertificationFact(course, 1, 0, NOW - 10 * DAY, NOW + expires * DAY, "active")


def course(cid="policy"):
    return RequiredCourse(cid, 1, 0)


def codes(result):
    return [r.code for r in result.reasons]


def test_an_exempt_course_does_not_block_the_others():
    result = evaluate(
        [course("a"), course("b")],
        [cert("a")],
        active=True,
        now=NOW,
        exempt_until={"b": NOW + 5 * DAY},
    )
    assert result.cleared
    assert [s.status for s in result.courses] == ["cleared", "exempt"]
    # the clearance is recomputed when the exemption ends
    assert result.valid_until == NOW + 5 * DAY
    assert [(r.code, r.course_id, r.until) for r in result.reasons] == [
        ("exempt", "b", NOW + 5 * DAY)
    ]


def test_exemption_alone_does_not_clear():
    result = evaluate([course()], [], active=True, now=NOW, exempt_until={"policy": NOW + DAY})
    assert not result.cleared
    assert codes(result) == ["exempt", "no_required_courses"]


def test_an_ended_exemption_counts_for_nothing():
    result = evaluate([course()], [], active=True, now=NOW, exempt_until={"policy": NOW})
    assert codes(result) == ["not_certified"]


def test_a_valid_certification_shows_as_cleared_while_exempt():
    result = evaluate(
        [course()], [cert()], active=True, now=NOW, exempt_until={"policy": NOW + DAY}
    )
    assert result.cleared and result.courses[0].status == "cleared"
    assert result.valid_until == NOW + 355 * DAY


def test_courses_required_of_others_are_not_asked():
    # The service passes only the person's own required courses; none: fail closed.
    result = evaluate([], [cert()], active=True, now=NOW)
    assert not result.cleared and codes(result) == ["no_required_courses"]


def test_every_year_in_january_expires_at_the_end_of_the_next_january():
    issued = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    assert anchored_expiry(issued, 1, None, 30) == datetime(2027, 1, 31, 23, 59, 59, tzinfo=UTC)


def test_certified_inside_the_window_before_the_anchor_lasts_to_the_next_year():
    issued = datetime(2027, 1, 15, tzinfo=UTC)
    assert anchored_expiry(issued, 1, None, 30) == datetime(2028, 1, 31, 23, 59, 59, tzinfo=UTC)
    just_before_window = datetime(2026, 12, 31, 23, 59, 58, tzinfo=UTC)
    assert anchored_expiry(just_before_window, 1, None, 30) == datetime(
        2027, 1, 31, 23, 59, 59, tzinfo=UTC
    )


def test_a_fixed_day_each_year():
    issued = datetime(2026, 4, 1, tzinfo=UTC)
    assert anchored_expiry(issued, 3, 31, 30) == datetime(2027, 3, 31, 23, 59, 59, tzinfo=UTC)
    assert anchored_expiry(datetime(2026, 2, 1, tzinfo=UTC), 3, 31, 30) == datetime(
        2026, 3, 31, 23, 59, 59, tzinfo=UTC
    )


def test_29_february_lands_on_the_28th_in_other_years():
    assert anchored_expiry(datetime(2026, 1, 1, tzinfo=UTC), 2, 29, 0) == datetime(
        2026, 2, 28, 23, 59, 59, tzinfo=UTC
    )
    assert valid_anchor(2, 29) and not valid_anchor(2, 30) and not valid_anchor(13, None)
    assert valid_anchor(None, None) and not valid_anchor(None, 3)
