import pytest

from lms.rules.passwords import problem

PERSON = ("ana.lima@example.com", "E1234", "Ana Lima")


@pytest.mark.parametrize(
    "password, expected",
    [
        ("correct horse battery staple", None),
        ("short", "too_short"),
        ("x" * 201, "too_long"),
        ("aaaaaaaaaaaaaaaa", "one_character"),
        ("my ANA.LIMA password", "personal"),  # the address before the @, any case
        ("ana.lima@example.com", "personal"),
        ("E1234 and more words", "personal"),
        ("lima lima lima lima", "personal"),  # a part of the name
        ("ana is three letters", None),  # parts shorter than 4 are too common to refuse
    ],
)
def test_password_rules(password, expected):
    assert problem(password, *PERSON) == expected


def test_missing_personal_facts_are_ignored():
    assert problem("a fine long password", None, "", None) is None
