"""The author's Publish button on generated data: how long the request takes now that a
job publishes, and (``--run-job``) how long that job takes.

    python -m bench.generate --employees 100000 --database-url sqlite:///bench/bench-100000.db
    python -m bench.publish --database-url sqlite:///bench/bench-100000.db --rounds 3 [--run-job]

Each round saves a one-line change to the bundled course's draft as a marketing author,
opens the publish page (GET: the diff, the draft built and checked), then presses Publish
for a MAJOR version (POST: validate, record the job, send it to the queue, redirect) and
opens the job's page. Baseline: the GET of the publish page in the same round, the page
the author reads just before pressing the button. The queue is an SQLite file beside the
database, with no worker: ``--run-job`` runs the queued job in this process after the
round (the publish, and everyone's clearance recomputed), which changes the data: use a
scratch database.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from tempfile import gettempdir

import sqlalchemy as sa

COURSE = "social-media-policy"
MODULE = f"courses/{COURSE}/en/01-everyone-is-a-voice.md"
AUTHOR = "bench-author@bench.example"
PASSWORD = "bench-author-password"  # a scratch database's own account


def _author():
    from lms.extensions import db
    from lms.models import Role
    from lms.models import User

    author = User.find(AUTHOR)
    if author is None:  # the generator makes HR people, not authors
        author = User(employee_id="BENCH-AUTHOR", email=AUTHOR, name="Bench Author")
        author.set_password(PASSWORD)
        author.grant(Role.MARKETING)
        db.session.add(author)
        db.session.commit()
    return author


def _timed(call):
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


def _round(client, run_job: bool) -> tuple[float, float, str]:
    from lms import jobs
    from lms.extensions import db
    from lms.models import Job
    from lms.queries import workspaces
    from lms.services import authoring

    ws = workspaces.workspace(COURSE)
    text = ws.files[MODULE].decode() + f"\n\nBenchmark line {time.time()}.\n"
    data = {"text": text, "base": authoring.fingerprint(ws.files[MODULE]), "save": "Save draft"}
    assert client.post(f"/author/{COURSE}/files/{MODULE}", data=data).status_code in (200, 302)
    page, page_seconds = _timed(lambda: client.get(f"/author/{COURSE}/publish"))
    assert page.status_code == 200
    form = {"kind": "major", "grace_days": "30", "submit": "Publish"}
    pressed, button_seconds = _timed(lambda: client.post(f"/author/{COURSE}/publish", data=form))
    assert pressed.status_code == 302 and "/jobs/" in pressed.headers["Location"]
    assert client.get(pressed.headers["Location"]).status_code == 200
    job_id = int(pressed.headers["Location"].rsplit("/", 1)[1])
    huey = jobs.huey()
    if not run_job:
        huey.flush()
        authoring.discard_draft(COURSE)
        return page_seconds, button_seconds, ""
    _, job_seconds = _timed(lambda: huey.execute(huey.dequeue()))
    db.session.expire_all()
    job = db.session.get_one(Job, job_id)
    return page_seconds, button_seconds, f"job {job.status} in {job_seconds:.1f} s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.publish", description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--run-job", action="store_true")
    args = parser.parse_args(argv)

    from lms import create_app
    from lms import jobs
    from lms.extensions import db
    from lms.models import User

    name = Path(sa.make_url(args.database_url).database or "bench").stem
    queue = Path(gettempdir()) / f"{name}.queue"  # the queue's file, outside the checkout
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": args.database_url,
            "HUEY_URL": f"sqlite:///{queue}",
            "JOBS_WORKER_IN_PROCESS": False,
            "WTF_CSRF_ENABLED": False,
        }
    )
    with app.app_context():
        jobs.huey().flush()
        author = _author()
        people = db.session.scalar(sa.select(sa.func.count(User.id)))
        client = app.test_client()
        signed_in = client.post("/login", data={"email": author.email, "password": PASSWORD})
        assert signed_in.status_code == 302
        print(f"{people:,} people, {args.database_url.split(':')[0]}")
        ratios = []
        for n in range(1, args.rounds + 1):
            page, button, job = _round(client, args.run_job)
            ratios.append(button / page)
            print(
                f"round {n}: Publish button {button * 1000:.0f} ms; publish page (baseline) "
                f"{page * 1000:.0f} ms; ratio {button / page:.2f} {job}"
            )
        print(f"median ratio of the button to the page: {statistics.median(ratios):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
