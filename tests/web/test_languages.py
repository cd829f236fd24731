"""Languages are content, not code: interface languages are the catalogs present, a
course is served in whatever languages its files are in, and a reader whose language
has no catalog gets the nearest one (pt_PT -> pt_BR, es_MX -> es) and their course in
their own language."""

import re
import shutil

import pytest

from lms.config import discover_languages
from lms.i18n import match_language
from lms.i18n import preferred_language
from lms.services import roster
from tests.helpers import COURSE
from tests.helpers import TEST_CONTENT
from tests.helpers import sign_in
from tests.helpers import text_of
from tests.helpers import write_roster
from tests.helpers import write_tree

OURS = ["en", "de", "es", "fr", "he", "ja", "pt_BR", "zh_Hans"]
SWAHILI = "Unapozungumza kwa niaba ya kampuni, sema kwamba unafanya kazi hapa."


@pytest.mark.parametrize(
    ("wanted", "nearest"),
    [
        ("pt_PT", "pt_BR"),  # the same language in the same script
        ("pt-PT", "pt_BR"),
        ("es-MX", "es"),
        ("es_419", "es"),
        ("de-AT", "de"),
        ("en-GB", "en"),
        ("zh-CN", "zh_Hans"),
        ("zh", "zh_Hans"),
        ("iw", "he"),  # the old code for Hebrew
        ("zh-TW", None),  # Traditional characters: never the Simplified catalog
        ("zh_Hant", None),
        ("ko", None),
        ("xx", None),
        ("", None),
        ("en;q=0.5", None),
    ],
)
def test_the_nearest_interface_language(wanted, nearest):
    assert match_language(wanted, OURS) == nearest


def test_traditional_chinese_finds_its_own_script():
    assert match_language("zh-TW", [*OURS, "zh_Hant"]) == "zh_Hant"
    assert match_language("zh-HK", [*OURS, "zh_Hant"]) == "zh_Hant"
    assert match_language("zh-SG", [*OURS, "zh_Hant"]) == "zh_Hans"


def test_a_regional_catalog_wins_over_the_plain_language_only_when_asked_for():
    assert match_language("pt-PT", ["en", "pt_BR", "pt_PT"]) == "pt_PT"
    assert match_language("pt-AO", ["en", "pt_BR", "pt_PT"]) == "pt_BR"  # a stable pick
    assert match_language("es-MX", ["en", "es", "es_MX"]) == "es_MX"
    assert match_language("es-AR", ["en", "es", "es_MX"]) == "es"


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("pt-BR", "pt_BR"),
        ("pt", "pt_BR"),
        ("PT-br", "pt_BR"),
        ("pt-PT", "pt_PT"),  # kept as it is: their courses may be written in it
        ("ko", "ko"),
        ("zh-TW", "zh_Hant_TW"),
        ("iw", "he"),
        ("xx", None),
        ("not a language", None),
        ("", None),
    ],
)
def test_a_preferred_language_is_any_language_babel_knows(given, stored):
    assert preferred_language(given, OURS) == stored


def test_interface_languages_are_the_catalogs_present(tmp_path):
    for lang in ("de", "ko", "ar"):
        (tmp_path / lang / "LC_MESSAGES").mkdir(parents=True)
        (tmp_path / lang / "LC_MESSAGES" / "messages.mo").write_bytes(b"")
    (tmp_path / "fr" / "LC_MESSAGES").mkdir(parents=True)  # no compiled catalog: not yet
    assert discover_languages(tmp_path) == ["en", "ar", "de", "ko"]


def test_the_app_ships_every_catalog_in_translations(app):
    assert app.config["LANGUAGES"][0] == "en"
    assert set(OURS) <= set(app.config["LANGUAGES"])


def test_the_roster_takes_any_language_and_names_a_bad_one(app, tmp_path):
    rows = [
        "K1,kim@example.com,Kim Seo,Sales,KR,,ko,2021-01-01,true",
        "P1,rui@example.com,Rui Lopes,Sales,PT,,pt-PT,2021-01-01,true",
    ]
    preview = roster.check(write_roster(tmp_path, rows).read_bytes(), OURS)
    assert preview.ok
    bad = roster.check(
        write_roster(
            tmp_path, ["X1,x@example.com,X,Sales,DE,,klingon,2021-01-01,true"]
        ).read_bytes(),
        OURS,
    )
    assert not bad.ok
    assert "Not a language code" in str(bad.problems[0].message)


# -- A course written in a language the interface lacks --------------------------------


@pytest.fixture(scope="module")
def swahili_root(tmp_path_factory):
    """The test content with its course also written in Swahili (no Swahili catalog)."""
    root = tmp_path_factory.mktemp("swahili")
    shutil.copytree(TEST_CONTENT, root, dirs_exist_ok=True)
    course = root / "courses" / COURSE
    for name in ("01-say-who-you-are.md", "02-keep-secrets.md"):
        write_tree(course / "sw", {name: f"---\ntitle: Moduli {name[:2]}\n---\n\n{SWAHILI}\n"})
    return root


@pytest.fixture
def content_root(swahili_root):
    return swahili_root


def test_a_swahili_reader_reads_the_course_in_swahili_with_the_interface_in_english(app, make_user):
    client = app.test_client()
    sign_in(client, make_user(preferred_language="sw"))
    page = client.get(f"/training/{COURSE}/modules/say-who-you-are")
    assert page.status_code == 200
    assert SWAHILI in text_of(page)
    assert '<html lang="en"' in page.get_data(as_text=True)
    assert 'lang="sw"' in page.get_data(as_text=True)


def test_a_portuguese_reader_gets_the_brazilian_interface(app, make_user):
    client = app.test_client()
    sign_in(client, make_user(preferred_language="pt_PT"))
    page = client.get("/training/")
    assert '<html lang="pt-BR"' in page.get_data(as_text=True)


def test_a_learner_picks_a_course_language_the_interface_lacks(app, make_user):
    client = app.test_client()
    learner = make_user(preferred_language="en")
    sign_in(client, learner)
    course_page = client.get(f"/training/{COURSE}").get_data(as_text=True)
    assert re.search(r'<option value="sw"', course_page)  # the course's own languages
    answer = client.post("/language", data={"lang": "sw", "next": f"/training/{COURSE}"})
    assert answer.status_code == 302
    assert learner.preferred_language == "sw"
    page = client.get(f"/training/{COURSE}/modules/say-who-you-are")
    assert SWAHILI in text_of(page)
    assert client.post("/language", data={"lang": "tlh"}).status_code == 302
    assert learner.preferred_language == "sw"  # not a language of ours: nothing changed


def test_the_public_guidelines_in_a_course_language_only(app):
    guidelines = TEST_CONTENT / "courses" / COURSE / "en" / "guidelines.md"
    assert guidelines.exists()
    assert app.test_client().get("/guidelines/sw").status_code == 404  # none written in sw
    assert app.test_client().get("/guidelines/tlh").status_code == 404
