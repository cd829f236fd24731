"""Company settings as pages read them, and course content with their values filled in.

The values live in the database, so every server reads them there on every request that
shows content with markers (a few short rows): a change is seen at once everywhere. What
is cached is keyed by a hash of the values (:attr:`Current.token`), so a changed value
makes new keys and nothing old is served.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Hashable
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa
from babel import Locale
from babel import UnknownLocaleError
from flask_babel import force_locale
from flask_babel import gettext as _

from lms import content
from lms.content import company
from lms.extensions import db
from lms.models import CompanySetting


@dataclass(frozen=True)
class Current:
    """The settings now: what an administrator set, and what is filled in (defaults too)."""

    explicit: Mapping[str, str]
    values: Mapping[str, str]
    token: str  # names ``values``: part of every cache key of filled content

    def unset(self, keys) -> list[str]:
        """Those of ``keys`` without a value (and without a default)."""
        return [key for key in keys if not self.values.get(key)]


def current() -> Current:
    rows = db.session.execute(sa.select(CompanySetting.key, CompanySetting.value)).all()
    explicit = {key: value for key, value in rows if key in company.BY_KEY and value}
    values = company.defaults() | explicit
    digest = hashlib.sha256(json.dumps(sorted(values.items())).encode()).hexdigest()
    return Current(explicit, values, digest[:16])


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
_lock = threading.Lock()


def filled(course: content.Course, key: Hashable | None = None) -> content.Course:
    """``course`` as learners read it: every marker replaced by its value. ``key`` names
    ``course`` for the cache (a published version's id and hash); None: not cached."""
    if key is None:
        if not company.uses_markers(course):
            return course
        settings = current()
        return filling(settings).course(course, settings.token)
    if key not in _marked:
        _marked[key] = company.uses_markers(course)
    if not _marked[key]:
        return course
    settings = current()
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
