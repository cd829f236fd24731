"""Item analysis of quiz questions: difficulty, discrimination and translation faults.

Pure arithmetic over sums that SQL computes in one GROUP BY (:class:`Sums`), so nothing
here depends on how many attempts there are.

Discrimination is the *corrected point-biserial* correlation between answering the
question right (1/0) and the share of the attempt's *other* questions answered right.
Point-biserial rather than the upper–lower 27 % index because it is a handful of sums
(one pass, no ranking per question) and uses every attempt, not just the top and bottom
54 %; corrected (the rest of the attempt, not the total) because an attempt draws only a
few questions, so the question's own mark would make up a large part of the total and
show a correlation even for a question answered by pure guessing. Values near 0 (or
negative: the better learners get it wrong more often) point at a question to review.
"""

import math
from dataclasses import dataclass

#: No figure is shown for fewer attempts than this (per question and language): a
#: handful of attempts could be told apart by someone who knows who took the quiz.
MIN_ATTEMPTS = 5
#: A translation is flagged when its share right differs from the reference's by at least
#: this much ... The reference is the source language, the text every translation was
#: made from (so with two languages the translation is flagged, not both), or, when the
#: source language has too few attempts at the question, every other language together.
FLAG_GAP = 0.25
#: ... and a two-proportion z-test puts that gap beyond chance at the 1 % level (two-sided).
#: Both: with many attempts any tiny gap is "significant", with few a large one is noise.
#: The page tests many questions × languages, so some flags are false alarms: a flag says
#: "read this translation again", not "it is wrong".
FLAG_Z = 2.576


@dataclass(frozen=True)
class Sums:
    """What SQL adds up for one group of responses; adding two gives their union."""

    drawn: int = 0
    right: int = 0
    # Over the responses whose attempt drew other questions (rest score known):
    with_rest: int = 0
    right_with_rest: int = 0
    rest: float = 0.0  # Σ rest score
    rest_squared: float = 0.0  # Σ rest score²
    rest_when_right: float = 0.0  # Σ rest score over the right answers

    def __add__(self, other: "Sums") -> "Sums":
        return Sums(
            self.drawn + other.drawn,
            self.right + other.right,
            self.with_rest + other.with_rest,
            self.right_with_rest + other.right_with_rest,
            self.rest + other.rest,
            self.rest_squared + other.rest_squared,
            self.rest_when_right + other.rest_when_right,
        )

    @property
    def share_right(self) -> float | None:
        return self.right / self.drawn if self.drawn else None

    @property
    def shown(self) -> bool:
        """Enough attempts for its figures to be shown (see :data:`MIN_ATTEMPTS`)."""
        return self.drawn >= MIN_ATTEMPTS


def discrimination(sums: Sums) -> float | None:
    """The point-biserial correlation of "right" with the rest score, -1..1; None when
    either does not vary (everyone right, or every rest score equal) or nothing is known.

    r = (n·Σxy − Σx·Σy) / √((n·Σx − (Σx)²) · (n·Σy² − (Σy)²)), x being 1 when right
    (so Σx² = Σx and Σxy is the rest scores of the right answers).
    """
    n, x, y = sums.with_rest, sums.right_with_rest, sums.rest
    spread_x = n * x - x * x
    spread_y = n * sums.rest_squared - y * y
    if n < 2 or spread_x <= 0 or spread_y <= 1e-12:  # float sums of equal values
        return None
    return (n * sums.rest_when_right - x * y) / math.sqrt(spread_x * spread_y)


def z_two_proportions(right_a: int, n_a: int, right_b: int, n_b: int) -> float | None:
    """The two-proportion z statistic (pooled), or None when it is undefined."""
    if not n_a or not n_b:
        return None
    pooled = (right_a + right_b) / (n_a + n_b)
    spread = pooled * (1 - pooled) * (1 / n_a + 1 / n_b)
    if spread <= 0:
        return None  # everyone right, or everyone wrong: no difference to test
    return (right_a / n_a - right_b / n_b) / math.sqrt(spread)


def translation_flag(language: Sums, reference: Sums) -> bool:
    """Whether a translation's share right differs sharply from the reference's for the
    same question (see :data:`FLAG_GAP`): both shown, a gap of at least
    :data:`FLAG_GAP` and |z| at least :data:`FLAG_Z`."""
    if not (language.shown and reference.shown):
        return False
    gap = (language.right / language.drawn) - (reference.right / reference.drawn)
    z = z_two_proportions(language.right, language.drawn, reference.right, reference.drawn)
    return abs(gap) >= FLAG_GAP and z is not None and abs(z) >= FLAG_Z
