"""The manager's page for a CEO of everyone: ``python -m bench.team --employees 100000``.

Generates the usual benchmark company (:mod:`bench.generate`) into its own database, puts
everyone without a manager under the first employee (the CEO: every other employee is then
below them, at some depth), and times, in-process and interleaved:

- ``GET /team`` signed in as the CEO (a recursive CTE over the whole company, the counts,
  and the first page of 50 rows), against
- ``GET /hr/people`` signed in as HR: HR's list of the same rows for everyone, the page
  the team page is built from, without the recursion.

Reports the median of each, their ratio (target below 2), and that the page held 50 rows.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import sqlalchemy as sa

from bench.db import BENCH_DIR
from bench.generate import generate
from bench.hr import hr_client
from bench.hr import production_app

TARGET_RATIO = 2.0


def _ceo_client(app):
    from lms.extensions import db
    from lms.models import UserSession

    with app.app_context():
        ceo = db.session.scalar(sa.text("SELECT min(id) FROM users WHERE active"))
        db.session.execute(
            sa.text("UPDATE users SET manager_id = :ceo WHERE manager_id IS NULL AND id != :ceo"),
            {"ceo": ceo},
        )
        token = UserSession.open(ceo)
        db.session.commit()
        db.session.remove()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = f"{ceo}:{token}"
        session["_fresh"] = True
    return client


def _timed(client, path: str) -> tuple[float, str]:
    started = time.perf_counter()
    response = client.get(path)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, (path, response.status_code)
    return elapsed, response.get_data(as_text=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    url = args.database_url or f"sqlite:///{BENCH_DIR / f'bench-team-{args.employees}.db'}"
    started = time.perf_counter()
    generate(url, args.employees, force=True, log=lambda *_: None)
    print(f"generated {args.employees:,} employees in {time.perf_counter() - started:.1f} s")
    app = production_app(url)
    ceo, hr = _ceo_client(app), hr_client(app)
    team_times, hr_times = [], []
    for _ in range(args.runs):
        elapsed, page = _timed(ceo, "/team")
        team_times.append(elapsed)
        elapsed, _page = _timed(hr, "/hr/people")
        hr_times.append(elapsed)
    rows = page.count('<th scope="row">')
    team_ms, hr_ms = statistics.median(team_times) * 1000, statistics.median(hr_times) * 1000
    ratio = team_ms / hr_ms
    print(f"/team as the CEO of everyone: {team_ms:.0f} ms median, {rows} rows on the page")
    print(f"/hr/people as HR (baseline):  {hr_ms:.0f} ms median")
    print(f"ratio {ratio:.2f} (target below {TARGET_RATIO})")
    return 0 if ratio < TARGET_RATIO and rows == 50 else 1


if __name__ == "__main__":
    sys.exit(main())
