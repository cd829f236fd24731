"""``flask lms invitations send``: e-mail pending invitations and password links."""

import sys

import click
from flask.cli import AppGroup

from lms.cli import lms_cli

invitations_cli = AppGroup("invitations", help="Invitations and password links by e-mail.")
lms_cli.add_command(invitations_cli)


@invitations_cli.command("send")
def invitations_send():
    """E-mail every pending invitation and password link, and retry failed ones. Safe to
    run on several servers at once: each goes out once."""
    from lms.services import password_links

    report = password_links.send_pending()
    click.echo(
        f"{report.sent} sent, {report.skipped} being sent elsewhere, "
        f"{report.failed} failed (will be retried)."
    )
    for error in report.errors[:20]:
        click.echo(f"  {error}", err=True)
    sys.exit(1 if report.failed else 0)
