"""Jobs on real queues: Huey's SQLite storage (the embedded default) and its Redis storage
(production; skipped when no Redis answers), run by real consumer threads."""

import threading
import time
import uuid

import pytest
import sqlalchemy as sa

from lms import jobs
from lms.extensions import db
from lms.jobs import queue
from lms.models import Enrollment
from lms.models import Job
from lms.models import Role
from lms.services import assignments
from lms.services import jobs as job_rows
from lms.services import users
from tests.helpers import COURSE
from tests.helpers import EN_MODULE
from tests.helpers import at_once
from tests.helpers import publish
from tests.helpers import roster_text
from tests.helpers import save
from tests.helpers import sign_in
from tests.helpers import text_of

REDIS_URL = "redis://127.0.0.1:6379/0"
#: Long enough for any job here on a loaded machine; a wait, not a timed assertion.
PATIENCE = 60
CHANGED = "---\ntitle: Say who you work for\n---\n\nAlways disclose that you work for us.\n"


def redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(params=["sqlite", "redis"])
def storage(request, tmp_path_factory):
    """The queue's URL: an SQLite file, or Redis under a queue name of its own."""
    if request.param == "redis":
        if not redis_answers():
            pytest.skip(f"Redis does not answer at {REDIS_URL}")
        return REDIS_URL
    return f"sqlite:///{tmp_path_factory.mktemp('queue') / 'jobs.sqlite3'}"


@pytest.fixture
def app_config(storage):
    return {"HUEY_URL": storage, "JOBS_QUEUE_NAME": f"lms-test-{uuid.uuid4().hex[:8]}"}


@pytest.fixture
def huey(app):
    """The app's queue, empty (the shared test app keeps its SQLite queue file)."""
    huey = jobs.huey()
    huey.flush()
    yield huey
    huey.flush()


def run_queued(huey) -> int:
    """Run every message waiting in the queue, here; how many there were."""
    ran = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran += 1
    return ran


def wait_until_finished(job_id: int) -> Job:
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        db.session.expire_all()
        row = db.session.get_one(Job, job_id)
        if row.is_finished:
            return row
        db.session.rollback()
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


def enrolments() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Enrollment))


# -- In the test's transaction: the queue is real, the worker is the test ---------------


def test_the_publish_button_returns_at_once_and_learners_see_the_version_once_committed(
    app, author, employee, huey
):
    learner = app.test_client()
    sign_in(learner, employee)
    module = f"/training/{COURSE}/modules/say-who-you-are"
    save(author, EN_MODULE, CHANGED)
    response = publish(author, "minor")
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    page = author.get(response.headers["Location"])
    assert "Waiting for a worker" in text_of(page)
    assert '<meta http-equiv="refresh" content="2">' in page.get_data(as_text=True)
    assert "Always disclose" not in text_of(learner.get(module))  # not published yet

    assert run_queued(huey) == 1  # a worker takes the job
    assert "Always disclose" in text_of(learner.get(module))
    page = author.get(response.headers["Location"])
    assert "Version 1.1 of policy-basics is published." in text_of(page)
    assert "http-equiv" not in page.get_data(as_text=True)  # no more refreshing


def test_a_message_delivered_twice_runs_the_job_once(app, make_user, huey):
    hr = make_user(roles=[Role.HR])
    make_user()
    assignments.create_rule(hr, COURSE, "all", None, "after_assignment", due_days=30)
    make_user()  # not yet enrolled
    job = job_rows.create("assignment_rules", {}, hr.id)
    run_task = app.extensions["lms.jobs"].run_task
    run_task(job.id)
    run_task(job.id)  # the queue delivers it again
    before = enrolments()
    assert run_queued(huey) == 2
    db.session.expire_all()
    done = db.session.get_one(Job, job.id)
    assert done.status == "succeeded" and done.attempts == 1 and done.result == {"enrolled": 1}
    assert enrolments() == before + 1


def test_a_failing_job_goes_back_to_the_queue_for_its_retry(app, make_user, huey, monkeypatch):
    hr = make_user(roles=[Role.HR])
    calls = []
    original = assignments.apply_rules

    def dies_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the database went away")
        return original(*args, **kwargs)

    monkeypatch.setattr(assignments, "apply_rules", dies_once)
    job = jobs.start("assignment_rules", {}, hr.id)
    task = huey.dequeue()
    huey.execute(task)  # fails; Huey schedules the retry
    db.session.expire_all()
    assert db.session.get_one(Job, job.id).status == "queued"
    retry = huey.scheduled()[0]  # due after JOBS_RETRY_DELAY: run it now
    huey.execute(retry, timestamp=retry.eta)
    db.session.expire_all()
    done = db.session.get_one(Job, job.id)
    assert done.status == "succeeded" and done.attempts == 2


# -- Real workers: threads with their own connections ------------------------------------


@pytest.mark.fresh_database
def test_two_workers_claiming_one_job_run_it_once(app, make_user, huey):
    hr = make_user(roles=[Role.HR])
    assignments.create_rule(hr, COURSE, "all", None, "after_assignment", due_days=30)
    make_user()
    make_user()
    before = enrolments()
    job_id = job_rows.create("assignment_rules", {}, hr.id).id
    at_once(app, lambda: jobs.run(job_id, retries_left=0))
    done = wait_until_finished(job_id)
    assert done.attempts == 1 and done.result == {"enrolled": 2}
    assert enrolments() == before + 2


@pytest.mark.fresh_database
def test_consumer_threads_run_jobs_and_duplicates_once(app, make_user, huey):
    hr = make_user(roles=[Role.HR])
    assignments.create_rule(hr, COURSE, "all", None, "after_assignment", due_days=30)
    make_user()
    before = enrolments()
    consumer = queue.thread_consumer(huey, workers=2, periodic=False)
    consumer.start()
    try:
        job = jobs.start("assignment_rules", {}, hr.id)
        app.extensions["lms.jobs"].run_task(job.id)  # delivered twice, to two workers
        done = wait_until_finished(job.id)
    finally:
        consumer.stop(graceful=True)
    assert done.status == "succeeded" and done.attempts == 1
    assert enrolments() == before + 1


@pytest.mark.fresh_database
def test_the_roster_apply_shows_its_progress_while_it_runs(
    app, client, make_user, huey, monkeypatch
):
    from lms.services import roster

    hr = make_user(roles=[Role.HR])
    sign_in(client, hr)
    upload = roster.store_upload(roster_text().encode(), "roster.csv", hr.id)
    half_way, go_on = threading.Event(), threading.Event()
    original = users.insert_many

    def pausing(*args, **kwargs):
        original(*args, **kwargs)
        half_way.set()
        go_on.wait(PATIENCE)

    job_id = job_rows.create("roster_apply", {"upload_id": upload.id}, hr.id).id

    def worker():
        with app.app_context():
            jobs.run(job_id, retries_left=0)
            db.session.remove()
        half_way.set()  # if it ended without pausing, the page says why

    monkeypatch.setattr(users, "insert_many", pausing)
    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert half_way.wait(PATIENCE)
        page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    finally:
        go_on.set()
        thread.join()
    assert "Running" in text_of_html(page) and "Writing changes: 0 of 3" in text_of_html(page)
    assert '<progress max="3" value="0"' in page
    assert "Roster applied: 3 added" in text_of(client.get(f"/jobs/{job_id}"))


def text_of_html(html: str) -> str:
    import re

    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


# -- flask lms worker: a real process ----------------------------------------------------


@pytest.mark.fresh_database
def test_the_worker_process_runs_jobs_and_stops_cleanly_on_sigterm(
    app, make_user, huey, database_url, app_config, tmp_path
):
    import os
    import signal
    import subprocess
    import sys

    from lms.config import PROJECT_ROOT
    from tests.helpers import TEST_CONTENT

    hr = make_user(roles=[Role.HR])
    env = os.environ | {
        "FLASK_APP": "wsgi",
        "DATABASE_URL": database_url,
        "LMS_HUEY_URL": app_config["HUEY_URL"],
        "LMS_JOBS_QUEUE_NAME": app_config["JOBS_QUEUE_NAME"],
        "LMS_SECRET_KEY": "worker-test",
        "LMS_AUTO_MIGRATE": "false",
        "LMS_CONTENT_ROOT": str(TEST_CONTENT),
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "lms", "worker", "--workers", "2", "--no-periodic"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        first = jobs.start("assignment_rules", {}, hr.id).id
        assert wait_until_finished(first).status == "succeeded"  # the worker ran it
        second = jobs.start("daily", {}, hr.id).id
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=PATIENCE)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, output
    db.session.expire_all()
    # It finished the job it had started, or left it queued for the next worker.
    assert db.session.get_one(Job, second).status in ("succeeded", "queued"), output
    assert "Shutting down gracefully" in output or "Consumer exiting" in output
