"""Two roster imports applied at the same moment: one file's state, never a mix of both.

Each apply is slowed down (a pause inside the locked transaction, before it writes), so
the second import reaches the database while the first is still applying. The second is
refused, or (SQLite, from the command line) waits and is applied on top of the first.
"""

import io
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.models import Role
from lms.models import RosterUpload
from lms.models import User
from lms.services import roster
from tests.helpers import events
from tests.helpers import roster_text

# Real commits from several threads and processes: each test has a database of its own.
pytestmark = pytest.mark.fresh_database

PROJECT = Path(__file__).resolve().parents[2]
PAUSE = 0.5  # seconds an apply holds the lock before writing, in this process's tests
REFUSED = "Another roster import is being applied"
STALE = "The accounts changed since this preview was made"


def people(first: int, last: int, name: str = "Person") -> list[str]:
    return [
        f"P{n:04d},p{n}@example.com,{name} {n},Sales,DE,,en,2020-01-01,true"
        for n in range(first, last)
    ]


#: Pairs of full rosters of 400 people each: different people, and half the same people.
PAIRS = {
    "different": (people(0, 400), people(400, 800)),
    "overlapping": (people(0, 400), people(200, 600, name="Renamed")),
}


def roster_state() -> dict[str, str]:
    """Active roster-managed people: employee id -> name."""
    db.session.expire_all()
    return dict(
        db.session.execute(
            sa.select(User.employee_id, User.name).where(User.active, User.roster_managed)
        ).all()
    )


def state_of(rows: list[str]) -> dict[str, str]:
    return {row.split(",")[0]: row.split(",")[2] for row in rows}


@pytest.fixture
def slow_apply(monkeypatch):
    apply = roster._apply

    def slowly(*args, **kwargs):
        time.sleep(PAUSE)
        return apply(*args, **kwargs)

    monkeypatch.setattr(roster, "_apply", slowly)


def run_at_once(app, *jobs):
    """Run each job in its own thread and app context (a server of its own), together."""
    barrier = threading.Barrier(len(jobs))
    errors = []

    def run(job):
        try:
            with app.app_context():
                barrier.wait()
                job()
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []


def signed_in_hr_client(app, make_user, n: int):
    user = make_user(roles=[Role.HR], email=f"hr{n}@example.com", employee_id=f"HR{n}")
    client = app.test_client()
    client.post("/login", data={"email": user.email, "password": "correct horse battery staple"})
    return client


def previewed_upload(client, rows: list[str], name: str) -> tuple[str, str]:
    """Upload a file and open its preview: (preview URL, the form's fingerprint)."""
    data = {"file": (io.BytesIO(roster_text(rows).encode()), name)}
    url = client.post("/hr/roster", data=data, content_type="multipart/form-data").headers[
        "Location"
    ]
    page = client.get(url).get_data(as_text=True)
    assert "Apply these changes" in page
    return url, re.search(r'name="fingerprint"[^>]*value="([^"]*)"', page).group(1)


@pytest.mark.parametrize("pair", PAIRS)
def test_two_files_applied_at_once_in_the_browser_leave_one_files_state(
    app, make_user, slow_apply, pair
):
    files = PAIRS[pair]
    clients = [signed_in_hr_client(app, make_user, n) for n in (1, 2)]
    previews = [
        previewed_upload(c, rows, f"file{n}.csv")
        for n, (c, rows) in enumerate(zip(clients, files, strict=True))
    ]
    pages = [None, None]

    def apply(n):
        url, fingerprint = previews[n]
        response = clients[n].post(
            f"{url}/apply", data={"fingerprint": fingerprint}, follow_redirects=True
        )
        pages[n] = (response.status_code, response.get_data(as_text=True))

    run_at_once(app, lambda: apply(0), lambda: apply(1))

    assert [status for status, _ in pages] == [200, 200]  # never a server error
    applied = [n for n, (_, page) in enumerate(pages) if "Roster applied: " in page]
    assert len(applied) == 1, [re.findall(r'role="(?:status|alert)">([^<]*)', p) for _, p in pages]
    [winner], loser = applied, 1 - applied[0]
    assert REFUSED in pages[loser][1] or STALE in pages[loser][1]
    assert roster_state() == state_of(files[winner])
    assert len(events("roster.imported")) == 1
    assert db.session.scalars(
        sa.select(RosterUpload.filename).where(RosterUpload.applied_at.is_not(None))
    ).all() == [f"file{winner}.csv"]


@pytest.mark.parametrize("pair", PAIRS)
def test_two_imports_at_once_in_one_process_leave_one_files_state(app, slow_apply, pair):
    files = PAIRS[pair]
    outcomes = []  # (file number, "applied" or the refusal), in the order they finished

    def import_file(n):
        try:
            preview = roster.import_file(
                roster_text(files[n]).encode(), app.config["LANGUAGES"], filename=f"file{n}.csv"
            )
            outcomes.append((n, "applied" if preview.applied else preview.problems))
        except roster.Refused as refused:
            outcomes.append((n, str(refused.message)))

    run_at_once(app, lambda: import_file(0), lambda: import_file(1))

    applied = [n for n, outcome in outcomes if outcome == "applied"]
    assert applied, outcomes
    refusals = [outcome for _, outcome in outcomes if outcome != "applied"]
    assert all(REFUSED in message for message in refusals), outcomes
    # Refused at once (PostgreSQL), or applied on top of the first (SQLite waits).
    assert roster_state() == state_of(files[applied[-1]])
    assert len(events("roster.imported")) == len(applied)


SLOW_FLASK = f"""
import sys, time
from flask.cli import main
from lms.services import roster
apply = roster._apply
def slowly(*args, **kwargs):
    time.sleep({PAUSE * 4})
    return apply(*args, **kwargs)
roster._apply = slowly
sys.argv = ["flask", "--app", "wsgi", *sys.argv[1:]]
main()
"""


def test_two_flask_roster_imports_at_once_leave_one_files_state(app, database_url, tmp_path):
    """Two real ``flask lms roster import`` processes, as two cron jobs or two admins."""
    files = PAIRS["different"]
    paths = []
    for n, rows in enumerate(files):
        paths.append(tmp_path / f"file{n}.csv")
        paths[-1].write_text(roster_text(rows), encoding="utf-8")
    db.session.commit()
    env = os.environ | {
        "DATABASE_URL": database_url,
        "LMS_AUTO_MIGRATE": "false",
        "LMS_SECRET_KEY": "test",
    }
    env.pop("LMS_ENV", None)
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", SLOW_FLASK, "lms", "roster", "import", str(path)],
            cwd=PROJECT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for path in paths
    ]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        results.append((process.returncode, out, err))

    assert all("Traceback" not in err for _, _, err in results), results
    applied = [n for n, (code, _, _) in enumerate(results) if code == 0]
    refused = [n for n, (code, _, err) in enumerate(results) if code == 1 and REFUSED in err]
    assert applied and len(applied) + len(refused) == 2, results
    assert roster_state() in [state_of(files[n]) for n in applied]
    assert len(events("roster.imported")) == len(applied)
