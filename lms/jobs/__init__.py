"""Background jobs: long or scheduled work leaves the request and runs on a task queue.

The engine is Huey (:mod:`lms.jobs.queue`); what each job does is in
:mod:`lms.jobs.kinds`, as thin wrappers over service operations. The ``jobs`` table
(:mod:`lms.services.jobs`) records every job; the queue only carries its id.

- :func:`start` records a job and sends it to the queue; the request returns at once and
  the person follows it on ``/jobs/<id>``.
- :func:`run` is what a worker does with a message: claim the job (once, whatever the
  number of deliveries), run it, record the outcome; an error puts it back in the queue
  for Huey to retry (``JOBS_RETRIES`` times, ``JOBS_RETRY_DELAY`` seconds apart).
- While a job runs, its progress is kept in the queue's own store (the SQLite queue file
  or Redis), not in the application's database: a job's transaction may hold SQLite's
  only write lock for its whole length (a roster apply does), and a page must still see
  how far it got. The row gets the final counts when the job ends.
- The daily run, the reminders, the invitations, the webhook deliveries and the
  managers' weekly digest are periodic tasks (``JOBS_DAILY_SCHEDULE``,
  ``JOBS_REMINDERS_SCHEDULE``, ``JOBS_INVITATIONS_SCHEDULE``, ``JOBS_WEBHOOKS_SCHEDULE``,
  ``JOBS_MANAGER_DIGEST_SCHEDULE``, cron syntax); each
  scheduled run is one job row whose unique key names the minute, so several servers
  scheduling it start it once; kinds in :data:`kinds.EXCLUSIVE` also hold a Huey lock
  while they run.
"""

import logging
import time
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask
from flask import current_app
from flask_babel import force_locale
from huey import Huey
from huey import RetryTask
from huey import crontab
from huey.exceptions import TaskLockedException

from lms.extensions import db
from lms.jobs import kinds
from lms.jobs import queue
from lms.models import Job
from lms.models import utcnow
from lms.queries import jobs as job_reads
from lms.services import Refused
from lms.services import jobs as job_rows

log = logging.getLogger(__name__)

#: How long a job waits before trying again when another of its kind holds the lock.
LOCKED_RETRY_SECONDS = 60
#: Live progress is written at most this often (seconds), phase changes always.
PROGRESS_INTERVAL = 0.5


@dataclass
class _Queue:
    huey: Huey
    run_task: object  # the Huey task that runs a job by id


def init_app(app: Flask) -> None:
    """Build the queue ``HUEY_URL`` names, register the tasks and the schedule, and, when
    ``JOBS_WORKER_IN_PROCESS`` is on, run them in this process from its first request."""
    config = app.config
    url = config["HUEY_URL"] or config.get("REDIS_URL") or ""  # several servers: one Redis
    huey = queue.make_huey(url, config["JOBS_QUEUE_NAME"], app.instance_path)
    retries = 0 if huey.immediate else config["JOBS_RETRIES"]

    @huey.task(retries=retries, retry_delay=config["JOBS_RETRY_DELAY"], context=True)
    def run_job(job_id: int, task=None) -> None:
        with app.app_context():
            run(job_id, retries_left=task.retries if task else 0)

    _schedule(app, huey, "daily", config["JOBS_DAILY_SCHEDULE"])
    _schedule(app, huey, "reminders", config["JOBS_REMINDERS_SCHEDULE"])
    _schedule(app, huey, "invitations", config["JOBS_INVITATIONS_SCHEDULE"])
    _schedule(app, huey, "webhooks", config["JOBS_WEBHOOKS_SCHEDULE"])
    _schedule(app, huey, "scim_push", config["JOBS_SCIM_PUSH_SCHEDULE"])
    _schedule(app, huey, "scim_reconcile", config["JOBS_SCIM_RECONCILE_SCHEDULE"])
    _schedule(app, huey, "xapi", config["JOBS_XAPI_SCHEDULE"])
    _schedule(app, huey, "retention", config["JOBS_RETENTION_SCHEDULE"])
    _schedule(app, huey, "manager_digest", config["JOBS_MANAGER_DIGEST_SCHEDULE"])

    @huey.periodic_task(crontab(minute="*/5"), name="lms.jobs.resend_stale")
    def resend_stale() -> None:
        with app.app_context():
            resend_stale_jobs()

    app.extensions["lms.jobs"] = _Queue(huey, run_job)
    if config["JOBS_WORKER_IN_PROCESS"] and not huey.immediate:

        @app.before_request
        def _start_worker_threads() -> None:  # once per process; returns nothing
            queue.start_in_process(huey)


def _schedule(app: Flask, huey: Huey, kind: str, spec: str) -> None:
    when = queue.schedule(spec)
    if when is None:
        return

    @huey.periodic_task(when, name=f"lms.jobs.scheduled_{kind}")
    def scheduled() -> None:
        with app.app_context():
            start_scheduled(kind)


def huey() -> Huey:
    """The current app's queue."""
    return current_app.extensions["lms.jobs"].huey


# --- Starting jobs ---------------------------------------------------------------------


def start(kind: str, params: dict, started_by_id: int | None, *, key: str | None = None):
    """Record a job and send it to the queue; returns its row (None when ``key`` exists).

    If the queue cannot be reached, the job stays queued and the periodic sweep sends it
    when the queue is back; the person sees it waiting, not an error page.
    """
    if kind not in kinds.RUNNERS:
        raise ValueError(f"no such kind of job: {kind}")
    job = job_rows.create(kind, params, started_by_id, key=key)
    if job is not None:
        job_id = job.id
        _send(job_id)
        job = db.session.get(Job, job_id, populate_existing=True)
    return job


def start_scheduled(kind: str) -> Job | None:
    """The scheduled run of ``kind`` for this minute, started once across all servers
    (and, for the kinds in :data:`kinds.NEEDED`, only when there is work for it)."""
    if not kinds.NEEDED.get(kind, _always)():
        return None
    return start(kind, {}, None, key=f"{kind}:{utcnow():%Y-%m-%dT%H:%M}")


def _always() -> bool:
    return True


def run_here(kind: str, params: dict, started_by_id: int | None) -> Job:
    """Record a job and run it in this process now (a deploy step that must be done
    before the next one), recorded and claimed like any other."""
    job = job_rows.create(kind, params, started_by_id)
    assert job is not None, "a job without a key is always created"
    job_id = job.id
    run(job_id, retries_left=0)
    return db.session.get_one(Job, job_id, populate_existing=True)


def _send(job_id: int) -> None:
    try:
        current_app.extensions["lms.jobs"].run_task(job_id)
    except Exception:  # the queue is down: the sweep sends it later
        log.exception("job %s recorded but not sent to the queue", job_id)


def resend_stale_jobs() -> list[int]:
    """Send again the jobs that waited or ran longer than ``JOBS_STALE_MINUTES`` without
    a sign of life (see :func:`lms.services.jobs.requeue_stale`)."""
    minutes = current_app.config["JOBS_STALE_MINUTES"]
    ids = job_rows.requeue_stale(timedelta(minutes=minutes))
    for job_id in ids:
        log.warning("job %s showed no sign of life for %s minutes: sent again", job_id, minutes)
        _send(job_id)
    _release_orphaned_locks()
    return ids


def _release_orphaned_locks() -> None:
    """Release a kind's lock that no running job holds: its worker was killed (Huey's
    SQLite storage, and Redis before 7.4, cannot give a lock an expiry)."""
    running = job_reads.running_kinds()
    for kind in kinds.EXCLUSIVE - running:
        lock = _kind_lock(kind)
        if lock.is_locked():
            log.warning("the %s lock was held by no running job: released", kind)
            lock.clear()


def _kind_lock(kind: str):
    return huey().lock_task(f"job-{kind}")


# --- Running jobs ----------------------------------------------------------------------


def run(job_id: int, retries_left: int) -> None:
    """Run job ``job_id`` if this worker wins its claim; record its outcome.

    :raise RetryTask: another job of the same exclusive kind is running; this one stays
        queued and Huey tries again in a minute.
    """
    job = db.session.get(Job, job_id)
    if job is None:
        log.warning("job %s does not exist (any more): message ignored", job_id)
        return
    kind = job.kind
    lock = _kind_lock(kind) if kind in kinds.EXCLUSIVE else nullcontext()
    try:
        with lock:
            _run_claimed(job_id, retries_left)
    except TaskLockedException:
        raise RetryTask(f"another {kind} job is running", delay=LOCKED_RETRY_SECONDS) from None


def _run_claimed(job_id: int, retries_left: int) -> None:
    if not job_rows.claim(job_id):
        log.info("job %s is not queued (another worker has it, or it is done)", job_id)
        return
    job = db.session.get_one(Job, job_id, populate_existing=True)
    progress = LiveProgress(job_id)
    try:
        result, done, total = kinds.RUNNERS[job.kind](job, progress)
    except Refused as refused:
        db.session.rollback()
        job_rows.refuse(job_id, _english(refused.message), _message_json(refused.message))
    except Exception as exc:
        db.session.rollback()
        job_rows.fail(job_id, f"{type(exc).__name__}: {exc}", retry=retries_left > 0)
        raise
    else:
        job_rows.succeed(job_id, result, done, total)
        for follow_up in kinds.FOLLOW_UPS.get(job.kind, ()):
            if kinds.NEEDED.get(follow_up, _always)():
                start(follow_up, {}, job.started_by_id)
    finally:
        progress.clear()


def _english(message) -> str:
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return str(message)


def _message_json(message) -> dict:
    """A refusal's message as its msgid and parameters, so each reader of the job's page
    reads it in their own language (Flask-Babel's lazy strings keep both)."""
    args = getattr(message, "_args", None)
    if not args or not isinstance(args[0], str):
        return {"text": str(message)}
    return {"msgid": args[0], "params": dict(getattr(message, "_kwargs", {}) or {})}


class LiveProgress:
    """The ``progress(phase, done, total)`` callback a job's work reports to; kept in the
    queue's store under the job's id while it runs."""

    def __init__(self, job_id: int) -> None:
        self.huey = huey()
        self.key = _progress_key(job_id)
        self.phase = None
        self.written = 0.0

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if phase == self.phase and now - self.written < PROGRESS_INTERVAL and done < total:
            return
        self.phase, self.written = phase, now
        self.huey.put(self.key, {"phase": phase, "done": done, "total": total})

    def clear(self) -> None:
        self.huey.delete(self.key)


def live_progress(job_id: int) -> dict | None:
    """How far a running job is: ``{"phase", "done", "total"}``, or None."""
    return huey().get(_progress_key(job_id), peek=True)


def _progress_key(job_id: int) -> str:
    return f"lms.job-progress.{job_id}"
