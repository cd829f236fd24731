"""``flask lms user grant|revoke|set-password``: an operator's hand on roles and passwords.

Refusals (an unknown role or person, the last admin) print the reason and exit 1, having
changed nothing. The commands act as the system (no signed-in actor): their audit events
say ``"via": "cli"``.
"""

import sys
from collections.abc import Callable
from functools import wraps

import click
from flask import current_app
from flask_babel import force_locale

from lms.cli.access import user_cli
from lms.models import User
from lms.services import Refused
from lms.services import roles
from lms.services import users


def _refusals_exit_1(command: Callable) -> Callable:
    """Run ``command`` in the default language; a refusal prints its reason and exits 1."""

    @wraps(command)
    def run(*args, **kwargs):
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            try:
                return command(*args, **kwargs)
            except Refused as refused:
                raise click.ClickException(str(refused.message)) from None

    return run


def _account(identifier: str) -> User:
    user = User.find(identifier)
    if user is None:
        raise click.ClickException(f"No account has the email or employee id {identifier!r}.")
    return user


@user_cli.command("grant")
@click.argument("account")
@click.argument("role")
@click.option(
    "--department",
    "departments",
    multiple=True,
    help="A department the lead leads (repeat for several; default: their own).",
)
@_refusals_exit_1
def user_grant(account: str, role: str, departments: tuple[str, ...]):
    """Grant ROLE (admin, hr, lead, marketing) to ACCOUNT (an email or employee id)."""
    user = _account(account)
    changed = roles.grant_role(user, role, by=None, departments=departments or None, via="cli")
    role = roles.role_named(role).value
    if not changed:
        click.echo(f"{user.email} already holds {role}; nothing changed.")
    elif role == "lead":
        click.echo(f"{user.email} now leads: {', '.join(user.lead_departments) or '(none)'}.")
    else:
        click.echo(f"{user.email} now holds {role}.")


@user_cli.command("revoke")
@click.argument("account")
@click.argument("role")
@_refusals_exit_1
def user_revoke(account: str, role: str):
    """Revoke ROLE from ACCOUNT (an email or employee id)."""
    user = _account(account)
    changed = roles.revoke_role(user, role, by=None, via="cli")
    role = roles.role_named(role).value
    if changed:
        click.echo(f"{user.email} no longer holds {role}.")
    else:
        click.echo(f"{user.email} did not hold {role}; nothing changed.")


@user_cli.command("set-password")
@click.argument("account")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)
@_refusals_exit_1
def user_set_password(account: str, password_stdin: bool):
    """Set ACCOUNT's password (asked twice, never shown) and end their sign-ins."""
    user = _account(account)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True, err=True)
    users.set_password(user, password, actor=None, via="cli")
    click.echo(f"Password set for {user.email}; their sign-ins have ended.")
