"""Each kind of job: safe to run twice, retried after a crash without doubling anything,
claimed once, and its progress visible while it runs. (The test app's queue runs each job
where it is started; tests/jobs/test_queues.py uses real queues and workers.)"""

import pytest
import sqlalchemy as sa

from lms import jobs
from lms.extensions import db
from lms.models import CourseVersion
from lms.models import Enrollment
from lms.models import Job
from lms.models import Role
from lms.models import RosterUpload
from lms.models import User
from lms.queries import catalog
from lms.queries import workspaces
from lms.services import assignments
from lms.services import authoring
from lms.services import events
from lms.services import jobs as job_rows
from lms.services import roster
from lms.services import users
from tests.helpers import COURSE
from tests.helpers import EN_MODULE
from tests.helpers import counts
from tests.helpers import roster_text
from tests.helpers import save

CHANGED = "---\ntitle: Say who you work for\n---\n\nAlways disclose that you work for us.\n"


def job(job_id: int) -> Job:
    db.session.expire_all()
    return db.session.get_one(Job, job_id)


def versions() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(CourseVersion))


def enrolments() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Enrollment))


def queued(kind: str, params: dict, started_by_id=None) -> int:
    """A job recorded but not sent: the test runs it with :func:`jobs.run`."""
    row = job_rows.create(kind, params, started_by_id)
    assert row is not None
    return row.id


def crash_once(monkeypatch, module, name: str, when=lambda *a, **k: True):
    """Make ``module.name`` raise the first time ``when`` holds: a worker dying half-way."""
    original = getattr(module, name)
    state = {"crashed": False}

    def crashing(*args, **kwargs):
        if not state["crashed"] and when(*args, **kwargs):
            state["crashed"] = True
            raise RuntimeError("the worker died here")
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, crashing)


def run_expecting_crash(job_id: int) -> None:
    with pytest.raises(RuntimeError):
        jobs.run(job_id, retries_left=1)


# -- Publishing --------------------------------------------------------------------------


def publish_plan(author_client) -> dict:
    save(author_client, EN_MODULE, CHANGED)
    db.session.expire_all()
    return authoring.plan_publish(workspaces.workspace(COURSE), "minor", None)


def test_publishing_twice_publishes_once(author, marketer):
    plan = publish_plan(author)
    before = versions()
    first = jobs.run_here("publish", plan, marketer.id)
    second = jobs.run_here("publish", plan, marketer.id)
    assert first.status == second.status == "succeeded"
    assert first.result == {"course_id": COURSE, "version": "1.1", "new": True}
    assert second.result == {"course_id": COURSE, "version": "1.1", "new": False}
    assert versions() == before + 1


def test_a_rollback_twice_publishes_once(author, marketer):
    jobs.run_here("publish", publish_plan(author), marketer.id)  # 1.1
    db.session.expire_all()
    ws = workspaces.workspace(COURSE)
    plan = authoring.plan_rollback(ws, workspaces.find_version(COURSE, "1.0"), "minor", None)
    before = versions()
    first = jobs.run_here("publish", plan, marketer.id)
    second = jobs.run_here("publish", plan, marketer.id)
    assert first.result == {"course_id": COURSE, "version": "1.2", "new": True, "restored": "1.0"}
    assert second.status == "succeeded" and second.result["new"] is False
    assert versions() == before + 1


def test_a_publish_planned_before_another_version_came_out_publishes_nothing(author, marketer):
    plan = publish_plan(author)
    plan["base_version_id"] = -1  # as if someone published another version meanwhile
    done = jobs.run_here("publish", plan, marketer.id)
    assert done.status == "failed" and "Someone else published" in done.error


def test_a_publish_that_dies_half_way_is_retried_and_publishes_once(author, marketer, monkeypatch):
    plan = publish_plan(author)
    before = versions()
    crash_once(monkeypatch, events, "record", lambda kind, **_: kind == "content.published")
    job_id = queued("publish", plan, marketer.id)
    run_expecting_crash(job_id)
    assert job(job_id).status == "queued" and job(job_id).attempts == 1
    assert "the worker died here" in job(job_id).error
    assert versions() == before  # the half-done publish was rolled back
    assert catalog.latest_version(COURSE).version == "1.0"
    jobs.run(job_id, retries_left=0)
    assert job(job_id).status == "succeeded" and job(job_id).attempts == 2
    assert versions() == before + 1


def test_a_publish_whose_draft_changed_after_the_button_publishes_nothing(author, marketer):
    plan = publish_plan(author)
    save(author, EN_MODULE, CHANGED + "\nOne more line.\n")
    before = versions()
    done = jobs.run_here("publish", plan, marketer.id)
    assert done.status == "failed" and "draft changed" in done.error
    assert done.result == {"refused": {"msgid": done.result["refused"]["msgid"], "params": {}}}
    assert versions() == before


def test_a_job_that_keeps_failing_fails_after_its_retries(author, marketer, monkeypatch):
    plan = publish_plan(author)

    def broken(*_args, **_kwargs):
        raise RuntimeError("always broken")

    monkeypatch.setattr(authoring, "publish_draft", broken)
    job_id = queued("publish", plan, marketer.id)
    run_expecting_crash(job_id)
    with pytest.raises(RuntimeError):  # the last try: recorded as failed, and raised
        jobs.run(job_id, retries_left=0)
    row = job(job_id)
    assert row.status == "failed" and row.attempts == 2 and row.finished_at is not None


# -- Roster apply --------------------------------------------------------------------------


def stored_upload(hr: User) -> RosterUpload:
    return roster.store_upload(roster_text().encode(), "roster.csv", hr.id)


def test_applying_one_upload_twice_applies_it_once(make_user):
    hr = make_user(roles=[Role.HR])
    upload = stored_upload(hr)
    first = jobs.start("roster_apply", {"upload_id": upload.id}, hr.id)
    after_first = counts()
    second = jobs.start("roster_apply", {"upload_id": upload.id}, hr.id)
    assert job(first.id).status == "succeeded" and job(first.id).result["added"] == 3
    assert job(first.id).done == job(first.id).total == 3
    assert job(second.id).status == "failed" and "already applied" in job(second.id).error
    assert counts() == after_first


def test_a_roster_apply_that_dies_half_way_is_retried_and_applies_once(make_user, monkeypatch):
    hr = make_user(roles=[Role.HR])
    upload = stored_upload(hr)
    before = counts()
    crash_once(monkeypatch, users, "set_active_many")  # after the joiners were inserted
    job_id = queued("roster_apply", {"upload_id": upload.id}, hr.id)
    run_expecting_crash(job_id)
    assert job(job_id).status == "queued"
    assert counts() == before  # the joiners' rows were rolled back with the rest
    assert db.session.get(RosterUpload, upload.id).applied_at is None
    jobs.run(job_id, retries_left=0)
    assert job(job_id).status == "succeeded"
    assert counts()[0] == before[0] + 3


def test_a_retry_after_the_apply_committed_says_so_and_changes_nothing(app, make_user):
    hr = make_user(roles=[Role.HR])
    upload = stored_upload(hr)
    job_id = queued("roster_apply", {"upload_id": upload.id}, hr.id)
    assert job_rows.claim(job_id)
    languages = app.config["LANGUAGES"]
    assert roster.apply_upload(upload.id, languages, actor_id=hr.id).applied  # it committed…
    job_rows.fail(job_id, "…and its worker died before saying so", retry=True)
    after = counts()
    jobs.run(job_id, retries_left=0)
    assert job(job_id).status == "succeeded" and job(job_id).result == {"already_applied": True}
    assert counts() == after


def test_roster_progress_is_reported_in_chunks(make_user, monkeypatch):
    hr = make_user(roles=[Role.HR])
    upload = stored_upload(hr)
    seen = []
    monkeypatch.setattr(roster, "PROGRESS_EVERY", 1)
    monkeypatch.setattr(jobs, "PROGRESS_INTERVAL", 0)
    original = jobs.LiveProgress.__call__

    def spy(self, phase, done, total):
        seen.append((phase, done, total))
        original(self, phase, done, total)
        assert jobs.live_progress(self_id) == {"phase": phase, "done": done, "total": total}

    monkeypatch.setattr(jobs.LiveProgress, "__call__", spy)
    self_id = queued("roster_apply", {"upload_id": upload.id}, hr.id)
    jobs.run(self_id, retries_left=0)
    assert ("checking", 1, 4) in seen and ("checking", 3, 3) in seen
    assert ("writing", 0, 3) in seen and ("writing", 3, 3) in seen
    assert jobs.live_progress(self_id) is None  # cleared when the job ended


# -- Rules, the daily run, claims ------------------------------------------------------


def test_applying_the_rules_twice_enrols_once(make_user):
    hr = make_user(roles=[Role.HR])
    make_user()
    assignments.create_rule(hr, COURSE, "all", None, "after_assignment", due_days=30)
    before = enrolments()
    first = jobs.start("assignment_rules", {}, hr.id)
    make_user()  # a newcomer since
    second = jobs.start("assignment_rules", {}, hr.id)
    assert job(first.id).result == {"enrolled": 0}  # the rule enrolled everyone already
    assert job(second.id).result == {"enrolled": 1}
    assert enrolments() == before + 1


def test_the_daily_run_twice_changes_nothing_the_second_time(make_user):
    hr = make_user(roles=[Role.HR])
    make_user()
    assignments.create_rule(hr, COURSE, "all", None, "after_assignment", due_days=30)
    first = jobs.start("daily", {}, None)
    after = (enrolments(), counts())
    second = jobs.start("daily", {}, None)
    assert job(first.id).status == job(second.id).status == "succeeded"
    assert set(job(second.id).result.values()) == {0}
    assert (enrolments(), counts()) == after


def test_a_scheduled_run_starts_once_per_minute_however_many_servers_schedule_it(app):
    first = jobs.start_scheduled("daily")
    assert first is not None and first.status == "succeeded"
    assert jobs.start_scheduled("daily") is None  # another server's scheduler, same minute


def test_a_job_is_claimed_once(app):
    job_id = queued("assignment_rules", {})
    assert job_rows.claim(job_id) is True
    assert job_rows.claim(job_id) is False
    jobs.run(job_id, retries_left=0)  # a duplicate delivery while it runs: nothing happens
    assert job(job_id).status == "running" and job(job_id).attempts == 1


def test_stale_jobs_are_sent_again(monkeypatch, app):
    from datetime import timedelta

    from lms.models import utcnow

    job_id = queued("assignment_rules", {})
    job_rows.claim(job_id)  # …and its worker was killed
    assert job_rows.requeue_stale(timedelta(minutes=30)) == []
    later = utcnow() + timedelta(minutes=31)
    assert job_rows.requeue_stale(timedelta(minutes=30), now=later) == [job_id]
    assert job(job_id).status == "queued"
    jobs.run(job_id, retries_left=0)
    assert job(job_id).status == "succeeded" and job(job_id).attempts == 2


def test_a_daily_run_waits_while_another_holds_the_lock(app):
    from huey import RetryTask

    lock = jobs.huey().lock_task("job-daily")
    job_id = queued("daily", {})
    with lock, pytest.raises(RetryTask):  # it waits: the job does not run
        jobs.run(job_id, retries_left=0)
    assert job(job_id).status == "queued" and job(job_id).attempts == 0
    jobs.run(job_id, retries_left=0)
    assert job(job_id).status == "succeeded"


def test_a_lock_left_by_a_killed_worker_is_released_by_the_sweep(app):
    lock = jobs.huey().lock_task("job-reminders")
    lock.acquire()  # …and the process holding it was killed
    jobs.resend_stale_jobs()
    assert not lock.is_locked()


def test_publishing_the_course_files_twice_publishes_nothing_new(app):
    from tests.helpers import TEST_CONTENT

    before = versions()
    first = jobs.run_here("sync", {"root": str(TEST_CONTENT)}, None)
    second = jobs.run_here("sync", {"root": str(TEST_CONTENT)}, None)
    assert first.result == second.result == {"published": [], "unchanged": [COURSE], "rejected": {}}
    assert versions() == before
