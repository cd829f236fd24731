"""``flask lms worker``: run the job queue; ``flask lms jobs``: start and list jobs."""

import logging

import click
from flask import current_app
from flask.cli import AppGroup

from lms import jobs
from lms.cli import lms_cli
from lms.jobs import queue
from lms.queries import jobs as job_reads


@lms_cli.command("worker")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="Jobs run at the same time by this process (threads).",
)
@click.option(
    "--no-periodic",
    is_flag=True,
    help="Do not schedule the daily run and reminders from this process.",
)
def worker(workers: int, no_periodic: bool):
    """Run jobs from the queue (LMS_HUEY_URL) until stopped. Run one or more, on any
    machines; SIGTERM lets the running jobs finish, then exits 0."""
    logging.getLogger("huey").setLevel(logging.INFO)
    huey = jobs.huey()
    if huey.immediate:
        raise click.ClickException("HUEY_URL is 'immediate': jobs run where they start.")
    click.echo(f"worker: {workers} thread(s), queue {current_app.config['JOBS_QUEUE_NAME']!r}")
    queue.worker_consumer(huey, workers, periodic=not no_periodic).run()


jobs_cli = AppGroup("jobs", help="Background jobs: start the scheduled ones, list recent ones.")
lms_cli.add_command(jobs_cli)


@jobs_cli.command("start")
@click.argument("kind", type=click.Choice(["daily", "reminders", "assignment_rules"]))
def jobs_start(kind: str):
    """Send a job of KIND to the queue (what the schedule does), and print its id."""
    job = jobs.start(kind, {}, None)
    click.echo(f"job {job.id} {job.kind}: {job.status}")


@jobs_cli.command("list")
def jobs_list():
    """The recent jobs, newest first."""
    for job in job_reads.recent(None):
        took = f"{job.seconds:.1f} s" if job.seconds is not None else "-"
        click.echo(
            f"{job.id:>6}  {job.kind:<17} {job.status:<10} {job.done}/{job.total or '-'}  "
            f"{took:>9}  attempts {job.attempts}  {job.error or ''}"
        )


@jobs_cli.command("resend-stale")
def jobs_resend_stale():
    """Send again the jobs stuck longer than JOBS_STALE_MINUTES (the worker does it every
    5 minutes)."""
    ids = jobs.resend_stale_jobs()
    click.echo(f"{len(ids)} job(s) sent again.")
