"""The written attestation: whose typed name counts as theirs, and how long a pass waits.

A course may ask learners to affirm its policy in writing before the certification is
issued (``attestation`` in course.yml). Passing the quiz then leaves the attempt
*awaiting affirmation* until the learner affirms, or until the pass lapses (below).
"""

import unicodedata
from datetime import datetime
from datetime import timedelta

#: A pass may be affirmed this long after it was submitted. Long enough to come back
#: after a weekend or a holiday; short enough that the quiz still says what they know.
AFFIRM_WITHIN = timedelta(days=30)


def normalised_name(name: str) -> str:
    """``name`` as compared: NFKC, case-folded (then NFKC again, as casefolding may undo
    it), runs of white space as one space, none at the ends."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    return " ".join(folded.split())


def same_name(typed: str, account_name: str) -> bool:
    """Whether ``typed`` is the account's name, ignoring case, spacing and Unicode forms
    (full-width letters, composed or decomposed accents)."""
    wanted = normalised_name(account_name)
    return bool(wanted) and normalised_name(typed) == wanted


def affirm_until(passed_at: datetime) -> datetime:
    """The last moment a pass submitted at ``passed_at`` may be affirmed."""
    return passed_at + AFFIRM_WITHIN


def may_affirm(passed_at: datetime, now: datetime, passed_major: int, current_major: int) -> bool:
    """A pass may still be affirmed: within :data:`AFFIRM_WITHIN`, and no new MAJOR
    version replaced the policy it tested (a minor version fixes wording: it stays)."""
    return now <= affirm_until(passed_at) and passed_major >= current_major
