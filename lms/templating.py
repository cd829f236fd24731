"""What every template may use: language, direction and small formatting helpers."""

import math
from functools import cache

from flask import Flask
from flask import current_app

from lms import i18n
from lms.models import Role


def minutes(seconds: int) -> int:
    """Whole minutes for an estimate, never 0 for a non-empty text."""
    return max(1, math.ceil(seconds / 60)) if seconds else 0


def init_app(app: Flask) -> None:
    app.jinja_env.filters["minutes"] = minutes
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
