"""``flask lms keys …``: the organisation's keys that sign Open Badges credentials."""

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from lms.cli import lms_cli
from lms.extensions import db
from lms.models import SigningKey
from lms.services import Refused
from lms.services import signing_keys

keys_cli = AppGroup("keys", help="Signing keys for Open Badges credentials.")
lms_cli.add_command(keys_cli)


@keys_cli.command("generate")
def generate():
    """Make the first signing key (refused when one is active: rotate it)."""
    try:
        key = signing_keys.generate(via="cli")
    except Refused as refused:
        raise click.ClickException(str(refused.message)) from None
    click.echo(f"Signing key {key.kid} ({key.alg}) is active.")


@keys_cli.command("rotate")
def rotate():
    """Make a new active key; the old one stays published, so its badges still verify."""
    key = signing_keys.rotate(via="cli")
    click.echo(f"Signing key {key.kid} ({key.alg}) is active; the previous key is retired.")


@keys_cli.command("list")
def list_keys():
    """Every key: kid, algorithm, state, created and retired."""
    keys = list(db.session.scalars(sa.select(SigningKey).order_by(SigningKey.id)))
    if not keys:
        click.echo("No signing keys yet: run “flask lms keys generate”.")
    for key in keys:
        state = "active" if key.active else "retired"
        retired = f"  retired {key.retired_at:%Y-%m-%d %H:%M}" if key.retired_at else ""
        created = f"created {key.created_at:%Y-%m-%d %H:%M}"
        click.echo(f"{key.kid}  {key.alg}  {state}  {created}{retired}")
