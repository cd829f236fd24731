"""Company settings as pages read them, and course content with their values filled in.

The values live in the database with a version that every change replaces
(lms.models.CompanySettingsVersion). A page that shows content with markers reads that
version (the module page in its one statement), and everything cached is keyed by it
(:attr:`Current.token`): a change is seen at once on every server, and nothing old is
served.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa
from babel import Locale
from babel import UnknownLocaleError
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from lms import content
from lms.content import company
from lms.extensions import db
from lms.models import CompanySetting
from lms.models import CompanySettingsVersion


@dataclass(frozen=True)
class Current:
    """The settings now: what an administrator set, and what is filled in (defaults too)."""

    explicit: Mapping[str, str]
    values: Mapping[str, str]
    token: str  # names ``values`` (the settings' version): in every key of filled content

    def unset(self, keys) -> list[str]:
        """Those of ``keys`` without a value (and without a default)."""
        return [key for key in keys if not self.values.get(key)]


def version_column() -> sa.ScalarSelect:
    """The settings' version (lms.models.CompanySettingsVersion) as a column of another
    statement: the module page reads it with everything else it needs."""
    version = CompanySettingsVersion.__table__.c
    return sa.select(version.version).where(version.id == 1).scalar_subquery()


@cache  # built once: constructing it cost as much as running it
def _version_statement() -> sa.Select:
    return sa.select(version_column())


@cache
def _values_statement() -> sa.Select:
    settings = CompanySetting.__table__.c
    return sa.select(version_column(), settings.key, settings.value)


_lock = threading.Lock()

# The settings by version: a version names one state for good, so every server may keep
# its own copy; a change makes a new version and the old entry ages out.
_by_version: OrderedDict[str, Current] = OrderedDict()
_BY_VERSION_MAX = 16


def current(version: str | None = None) -> Current:
    """The settings now. ``version``: the caller read it already (in its own statement)."""
    connection = db.session.connection()
    if version is None:
        version = connection.execute(_version_statement()).scalar() or ""
    found = _by_version.get(version)
    if found is None:
        rows = connection.execute(_values_statement()).all()
        # The version the values were read with (a change may have come in between).
        version = (rows[0][0] or "") if rows else version
        found = _settings(version, {key: value for _, key, value in rows})
        with _lock:
            _by_version[version] = found
            while len(_by_version) > _BY_VERSION_MAX:
                _by_version.popitem(last=False)
    return found


def _settings(version: str, stored: dict[str, str]) -> Current:
    explicit = {key: value for key, value in stored.items() if key in company.BY_KEY and value}
    return Current(explicit, company.defaults() | explicit, version or "defaults")


def company_name() -> str:
    """The company's name as people read it (the public handle check): the company
    setting, else the name company sign-in shows, else empty."""
    return current().values.get("company_name") or current_app.config["OIDC_COMPANY_NAME"]


def rows() -> dict[str, CompanySetting]:
    """The stored rows by key, with who changed them and when (for the admin page)."""
    return {row.key: row for row in db.session.scalars(sa.select(CompanySetting))}


@cache
def _locale_ok(lang: str) -> bool:
    try:
        Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        return False
    return True


def placeholder(key: str, lang: str) -> str:
    """What learners reading ``lang`` see where ``key`` has no value."""
    label = company.BY_KEY[key].label
    if not _locale_ok(lang):
        return _("[%(setting)s: ask your manager]", setting=_(label))
    with force_locale(lang):
        return _("[%(setting)s: ask your manager]", setting=_(label))


def filling(settings: Current | None = None) -> company.Filling:
    settings = settings or current()
    shown: dict[tuple[str, str], str] = {}

    def once(key: str, lang: str) -> str:
        if (key, lang) not in shown:
            shown[key, lang] = placeholder(key, lang)
        return shown[key, lang]

    return company.Filling(settings.values, once)


# Filled courses by (the stored course's key, settings token): immutable values, so every
# server may keep its own; a changed setting makes a new token, an old entry ages out.
_filled: OrderedDict[tuple[Hashable, str], content.Course] = OrderedDict()
_FILLED_MAX = 64
_marked: dict[Hashable, bool] = {}


def filled(
    course: content.Course, key: Hashable | None = None, version: str | None = None
) -> content.Course:
    """``course`` as learners read it: every marker replaced by its value. ``key`` names
    ``course`` for the cache (a published version's id and hash); None: not cached.
    ``version``: the settings' version, when the caller read it already."""
    if key is None:
        if not company.uses_markers(course):
            return course
        settings = current()
        return filling(settings).course(course, settings.token)
    if key not in _marked:
        _marked[key] = company.uses_markers(course)
    if not _marked[key]:
        return course
    settings = current(version)
    found = _filled.get((key, settings.token))
    if found is None:
        found = filling(settings).course(course, settings.token)
        with _lock:
            _filled[key, settings.token] = found
            while len(_filled) > _FILLED_MAX:
                _filled.popitem(last=False)
    return found


def used_and_unset(texts: Mapping[str, str]) -> dict[str, list[tuple[str, int]]]:
    """The keys ``texts`` (path -> text) use that have no value, with where they are used."""
    used = company.used_keys(texts)
    unset = set(current().unset(used))
    return {key: places for key, places in used.items() if key in unset}
