"""``flask lms person erase ID``: erasure of a person who has left (GDPR Art. 17).

The person is pseudonymised and what identifies them deleted; their certification
evidence stays, by id (docs/privacy.md). An active person is refused unless
``--deactivate`` deactivates them first, as a leaver. Erasing someone already erased
changes nothing. Acts as the system (no signed-in actor): the audit event says
``"via": "cli"``.
"""

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from lms.cli import lms_cli
from lms.models import User
from lms.services import Refused
from lms.services import erasure

person_cli = AppGroup("person", help="One person's personal data.")
lms_cli.add_command(person_cli)


@person_cli.command("erase")
@click.argument("identifier")
@click.option("--deactivate", is_flag=True, help="Deactivate an active person first.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def person_erase(identifier: str, deactivate: bool, yes: bool):
    """Pseudonymise the person with this employee id or email, keeping their evidence."""
    user = User.find(identifier)
    if user is None:
        raise click.ClickException(f"No account has the email or employee id {identifier!r}.")
    if erasure.is_erased(user):
        click.echo(f"{user.employee_id} was erased already; nothing changed.")
        return
    if not yes:
        click.confirm(
            f"Erase {user.name} <{user.email}> ({user.employee_id})? Their name, email, "
            "employee id, handles, sign-ins and addresses are replaced or deleted for good; "
            "their certifications stay, by id",
            abort=True,
        )
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        try:
            erasure.erase(user, actor=None, deactivate=deactivate, via="cli")
        except Refused as refused:
            message = str(refused.message)
            if user.active:
                message += " Use --deactivate to deactivate them first."
            raise click.ClickException(message) from None
    click.echo(f"Erased: the person is now {user.employee_id} ({user.name}).")
