"""``flask lms …``: content, tokens, users, demo data and translations."""

import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask
from flask import current_app
from flask.cli import AppGroup

from lms import content
from lms.config import PROJECT_ROOT
from lms.extensions import db
from lms.models import ApiToken
from lms.models import Role
from lms.models import User
from lms.models import utcnow
from lms.services import audit
from lms.services import clearance
from lms.services import content_store

lms_cli = AppGroup("lms", help="Brand-ambassador LMS administration.")
content_cli = AppGroup("content", help="Check, measure and publish courses/ and quizzes/.")
token_cli = AppGroup("token", help="API tokens for other systems.")
user_cli = AppGroup("user", help="Accounts.")
translate_cli = AppGroup("translate", help="UI translation catalogs (wraps pybabel).")
for group in (content_cli, token_cli, user_cli, translate_cli):
    lms_cli.add_command(group)


def _content_root() -> Path:
    return Path(current_app.config["CONTENT_ROOT"])


@content_cli.command("check")
@click.option("--strict", is_flag=True, help="Fail on warnings too (e.g. stale translations).")
def content_check(strict: bool):
    """Report every problem in the content files, with file and line; exit 1 on errors."""
    courses, problems = content.load_catalog(_content_root())
    for problem in problems:
        click.echo(str(problem), err=problem.severity == "error")
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    click.echo(f"{len(courses)} course(s) valid, {errors} error(s), {warnings} warning(s).")
    sys.exit(1 if errors or (strict and warnings) else 0)


@content_cli.command("stats")
@click.option("--modules", "per_module", is_flag=True, help="Also list every module.")
def content_stats(per_module: bool):
    """Estimated reading time per course and language (and per module)."""
    courses, _ = content.load_catalog(_content_root())
    for course in courses.values():
        click.echo(f"{course.id} {course.meta.version}")
        click.echo(f"  {'lang':<8}{'modules':>8}{'reading':>9}{'quiz':>7}{'total':>8}")
        for row in content.stats(course):
            click.echo(f"  {row['lang']:<8}{row['modules']:>8}{_mmss(row['module_seconds']):>9}"
                       f"{_mmss(row['quiz_seconds']):>7}{_mmss(row['total_seconds']):>8}")
            if per_module:
                for m in row["per_module"]:
                    click.echo(f"      {m['id']:<40}{_mmss(m['seconds']):>8}")


def _mmss(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


@content_cli.command("sync")
def content_sync():
    """Publish every course whose files changed and are valid."""
    report = content_store.sync(_content_root())
    for version in report.published:
        click.echo(f"published {version.course_id} {version.version}")
    for course_id in report.unchanged:
        click.echo(f"unchanged {course_id}")
    for course_id, problems in report.rejected.items():
        click.echo(f"rejected {course_id}: the last good version stays", err=True)
        for problem in problems:
            click.echo(f"  {problem}", err=True)
    sys.exit(1 if report.rejected else 0)


@content_cli.command("revisions")
def content_revisions():
    """The revision of every source-language file, for translators' ``translation_of``."""
    courses, _ = content.load_catalog(_content_root())
    for course in courses.values():
        source = course.meta.source_language
        for module in course.modules.get(source, ()):
            click.echo(f"{module.revision}  {module.path}")
        if source in course.quizzes:
            quiz = course.quizzes[source]
            click.echo(f"{quiz.revision}  {quiz.path}")


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


def _pybabel(*args: str) -> None:
    from babel.messages.frontend import CommandLineInterface

    CommandLineInterface().run(["pybabel", *args])


TRANSLATIONS = PROJECT_ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"


@translate_cli.command("extract")
def translate_extract():
    """Extract UI strings into translations/messages.pot."""
    _pybabel("extract", "-F", str(PROJECT_ROOT / "babel.cfg"), "-k", "_l", "--no-location",
             "--sort-output", "-o", str(POT), str(PROJECT_ROOT / "lms"))


@translate_cli.command("update")
def translate_update():
    """Extract, then merge new strings into every language's catalog."""
    translate_extract.callback()
    _pybabel("update", "-i", str(POT), "-d", str(TRANSLATIONS), "--no-fuzzy-matching",
             "--ignore-obsolete")


@translate_cli.command("init")
@click.argument("lang")
def translate_init(lang: str):
    _pybabel("init", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", lang)


@translate_cli.command("compile")
def translate_compile():
    _pybabel("compile", "-d", str(TRANSLATIONS), "--statistics")


def init_app(app: Flask) -> None:
    app.cli.add_command(lms_cli)


