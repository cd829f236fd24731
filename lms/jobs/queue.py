"""The queue engine (Huey), chosen by ``HUEY_URL``, and the consumers that run it.

- ``""`` (the default): SQLite storage in the instance folder, run by a consumer thread
  inside the web process, so ``flask lms demo && flask run`` runs jobs with nothing else
  to start;
- ``redis://host:port/db``: Redis storage, run by ``flask lms worker`` processes on any
  number of machines (production);
- ``sqlite:///path``: SQLite storage in that file (several processes of one machine);
- ``immediate``: every job runs in the request or command that starts it (tests).
"""

import logging
import threading
from pathlib import Path

from huey import Huey
from huey import MemoryHuey
from huey import RedisHuey
from huey import SqliteHuey
from huey import crontab
from huey.consumer import Consumer

log = logging.getLogger(__name__)


def make_huey(url: str, name: str, instance_path: str) -> Huey:
    """The Huey instance ``url`` names (see the module's docstring)."""
    if url == "immediate":
        return MemoryHuey(name, immediate=True, results=False)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(name, url=url, results=False)
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
    elif not url:
        path = str(Path(instance_path) / "jobs.sqlite3")
    else:
        raise RuntimeError(
            f"HUEY_URL must be empty, 'immediate', redis://… or sqlite:///…, not {url!r}"
        )
    return SqliteHuey(name, filename=path, results=False)


def schedule(spec: str):
    """A crontab from a five-field cron line ("0 3 * * *"); None when ``spec`` is empty
    or "off" (the schedule is then left to cron)."""
    if not spec.strip() or spec.strip() == "off":
        return None
    fields = spec.split()
    if len(fields) != 5:
        raise RuntimeError(f"a schedule has five fields (minute hour day month weekday): {spec!r}")
    minute, hour, day, month, day_of_week = fields
    return crontab(minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week)


def worker_consumer(huey: Huey, workers: int, periodic: bool) -> Consumer:
    """The consumer of ``flask lms worker``: SIGTERM (what process managers send) lets the
    jobs being run finish and then exits; SIGINT stops at once (a job cut short is run
    again after ``JOBS_STALE_MINUTES``)."""
    return huey.create_consumer(
        workers=workers,
        periodic=periodic,
        worker_type="thread",
        graceful_signal="TERM",
        max_delay=2.0,
    )


class _ThreadConsumer(Consumer):
    """A consumer inside the web process: its threads, but not its signal handlers (they
    belong to the server: gunicorn's or Werkzeug's)."""

    def _set_signal_handlers(self):
        """None of its own: the server's handlers stop this process and its threads."""


def thread_consumer(huey: Huey, workers: int, periodic: bool) -> Consumer:
    """A consumer to run in threads of this process (``start()``, then ``stop()``)."""
    return _ThreadConsumer(huey, workers=workers, periodic=periodic, max_delay=2.0)


_started: set[int] = set()
_started_lock = threading.Lock()


def start_in_process(huey: Huey) -> bool:
    """Start one worker thread and the scheduler in this process, once per process and
    queue; False when already running. Threads are daemons: a job cut short when the
    process ends is run again after ``JOBS_STALE_MINUTES``."""
    with _started_lock:
        if id(huey) in _started:
            return False
        _started.add(id(huey))
    thread_consumer(huey, workers=1, periodic=True).start()
    log.info("running jobs in this process (set HUEY_URL=redis://… and run flask lms worker)")
    return True
