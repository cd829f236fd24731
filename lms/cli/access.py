"""``flask lms token|user|demo|clearance-refresh``: who may do what, and their clearance."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from lms.cli import lms_cli
from lms.models import Role
from lms.models.api_token import DEFAULT_SCOPE
from lms.models.api_token import LEGACY_SCOPES
from lms.models.api_token import SCOPES
from lms.queries import access
from lms.services import Refused
from lms.services import api_tokens
from lms.services import clearance
from lms.services import content_store
from lms.services import users

token_cli = AppGroup("token", help="API tokens for other systems.")
user_cli = AppGroup("user", help="Accounts.")
lms_cli.add_command(token_cli)
lms_cli.add_command(user_cli)


@token_cli.command("create")
@click.argument("name")
@click.option(
    "--scope",
    "scopes",
    type=click.Choice([*SCOPES, *LEGACY_SCOPES]),
    multiple=True,
    default=[DEFAULT_SCOPE],
    show_default=True,
    help="What it opens (repeat for several): clearance:read, the API at /api/v1; scim, "
    "provisioning at /scim/v2; webhooks. (clearance: the old name of clearance:read.)",
)
@click.option(
    "--rate-limit", help="Its own rate limit, e.g. '1200 per minute' (default: the app's)"
)
def token_create(name: str, scopes: tuple[str, ...], rate_limit: str | None):
    """Create a token for the system NAME; it is printed once and stored hashed."""
    try:
        row, token = api_tokens.issue(name, scope=scopes, rate_limit=rate_limit)
    except Refused as refused:
        raise click.ClickException(str(refused.message)) from None
    click.echo(f"Token {row.id} for {name} ({row.scope}; shown once, store it now):\n{token}")


@token_cli.command("list")
def token_list():
    for row in access.api_tokens():
        state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
        used = f"used {row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never used"
        click.echo(
            f"{row.id:>4}  {row.name:<30} {row.scope:<28} created {row.created_at:%Y-%m-%d}  "
            f"{used}  {state}"
        )


@token_cli.command("revoke")
@click.argument("token_id", type=int)
def token_revoke(token_id: int):
    try:
        api_tokens.revoke(token_id)
    except Refused as refused:
        raise click.ClickException(str(refused.message)) from None
    click.echo(f"Token {token_id} revoked.")


@user_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--employee-id", required=True)
@click.option("--role", "roles", multiple=True, type=click.Choice([r.value for r in Role]))
@click.option("--invite", is_flag=True, help="No password: e-mail an invitation to set one.")
@click.option("--password", help="The password (asked for when neither this nor --invite).")
def user_create(
    email: str, name: str, employee_id: str, roles: tuple[str], invite: bool, password: str | None
):
    """Create an account (the first admin, typically), with a password or an invitation."""
    if not invite and password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = users.create(
            email=email,
            name=name,
            employee_id=employee_id,
            roles=[Role(r) for r in roles],
            password=None if invite else password,
        )
    except Refused as refused:
        raise click.ClickException(str(refused.message)) from None
    click.echo(f"Created {user.email}.")


@lms_cli.command("demo")
@click.option("--password", help="Use this password for every demo account it sets.")
@click.option(
    "--reset-passwords",
    is_flag=True,
    help="Also set new passwords for demo accounts that exist (ends their sign-ins).",
)
def demo(password: str | None, reset_passwords: bool):
    """Publish the bundled courses, create the demo accounts for every role that do not
    exist yet and print their credentials; existing accounts keep their passwords."""
    if current_app.config["LMS_ENV"] == "production":
        raise click.ClickException("Demo accounts are refused in production.")
    from lms.services import signing_keys
    from lms.services.demo import create_demo_users
    from lms.services.demo import fill_company_settings
    from lms.services.demo import require_bundled_courses

    report = content_store.sync(Path(current_app.config["CONTENT_ROOT"]))
    for version in report.published:
        click.echo(f"published {version.course_id} {version.version}")
    fill_company_settings()
    kept = 0
    for account in create_demo_users(password, reset_passwords=reset_passwords):
        roles = ", ".join(sorted(r.value for r in account.user.roles))
        if account.password is None:
            kept += 1
            shown = "(exists: password unchanged)"
        else:
            shown = f"password: {account.password}"
        click.echo(f"{account.user.email:<28} {shown:<32} ({roles})")
    if kept:
        click.echo(
            f"{kept} existing account(s) kept their passwords; "
            "flask lms demo --reset-passwords sets new ones."
        )
    for course_id in require_bundled_courses():
        click.echo(f"required {course_id} of everyone")
    if signing_keys.active() is None:  # so the demo's digital badges download at once
        signing_keys.generate(via="demo")
        click.echo("generated the key that signs digital badges (flask lms keys list)")


@lms_cli.command("clearance-refresh")
def clearance_refresh():
    """Recompute everyone's clearance (a nightly job catches expiries as audit events)."""
    count = clearance.recompute_everyone()
    click.echo(f"Refreshed {count} clearance(s).")
