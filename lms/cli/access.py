"""``flask lms token|user|demo|clearance-refresh``: who may do what, and their clearance."""

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from lms.cli import lms_cli
from lms.extensions import db
from lms.models import ApiToken
from lms.models import Role
from lms.models import User
from lms.models import utcnow
from lms.services import audit
from lms.services import clearance

token_cli = AppGroup("token", help="API tokens for other systems.")
user_cli = AppGroup("user", help="Accounts.")
lms_cli.add_command(token_cli)
lms_cli.add_command(user_cli)


@token_cli.command("create")
@click.argument("name")
def token_create(name: str):
    """Create a token for the system NAME; it is printed once and stored hashed."""
    row, token = ApiToken.issue(name)
    db.session.add(row)
    db.session.commit()
    click.echo(f"Token {row.id} for {name} (shown once, store it now):\n{token}")


@token_cli.command("list")
def token_list():
    for row in db.session.scalars(sa.select(ApiToken).order_by(ApiToken.id)):
        state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
        click.echo(f"{row.id:>4}  {row.name:<30} created {row.created_at:%Y-%m-%d}  {state}")


@token_cli.command("revoke")
@click.argument("token_id", type=int)
def token_revoke(token_id: int):
    row = db.session.get(ApiToken, token_id)
    if row is None:
        raise click.ClickException(f"No token with id {token_id}.")
    row.revoked_at = row.revoked_at or utcnow()
    db.session.commit()
    click.echo(f"Token {token_id} revoked.")


@user_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--employee-id", required=True)
@click.option("--role", "roles", multiple=True, type=click.Choice([r.value for r in Role]))
@click.password_option()
def user_create(email: str, name: str, employee_id: str, roles: tuple[str], password: str):
    """Create an account (the first admin, typically)."""
    if User.find(email) or User.find(employee_id):
        raise click.ClickException("A user with that email or employee id exists.")
    user = User(email=email.lower(), name=name, employee_id=employee_id)
    user.set_password(password)
    for role in roles:
        user.grant(Role(role))
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", subject=user,
                 after={"email": user.email, "roles": sorted(r.value for r in user.roles)})
    clearance.refresh(user)
    db.session.commit()
    click.echo(f"Created {user.email}.")


@lms_cli.command("demo")
@click.option("--password", help="Use this password for every demo account.")
def demo(password: str | None):
    """Create demo accounts for every role and print their credentials."""
    if current_app.config["LMS_ENV"] == "production":
        raise click.ClickException("Demo accounts are refused in production.")
    from lms.demo import create_demo_users

    for user, plain in create_demo_users(password):
        roles = ", ".join(sorted(r.value for r in user.roles))
        click.echo(f"{user.email:<28} password: {plain:<22} ({roles})")


@lms_cli.command("clearance-refresh")
def clearance_refresh():
    """Recompute everyone's clearance (a nightly job catches expiries as audit events)."""
    count = clearance.refresh_everyone()
    db.session.commit()
    click.echo(f"Refreshed {count} clearance(s).")


