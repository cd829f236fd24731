"""Whose typed name counts as theirs, and how long a pass may wait to be affirmed."""

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from lms.rules.attestation import may_affirm
from lms.rules.attestation import same_name


@pytest.mark.parametrize(
    ("typed", "account"),
    [
        ("Zoë Martín", "Zoë Martín"),
        ("  zoë   MARTÍN ", "Zoë Martín"),  # case and spacing
        ("Zoe\u0308 Marti\u0301n", "Zoë Martín"),  # decomposed accents
        ("Ｚｏë Ｍａｒｔíｎ", "Zoë Martín"),  # full-width letters (NFKC)
        ("STRASSE", "Straße"),  # case folding, not lower()
        ("李 伟", "李　伟"),  # an ideographic space is a space
    ],
)
def test_the_same_name_however_typed(typed, account):
    assert same_name(typed, account)


@pytest.mark.parametrize(
    ("typed", "account"),
    [("Zoe Martin", "Zoë Martín"), ("Zoë", "Zoë Martín"), ("", "Zoë"), ("   ", "   ")],
)
def test_another_name_or_none_is_not_theirs(typed, account):
    assert not same_name(typed, account)


NOW = datetime(2026, 6, 1, tzinfo=UTC)


def test_a_pass_may_be_affirmed_for_30_days_on_the_same_major_version():
    assert may_affirm(NOW - timedelta(days=30), NOW, 1, 1)
    assert not may_affirm(NOW - timedelta(days=30, seconds=1), NOW, 1, 1)
    assert not may_affirm(NOW - timedelta(days=1), NOW, 1, 2)  # the policy changed
