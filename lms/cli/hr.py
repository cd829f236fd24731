"""``flask lms roster|assignments|reminders``: HR's imports and scheduled jobs."""

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from lms.cli import lms_cli
from lms.models import Role
from lms.models import User
from lms.models import utcnow
from lms.services import Refused

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
            try:
                preview = roster.import_file(file.read_bytes(), languages, filename=file.name)
            except roster.Refused as refused:
                click.echo(f"{file}: {refused.message}", err=True)
                sys.exit(1)
        for problem in preview.problems:
            click.echo(f"{file}:{problem}", err=True)
    counts = preview.counts()
    click.echo(
        f"{counts['rows']} row(s): {counts['added']} to add, {counts['updated']} to "
        f"update, {counts['deactivated']} to deactivate, {counts['reactivated']} to "
        f"reactivate, {counts['unchanged']} unchanged; {counts['bad_rows']} bad row(s)."
    )
    click.echo(f"Read and checked in {preview.check_seconds:.2f} s.")
    if preview.protected:
        click.echo(f"{len(preview.protected)} account(s) created by hand keep their status.")
    if preview.applied:
        click.echo(f"Applied in {preview.apply_seconds:.2f} s.")
    elif preview.problems:
        click.echo("Nothing changed: fix the bad rows and import again.", err=True)
    sys.exit(1 if preview.problems else 0)


@roster_cli.command("purge-uploads")
@click.option(
    "--days",
    type=click.IntRange(min=0),
    help="Delete uploads older than this (default ROSTER_UPLOAD_RETENTION_DAYS, 30).",
)
@click.option("--now", "now_text", help="Pretend it is this UTC date/time (ISO 8601).")
def roster_purge_uploads(days, now_text):
    """Delete uploaded roster files past their retention (the daily job runs this too)."""
    from lms.services import roster_retention

    purged = roster_retention.purge_uploads(_when(now_text), days)
    click.echo(
        f"{purged} roster upload(s) older than "
        f"{roster_retention.retention_days() if days is None else days} day(s) deleted."
    )


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
@click.option(
    "--due-days-after-hire",
    type=click.IntRange(min=1),
    help="Due N days after each person's hire date.",
)
@click.option(
    "--required", is_flag=True, help="Required for clearance of these people (an audience)."
)
@click.option("--recertify-month", type=click.IntRange(1, 12), help="Recertify every year then.")
@click.option("--recertify-day", type=click.IntRange(1, 31), help="… on this day of that month.")
@click.option("--by", "actor_email", help="The HR person making the rule (email).")
def assignments_add(
    course_id,
    everyone,
    department,
    country,
    role,
    due_date,
    due_days,
    due_days_after_hire,
    required,
    recertify_month,
    recertify_day,
    actor_email,
):
    """Save an assignment rule and apply it at once."""
    from lms.services import assignments

    scopes = [
        (k, v)
        for k, v in (
            ("all", everyone),
            ("department", department),
            ("country", country),
            ("role", role),
        )
        if v
    ]
    dues = [
        (k, v)
        for k, v in (
            ("date", due_date),
            ("after_assignment", due_days),
            ("after_hire", due_days_after_hire),
        )
        if v
    ]
    if len(scopes) != 1 or len(dues) != 1:
        raise click.UsageError(
            "Give exactly one of --everyone/--department/--country/--role "
            "and one of --due-date/--due-days/--due-days-after-hire."
        )
    actor = User.find(actor_email) if actor_email else None
    if actor_email and actor is None:
        raise click.ClickException(f"No user {actor_email}.")
    (scope_kind, scope_value), (due_kind, due) = scopes[0], dues[0]
    try:
        rule, created = assignments.create_rule(
            actor,
            course_id,
            scope_kind,
            None if scope_kind == "all" else scope_value,
            due_kind,
            due_date=due.date() if due_kind == "date" else None,
            due_days=due if due_kind != "date" else None,
            required=required,
            recertify_month=recertify_month,
            recertify_day=recertify_day,
        )
    except Refused as refused:  # a rule that makes no sense
        raise click.ClickException(str(refused.message)) from refused
    if created is None:  # too many for a web request; the command may take its time
        created = assignments.apply_rule(rule.id, actor.id if actor else None)
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
    new employees, clearances that lapsed, and roster uploads past their retention."""
    from time import perf_counter

    from lms.services import assignments
    from lms.services import roster_retention

    started = perf_counter()
    report = assignments.run(_when(now_text))
    click.echo(
        f"{report.renewals} renewal(s), {report.recertifications} recertification(s), "
        f"{report.assigned} assigned by rules, {report.clearances_refreshed} lapsed "
        f"clearance(s) refreshed in {perf_counter() - started:.2f} s."
    )
    purged = roster_retention.purge_uploads(_when(now_text))
    click.echo(f"{purged} roster upload(s) past their retention deleted.")


@reminders_cli.command("send")
@click.option("--now", "now_text", help="Pretend it is this UTC date/time (ISO 8601).")
@click.option(
    "--days-before",
    type=click.IntRange(min=0),
    help="First reminder N days before the due date (default REMINDER_DAYS_BEFORE, 7).",
)
def reminders_send(now_text, days_before):
    """E-mail everyone whose course is due soon, today, or overdue (weekly, manager copied).
    Safe to run on several servers at once: each reminder goes out once."""
    from lms.services import reminders

    report = reminders.send_due(_when(now_text), days_before)
    click.echo(
        f"{report.sent} sent, {report.skipped} already sent elsewhere, "
        f"{report.failed} failed (will be retried)."
    )
    for error in report.errors[:20]:
        click.echo(f"  {error}", err=True)
    sys.exit(1 if report.failed else 0)
