"""Choosing the UI language and the text direction.

The UI language is the user's preference, then the language picked with the switcher
(kept in the session), then the browser's Accept-Language, then the default. Course
content follows the UI language and falls back to the course's source language.
"""

from collections.abc import Iterable
from functools import cache
from functools import lru_cache

from babel import Locale
from babel import UnknownLocaleError
from babel.core import get_global
from flask import Flask
from flask import current_app
from flask import g
from flask import has_request_context
from flask import request
from flask import session
from flask_babel import get_locale
from flask_babel import get_translations
from flask_login import current_user

from lms.config import RTL_LANGUAGES
from lms.extensions import babel
from lms.rules import days

# Browser tags and old codes that name our locales differently (lower-cased, "-" separated).
_TAG_ALIASES = {
    "zh": "zh_Hans",
    "zh-cn": "zh_Hans",
    "zh-sg": "zh_Hans",
    "zh-hans": "zh_Hans",
    "pt": "pt_BR",
    "pt-br": "pt_BR",
    "iw": "he",
}


def supported(lang: str | None) -> str | None:
    """The interface language (a catalog we have) nearest to ``lang``, or None."""
    return match_language(lang, current_app.config["LANGUAGES"])


def match_language(lang: str | None, languages: Iterable[str]) -> str | None:
    """The locale of ``languages`` nearest to ``lang`` (a locale id or a browser tag), or
    None: the same locale (``pt-BR`` -> ``pt_BR``), then one of the same language written
    in the same script (``pt_PT`` -> ``pt_BR``, ``es-MX`` -> ``es``; ``zh-TW``, written in
    Traditional characters, never gets ``zh_Hans``)."""
    if not lang:
        return None
    languages = list(languages)
    if lang in languages:
        return lang
    tag = lang.replace("_", "-").lower()
    alias = _TAG_ALIASES.get(tag)
    if alias in languages:
        return alias
    exact = next((c for c in languages if c.lower().replace("_", "-") == tag), None)
    if exact:
        return exact
    wanted = _language_and_script(lang)
    if wanted is None:
        return None
    same = [c for c in languages if _language_and_script(c) == wanted]
    # The plain language (``es``) before its regional variants; otherwise a stable pick.
    return min(same, key=lambda c: (len(c), c)) if same else None


def locale_id(lang: str | None) -> str | None:
    """``lang`` as Babel names the locale (``pt-PT`` -> ``pt_PT``, ``iw`` -> ``he``), or
    None when it names no language Babel knows. A person may prefer any language: the
    interface shows the nearest catalog, their courses are served in it when written."""
    if not lang or len(lang) > 35:
        return None
    tag = lang.strip().replace("-", "_")
    alias = _TAG_ALIASES.get(tag.lower().replace("_", "-"))
    try:
        return alias or str(Locale.parse(tag))
    except (UnknownLocaleError, ValueError, TypeError):
        return None


def preferred_language(lang: str | None, languages: Iterable[str]) -> str | None:
    """What to store as a person's preferred language: the locale of ours it names
    exactly (``pt-BR`` -> ``pt_BR``), else any locale Babel knows (``ko``, ``pt_PT``),
    else None (not a language)."""
    if not lang:
        return None
    tag = lang.replace("_", "-").lower()
    languages = list(languages)
    ours = _TAG_ALIASES.get(tag) or next(
        (c for c in languages if c.lower().replace("_", "-") == tag), None
    )
    return ours if ours in languages else locale_id(lang)


@lru_cache(maxsize=4096)  # bounded: browsers send any tag they like
def _language_and_script(lang: str) -> tuple[str, str] | None:
    """(language, script) with the script Babel's likely subtags give when ``lang``
    names none (``pt_PT`` -> ("pt", "Latn"), ``zh_TW`` -> ("zh", "Hant"))."""
    code = locale_id(lang)
    if code is None:
        return None
    locale = Locale.parse(code)
    if locale.script:
        return locale.language, locale.script
    likely = get_global("likely_subtags")
    full = likely.get(code) or likely.get(locale.language) or ""
    parts = full.split("_")
    script = parts[1] if len(parts) > 2 else ""
    return locale.language, script


def content_language(available: Iterable[str]) -> str | None:
    """The language to serve a course in for the current reader: their own preferred
    language when the course is written in it (even without an interface catalog), else
    the nearest to it or to the interface language; None lets the course fall back to
    its source language."""
    available = list(available)
    wanted = [current_language()]
    if has_request_context():
        wanted.insert(0, session.get("lang"))
        if current_user and current_user.is_authenticated:
            wanted.insert(0, current_user.preferred_language)
    return next((m for m in (match_language(w, available) for w in wanted) if m), None)


def select_locale() -> str:
    if not has_request_context():  # a CLI command or a job: no reader to ask
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated:
        chosen = supported(current_user.preferred_language)
        if chosen:
            return chosen
    chosen = supported(session.get("lang"))
    if chosen:
        return chosen
    for tag, _quality in request.accept_languages:
        chosen = supported(tag)
        if chosen:
            return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def company_zone():
    """The company's time zone (``COMPANY_TIME_ZONE``): due dates are its days."""
    return days.zone(current_app.config["COMPANY_TIME_ZONE"])


def select_timezone() -> str:
    """The reader's own zone (their account), else the company's."""
    if has_request_context() and current_user and current_user.is_authenticated:
        own = days.valid_zone(getattr(current_user, "time_zone", None))
        if own:
            return own
    return str(company_zone())


def current_language() -> str:
    return str(get_locale())


def text_direction(lang: str) -> str:
    return "rtl" if lang.split("_")[0] in RTL_LANGUAGES else "ltr"


def html_lang(lang: str) -> str:
    """The BCP 47 tag for ``lang="…"`` attributes (``zh_Hans`` -> ``zh-Hans``)."""
    return lang.replace("_", "-")


@cache
def language_name(lang: str) -> str:
    """A language's own name for itself, for the switcher (on every page, so cached)."""
    from babel import Locale

    name = Locale.parse(lang).get_display_name(lang)
    return name[:1].upper() + name[1:]


@cache
def language_name_in(lang: str, reader: str) -> str:
    """A language's name in the reader's language ("English" is "אנגלית" in Hebrew)."""
    try:
        name = Locale.parse(lang).get_display_name(reader) or lang
    except (ValueError, LookupError):
        return language_name(lang)
    return name


def init_app(app: Flask) -> None:
    babel.init_app(
        app, locale_selector=lambda: _parsed(select_locale()), timezone_selector=select_timezone
    )
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _catalog().ugettext(s),
        ngettext=lambda s, p, n: _catalog().ungettext(s, p, n),
        pgettext=lambda c, s: _catalog().upgettext(c, s),
        npgettext=lambda c, s, p, n: _catalog().unpgettext(c, s, p, n),
        newstyle=True,
    )


@cache
def _parsed(code: str) -> Locale:
    """The locale ``code`` names. Flask-Babel parses what the selector returns on every
    request (a few percent of a small page); a Locale it is given, it keeps."""
    return Locale.parse(code)


def _catalog():
    """The catalog of the locale in force, looked up once per request and locale.

    Templates translate dozens of strings a page and Flask-Babel finds the catalog
    anew for each. The cache lives in the request's ``g``, keyed by locale, so
    ``force_locale`` and macro files (which Jinja reuses across renders) stay right.
    """
    locale = str(get_locale())
    catalogs = g.setdefault("_lms_catalogs", {})
    found = catalogs.get(locale)
    if found is None:
        found = catalogs[locale] = get_translations()
    return found
