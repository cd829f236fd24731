"""The Big List of Naughty Strings through the editor's preview, as a hostile author would
type them: every one answers a page, none a server error (issue 11, fault 1: 24 of them
used to). Titles are written with JSON-style escapes, so an emoji arrives as a surrogate
pair ("\\ud83d\\ude00"), as naive generators write YAML."""

import json
from pathlib import Path

import pytest

from tests.helpers import EN_MODULE
from tests.helpers import EN_QUIZ
from tests.helpers import edit_url

BLNS = json.loads(
    (Path(__file__).parents[1] / "data" / "strings" / "blns.json").read_text(encoding="utf-8")
)


@pytest.fixture
def sqlite_only(database_url):
    # A preview saves nothing: no naughty string reaches the database, so one database
    # is enough for these 550 requests.
    if not database_url.startswith("sqlite"):
        pytest.skip("a preview never writes: the SQLite run covers it")


def failures(client, path: str, texts) -> list[tuple[int, int]]:
    """(string number, status) of every preview that did not answer 200."""
    found = []
    for n, text in enumerate(texts):
        response = client.post(edit_url(path), data={"text": text, "preview": "Preview"})
        if response.status_code != 200:
            found.append((n, response.status_code))
    return found


def test_every_naughty_string_previews_as_a_module_title_and_body(sqlite_only, author):
    texts = [f"---\ntitle: {json.dumps(s)}\n---\n\n{s}\n" for s in BLNS]
    assert failures(author, EN_MODULE, texts) == []


def quiz_of(strings: list[str]) -> str:
    """A quiz asking one question per string, the string as its scenario and an answer."""
    questions = [
        f"## Question {n} {{#q{n} .single}}\n\n{text}\n\n- [x] {text}\n- [ ] Other\n"
        for n, text in enumerate(strings)
    ]
    return f"---\ntitle: {json.dumps(strings[0])}\n---\n\n" + "\n".join(questions)


def test_every_naughty_string_previews_in_a_quiz(sqlite_only, author):
    # Fifteen strings a request: a quiz preview renders every question, so one request
    # each would only repeat the module test's cost.
    batches = [BLNS[i : i + 15] for i in range(0, len(BLNS), 15)]
    assert failures(author, EN_QUIZ, [quiz_of(batch) for batch in batches]) == []
