"""What every template may use: language, direction and small formatting helpers."""

import math
from datetime import date
from datetime import datetime
from functools import cache

import flask_babel
from flask import Flask
from flask import current_app

from lms import i18n
from lms.models import Role
from lms.rules import days


def minutes(seconds: int) -> int:
    """Whole minutes for an estimate, never 0 for a non-empty text."""
    return max(1, math.ceil(seconds / 60)) if seconds else 0


def datetime_in_zone(value: datetime | None, format: str = "medium") -> str:
    """A moment in the reader's time zone, the zone named: "Dec 8, 2026, 6:00:00 AM
    (Asia/Tokyo)". Replaces Flask-Babel's ``datetimeformat``, which leaves it unsaid."""
    if value is None:
        return ""
    return f"{flask_babel.format_datetime(value, format)} ({flask_babel.get_timezone()})"


def company_date(value: date | datetime | None, format: str = "medium") -> str:
    """A day: a moment's day in the company's zone (a due date, an expiry), the same for
    every reader. Replaces Flask-Babel's ``dateformat``, which took the reader's zone."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = days.day_in(value, i18n.company_zone())
    return flask_babel.format_date(value, format)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["minutes"] = minutes
    app.jinja_env.filters["datetimeformat"] = datetime_in_zone
    app.jinja_env.filters["dateformat"] = company_date
    app.jinja_env.globals["language_name"] = i18n.language_name
    app.jinja_env.globals["language_name_in"] = i18n.language_name_in
    app.jinja_env.globals["html_lang"] = i18n.html_lang
    app.jinja_env.globals["text_direction"] = i18n.text_direction
    app.jinja_env.globals["Role"] = Role  # navigation shows links by role

    @app.context_processor
    def page_language():
        lang = i18n.current_language()
        return {
            "ui_lang": lang,
            "ui_dir": i18n.text_direction(lang),
            "ui_languages": _switcher_entries(tuple(current_app.config["LANGUAGES"])),
        }


@cache
def _switcher_entries(languages: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(code, BCP 47 tag, own name) for the language switcher on every page."""
    return [(code, i18n.html_lang(code), i18n.language_name(code)) for code in languages]
