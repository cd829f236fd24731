"""The words a person is found by, and the words of a search (pure)."""

from lms.queries.directory import page_numbers
from lms.rules.search_terms import MAX_WORDS
from lms.rules.search_terms import terms_of
from lms.rules.search_terms import words_of


def test_terms_are_each_name_word_its_parts_the_email_and_the_id_case_folded():
    assert terms_of("Élodie  Dupont-Smith", "E.Dupont@Example.com", "AB-12") == {
        "élodie",
        "dupont-smith",
        "dupont",
        "smith",
        "e.dupont@example.com",
        "ab-12",
    }
    assert "brien" in terms_of("Seán O'Brien", "s@example.com", "1")
    assert terms_of("Straße", "x@example.com", "1") >= {"strasse"}  # case-folded


def test_a_search_is_its_distinct_words_case_folded_at_most_five():
    assert words_of("  John   SMI ") == ["john", "smi"]
    assert words_of("ann ann") == ["ann"]
    assert words_of("") == []
    assert len(words_of("a b c d e f g")) == MAX_WORDS
    assert words_of("STRASSE") == words_of("straße")


def test_page_numbers_show_first_last_and_the_neighbours():
    assert page_numbers(1, 1) == [1]
    assert page_numbers(1, 5) == [1, 2, 3, 4, 5]
    assert page_numbers(10, 401) == [1, 0, 8, 9, 10, 11, 12, 0, 401]
    assert page_numbers(401, 401) == [1, 0, 399, 400, 401]
