"""``flask lms company show|set``: the values filled into course text's ``{{company.KEY}}``
markers (the same as the admin page /admin/company).

A refusal (an unknown key, a value too long) prints the reason and exits 1, having
changed nothing. Changes are made as the system; their audit events say ``"via": "cli"``.
"""

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from lms.cli import lms_cli
from lms.content import company as registry
from lms.queries import catalog
from lms.queries import company as settings
from lms.services import Refused
from lms.services import company

company_cli = AppGroup("company", help="Company settings shown in the courses.")
lms_cli.add_command(company_cli)


@company_cli.command("show")
def company_show():
    """Every setting: its value, default or "not set", and whether the courses use it."""
    current = settings.current()
    used = catalog.company_keys_used()
    for setting in registry.SETTINGS:
        value = current.explicit.get(setting.key)
        if value:
            shown = value
        elif setting.default:
            shown = f"(default: {setting.default})"
        else:
            shown = "(not set)"
        flag = ""
        if setting.key in used:
            flag = "  [used, not set]" if shown == "(not set)" else "  [used]"
        click.echo(f"{setting.key:<28} {shown}{flag}")
    unset = current.unset(used)
    if unset:
        click.echo(f"{len(unset)} setting(s) used by the courses not set: {', '.join(unset)}")


@company_cli.command("set")
@click.argument("key")
@click.argument("value")
def company_set(key: str, value: str):
    """Set KEY to VALUE; an empty VALUE ("") clears it, back to its default or none."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        try:
            changed = company.set_values({key: value}, None, via="cli")
        except Refused as refused:
            raise click.ClickException(str(refused.message)) from None
    if not changed:
        click.echo(f"{key} unchanged.")
    elif value.strip():
        click.echo(f"{key} set.")
    else:
        click.echo(f"{key} cleared.")
