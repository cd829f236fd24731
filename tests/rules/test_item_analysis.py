"""Item analysis arithmetic: discrimination's sign, the z-test and the translation flag."""

import math

import pytest

from lms.rules.item_analysis import Sums
from lms.rules.item_analysis import discrimination
from lms.rules.item_analysis import translation_flag
from lms.rules.item_analysis import z_two_proportions


def sums_of(responses: list[tuple[bool, float | None]]) -> Sums:
    """Sums of (right, rest score) responses, as SQL adds them up."""
    total = Sums()
    for right, rest in responses:
        known = rest is not None
        value = rest or 0.0
        total += Sums(
            drawn=1,
            right=int(right),
            with_rest=int(known),
            right_with_rest=int(right and known),
            rest=value,
            rest_squared=value * value,
            rest_when_right=value if right else 0.0,
        )
    return total


def test_right_answers_from_the_stronger_learners_discriminate_positively():
    strong_right = [(True, 1.0)] * 6 + [(True, 0.5)] * 2 + [(False, 0.5)] * 2 + [(False, 0.0)] * 4
    value = discrimination(sums_of(strong_right))
    # The textbook formula on the same data: r = (M1 - M0) / s * sqrt(p q).
    rests = [r for _, r in strong_right]
    mean1 = sum(r for ok, r in strong_right if ok) / 8
    mean0 = sum(r for ok, r in strong_right if not ok) / 6
    spread = math.sqrt(sum((r - sum(rests) / 14) ** 2 for r in rests) / 14)
    assert value == pytest.approx((mean1 - mean0) / spread * math.sqrt(8 / 14 * 6 / 14))
    assert value > 0.7


def test_right_answers_from_the_weaker_learners_discriminate_negatively():
    weak_right = [(True, 0.0)] * 5 + [(False, 1.0)] * 5 + [(True, 0.5), (False, 0.5)]
    assert discrimination(sums_of(weak_right)) < -0.7


@pytest.mark.parametrize(
    "responses",
    [
        [(True, 1.0), (True, 0.0), (True, 0.5)],  # everyone right
        [(True, 0.5), (False, 0.5), (True, 0.5)],  # the rest does not vary
        [(True, None), (False, None)],  # one-question attempts: no rest score
    ],
)
def test_no_discrimination_without_variation(responses):
    assert discrimination(sums_of(responses)) is None


def test_two_proportion_z():
    # 20/100 against 50/100: pooled 0.35, se = sqrt(.35 * .65 * .02)
    expected = (0.2 - 0.5) / math.sqrt(0.35 * 0.65 * 0.02)
    assert z_two_proportions(20, 100, 50, 100) == pytest.approx(expected)
    assert z_two_proportions(10, 10, 10, 10) is None
    assert z_two_proportions(0, 0, 1, 5) is None


def counts(right: int, drawn: int) -> Sums:
    return Sums(drawn=drawn, right=right)


@pytest.mark.parametrize(
    ("language", "reference", "flagged"),
    [
        (counts(4, 20), counts(20, 20), True),  # 0.2 against 1.0
        (counts(18, 20), counts(20, 20), False),  # a gap of 0.1
        (counts(7000, 10000), counts(7500, 10000), False),  # significant, but only 0.05
        (counts(1, 5), counts(4, 5), False),  # a gap of 0.6 in ten attempts: chance
        (counts(0, 4), counts(40, 40), False),  # too few attempts to show
    ],
)
def test_the_translation_flag_needs_a_large_gap_beyond_chance(language, reference, flagged):
    assert translation_flag(language, reference) is flagged
