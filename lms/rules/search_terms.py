"""The words a person is found by, and the words of a search: pure, no database.

A person is found by the start of any word of their name, of their email or of their
employee id, in any case. Both sides go through :func:`normalise`, so "ÉLODIE", "élodie"
and "Élodie" meet, and the index holds one row per (person, word).
"""

import re
import unicodedata

#: No term is longer than an email can be (the column's size).
MAX_TERM = 254
#: A search of more words than this keeps the first ones (each word is one index probe).
MAX_WORDS = 5
_SPACES = re.compile(r"\s+")
_JOINERS = re.compile(r"[-'’.]")


def normalise(text: str) -> str:
    """Compatibility-composed and case-folded: what a term and a searched word compare as."""
    return unicodedata.normalize("NFKC", text).casefold()


def terms_of(name: str, email: str, employee_id: str) -> set[str]:
    """Every term of one person: each word of the name (and each part of a word joined by
    a hyphen or an apostrophe: "Smith-Jones", "O'Brien"), the email, the employee id."""
    terms = {normalise(email), normalise(employee_id)}
    for word in _SPACES.split(normalise(name)):
        if word:
            terms.add(word)
            terms.update(part for part in _JOINERS.split(word) if part)
    return {term[:MAX_TERM] for term in terms if term}


def words_of(query: str) -> list[str]:
    """The words of a search, each to match the start of some term of the same person."""
    words = [w[:MAX_TERM] for w in _SPACES.split(normalise(query)) if w]
    return list(dict.fromkeys(words))[:MAX_WORDS]
