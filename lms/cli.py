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
             "--sort-output", "--project", "brand-ambassador-lms", "-o", str(POT),
             str(PROJECT_ROOT / "lms"))


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


roster_cli = AppGroup("roster", help="The employee roster from the HR system.")
lms_cli.add_command(roster_cli)


@roster_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and preview only; change nothing.")
def roster_import(file: Path, dry_run: bool):
    """Import the roster CSV FILE: all of it, or nothing if any row is bad (exit 1)."""
    from flask_babel import force_locale

    from lms.services import roster

    languages = current_app.config["LANGUAGES"]
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        if dry_run:
            preview = roster.check(file.read_bytes(), languages, file.name)
        else:
            preview = roster.import_file(file.read_bytes(), languages, filename=file.name)
        for problem in preview.problems:
            click.echo(f"{file}:{problem}", err=True)
    counts = preview.counts()
    click.echo(f"{counts['rows']} row(s): {counts['added']} to add, {counts['updated']} to "
               f"update, {counts['deactivated']} to deactivate, {counts['reactivated']} to "
               f"reactivate, {counts['unchanged']} unchanged; {counts['bad_rows']} bad row(s).")
    click.echo(f"Read and checked in {preview.check_seconds:.2f} s.")
    if preview.protected:
        click.echo(f"{len(preview.protected)} account(s) created by hand keep their status.")
    if preview.applied:
        click.echo(f"Applied in {preview.apply_seconds:.2f} s.")
    elif preview.problems:
        click.echo("Nothing changed: fix the bad rows and import again.", err=True)
    sys.exit(1 if preview.problems else 0)


quiz_cli = AppGroup("quiz", help="Quiz banks.")
lms_cli.add_command(quiz_cli)


@quiz_cli.command("import-gift")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the quiz, e.g. quizzes/<course-id>/en.md.")
@click.option("--title", help="The quiz title; default: the file name.")
@click.option("--pool", type=click.IntRange(min=1), help="Questions drawn per attempt.")
def quiz_import_gift(file: Path, out: Path, title: str | None, pool: int | None):
    """Convert the Moodle GIFT file FILE to a quiz; report every question left out (exit 1
    when none could be converted or FILE cannot be read)."""
    from lms.content.gift import gift_to_quiz
    from lms.content.gift import parse_gift

    try:
        data = file.read_bytes()
        text = data.decode("utf-8")
    except OSError as exc:
        raise click.ClickException(f"{file}: cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise click.ClickException(f"{file}:{line}: not UTF-8: byte 0x{data[exc.start]:02x} "
                                   f"at byte offset {exc.start}; save the file as UTF-8") from exc
    try:
        result = gift_to_quiz(parse_gift(text), title or file.stem.replace("_", " "), pool)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    for report in sorted(result.skipped + result.notes, key=lambda r: r.line):
        click.echo(f"{file}:{report}")
    if result.converted:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(result.markdown, encoding="utf-8")
    click.echo(f"converted {result.converted}, skipped {len(result.skipped)}")
    sys.exit(0 if result.converted else 1)


# "import" is the authoring name for a sync: both publish only what changed.
content_cli.add_command(content_sync, "import")


@content_cli.command("export")
@click.argument("course_id", required=False)
@click.option("--drafts", is_flag=True, help="Write each course's draft, where it has one.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write courses/ and quizzes/ into; default: the content root.")
def content_export(course_id: str | None, drafts: bool, out: Path | None):
    """Write the published files (or drafts) of every course, or COURSE_ID, back in the
    courses/ and quizzes/ layout, byte for byte."""
    from lms.services import content_export as exporter

    out = out or _content_root()
    try:
        report = exporter.export(out, course_id, drafts)
    except LookupError as exc:
        raise click.ClickException(f"No published course {course_id!r}.") from exc
    for done in report.courses:
        click.echo(f"exported {done.course_id} {done.label}: {done.files} file(s) to {out}")
    for path in report.stale:
        click.echo(f"not in the export, left as it is: {out / path}", err=True)


assignments_cli = AppGroup("assignments", help="Assignment rules, renewals and recertification.")
reminders_cli = AppGroup("reminders", help="Reminder e-mails about due and overdue courses.")
lms_cli.add_command(assignments_cli)
lms_cli.add_command(reminders_cli)


def _when(value: str | None):
    """``--now`` for replaying a day: an ISO date or time (UTC), default now."""
    from datetime import UTC
    from datetime import datetime

    if not value:
        return utcnow()
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@assignments_cli.command("add")
@click.option("--course", "course_id", required=True, help="The course id.")
@click.option("--everyone", is_flag=True, help="Assign to every active employee.")
@click.option("--department")
@click.option("--country", help="Two-letter country code.")
@click.option("--role", type=click.Choice([r.value for r in Role]))
@click.option("--due-date", type=click.DateTime(["%Y-%m-%d"]), help="A fixed due date.")
@click.option("--due-days", type=click.IntRange(min=1), help="Due N days after assignment.")
@click.option("--due-days-after-hire", type=click.IntRange(min=1),
              help="Due N days after each person's hire date.")
@click.option("--by", "actor_email", help="The HR person making the rule (email).")
def assignments_add(course_id, everyone, department, country, role, due_date, due_days,
                    due_days_after_hire, actor_email):
    """Save an assignment rule and apply it at once."""
    from lms.services import assignments

    scopes = [(k, v) for k, v in (("all", everyone), ("department", department),
                                  ("country", country), ("role", role)) if v]
    dues = [(k, v) for k, v in (("date", due_date), ("after_assignment", due_days),
                                ("after_hire", due_days_after_hire)) if v]
    if len(scopes) != 1 or len(dues) != 1:
        raise click.UsageError("Give exactly one of --everyone/--department/--country/--role "
                               "and one of --due-date/--due-days/--due-days-after-hire.")
    actor = User.find(actor_email) if actor_email else None
    if actor_email and actor is None:
        raise click.ClickException(f"No user {actor_email}.")
    (scope_kind, scope_value), (due_kind, due) = scopes[0], dues[0]
    try:
        rule, created = assignments.create_rule(
            actor, course_id, scope_kind, None if scope_kind == "all" else scope_value,
            due_kind, due_date=due.date() if due_kind == "date" else None,
            due_days=due if due_kind != "date" else None)
    except assignments.RuleError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Rule {rule.id} saved: {created} people enrolled in {course_id}.")


@assignments_cli.command("list")
def assignments_list():
    """Every rule, active first."""
    from lms.services import assignments

    for rule in assignments.all_rules():
        d = assignments.describe(rule)
        scope = d["scope_kind"] + (f"={d['scope_value']}" if d["scope_value"] else "")
        due = d["due_date"] or f"{d['due_kind']}+{d['due_days']}d"
        state = "active" if rule.active else "inactive"
        click.echo(f"{rule.id:>4}  {rule.course_id:<24} {scope:<28} due {due:<26} {state}")


@assignments_cli.command("deactivate")
@click.argument("rule_id", type=int)
def assignments_deactivate(rule_id: int):
    """Stop applying rule RULE_ID to new employees (enrolments made stay)."""
    from lms.services import assignments

    if not assignments.deactivate_rule(rule_id, None):
        raise click.ClickException(f"No active rule {rule_id}.")
    click.echo(f"Rule {rule_id} deactivated.")


@assignments_cli.command("apply")
@click.option("--now", "now_text", help="Pretend it is this UTC date/time (ISO 8601).")
def assignments_apply(now_text):
    """Apply every active rule to everyone it covers who has no enrolment yet."""
    from lms.services import assignments

    created = assignments.apply_rules(now=_when(now_text))
    click.echo(f"{created} enrolment(s) created.")


@assignments_cli.command("run")
@click.option("--now", "now_text", help="Pretend it is this UTC date/time (ISO 8601).")
def assignments_run(now_text):
    """The daily job (cron, any number of servers): renewals, recertifications, rules for
    new employees, and clearances that lapsed."""
    from time import perf_counter

    from lms.services import assignments

    started = perf_counter()
    report = assignments.run(_when(now_text))
    click.echo(f"{report.renewals} renewal(s), {report.recertifications} recertification(s), "
               f"{report.assigned} assigned by rules, {report.clearances_refreshed} lapsed "
               f"clearance(s) refreshed in {perf_counter() - started:.2f} s.")


@reminders_cli.command("send")
@click.option("--now", "now_text", help="Pretend it is this UTC date/time (ISO 8601).")
@click.option("--days-before", type=click.IntRange(min=0),
              help="First reminder N days before the due date (default REMINDER_DAYS_BEFORE, 7).")
def reminders_send(now_text, days_before):
    """E-mail everyone whose course is due soon, today, or overdue (weekly, manager copied).
    Safe to run on several servers at once: each reminder goes out once."""
    from lms.services import reminders

    reminders.init_app(current_app)
    report = reminders.send_due(_when(now_text), days_before)
    click.echo(f"{report.sent} sent, {report.skipped} already sent elsewhere, "
               f"{report.failed} failed (will be retried).")
    for error in report.errors[:20]:
        click.echo(f"  {error}", err=True)
    sys.exit(1 if report.failed else 0)


def init_app(app: Flask) -> None:
    app.cli.add_command(lms_cli)


