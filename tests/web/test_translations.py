"""UI catalogs: every string a person reads is translated into every shipped language."""

import re
import subprocess
import sys

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from lms.config import LANGUAGES
from lms.config import PROJECT_ROOT

TRANSLATIONS = PROJECT_ROOT / "translations"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%%")


def catalog(lang):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)


def ids(message):
    """A message's id(s) as a tuple: plural messages carry one per form."""
    return tuple(message.id) if isinstance(message.id, (list, tuple)) else (message.id,)


def strings(message):
    return tuple(message.string) if isinstance(message.string, (list, tuple)) else (message.string,)


def test_template_lists_every_string_in_the_code(tmp_path):
    """Catches a string added to the code without `flask lms translate update`."""
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(PROJECT_ROOT / "babel.cfg"),
            "-k",
            "_l",
            "-o",
            str(fresh),
            str(PROJECT_ROOT / "lms"),
        ],
        check=True,
        capture_output=True,
    )
    with open(fresh, "rb") as f:
        in_code = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    with open(TRANSLATIONS / "messages.pot", "rb") as f:
        in_template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    assert in_code - in_template == set()


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_catalog_is_complete_and_not_fuzzy(lang):
    messages = [m for m in catalog(lang) if m.id]
    untranslated = [ids(m)[0] for m in messages if not all(strings(m))]
    fuzzy = [ids(m)[0] for m in messages if m.fuzzy]
    assert untranslated == [] and fuzzy == []
    with open(TRANSLATIONS / "messages.pot", "rb") as f:
        template = {ids(m)[0] for m in read_po(f) if m.id}
    assert template <= {ids(m)[0] for m in messages}


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_placeholders_survive_translation(lang):
    for message in catalog(lang):
        if not message.id:
            continue
        expected = sorted(PLACEHOLDER.findall(ids(message)[-1]))
        for translated in strings(message):
            found = sorted(PLACEHOLDER.findall(translated))
            if message.pluralizable:  # a singular form may spell out "one" instead of %(num)d
                assert set(found) <= set(expected), (message.id, translated)
            else:
                assert found == expected, (message.id, translated)


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_compiled_catalog_matches_the_source(lang):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo", "rb") as f:
        compiled = {tuple(ids(m)): tuple(strings(m)) for m in read_mo(f) if m.id}
    source = {tuple(ids(m)): tuple(strings(m)) for m in catalog(lang) if m.id}
    assert compiled == source, "run: flask lms translate compile"


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_plural_forms_are_the_languages_own(lang):
    """Each catalog counts with its language's CLDR plural rule (Arabic has six forms,
    Japanese one), and every plural message fills each of them."""
    from babel.messages.plurals import get_plural

    rule = get_plural(lang)
    found = catalog(lang)
    assert (found.num_plurals, found.plural_expr) == (rule.num_plurals, rule.plural_expr)
    for message in found:
        if message.id and message.pluralizable:
            assert len(strings(message)) == rule.num_plurals, message.id
