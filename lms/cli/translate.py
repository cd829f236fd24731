"""``flask lms translate …``: the UI catalogs in translations/ (wraps pybabel)."""

import click
from flask.cli import AppGroup

from lms.cli import lms_cli
from lms.config import PROJECT_ROOT

translate_cli = AppGroup("translate", help="UI translation catalogs (wraps pybabel).")
lms_cli.add_command(translate_cli)


def _pybabel(*args: str) -> None:
    from babel.messages.frontend import CommandLineInterface

    CommandLineInterface().run(["pybabel", *args])


TRANSLATIONS = PROJECT_ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"


@translate_cli.command("extract")
def translate_extract():
    """Extract UI strings into translations/messages.pot."""
    _pybabel(
        "extract",
        "-F",
        str(PROJECT_ROOT / "babel.cfg"),
        "-k",
        "_l",
        "--no-location",
        "--sort-output",
        "--project",
        "brand-ambassador-lms",
        "-o",
        str(POT),
        str(PROJECT_ROOT / "lms"),
    )


@translate_cli.command("update")
def translate_update():
    """Extract, then merge new strings into every language's catalog."""
    translate_extract.callback()
    _pybabel(
        "update",
        "-i",
        str(POT),
        "-d",
        str(TRANSLATIONS),
        "--no-fuzzy-matching",
        "--ignore-obsolete",
    )


@translate_cli.command("init")
@click.argument("lang")
def translate_init(lang: str):
    _pybabel("init", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", lang)


@translate_cli.command("compile")
def translate_compile():
    _pybabel("compile", "-d", str(TRANSLATIONS), "--statistics")
