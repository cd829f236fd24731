"""``python -m bench.retention [--rows N] [--url URL]``: the daily retention job on N
expired rows of two kinds (failed sign-ins, read outbox events), against a baseline
measured in the same run: one plain ``DELETE … WHERE <expired>`` per table, which is the
least any deletion can cost but is one giant transaction.

Prints seconds for each and the ratio; the job works in ``RETENTION_BATCH`` transactions,
so its ratio is the price of never holding one huge transaction (and of re-selecting).
Uses a scratch database: a SQLite file in a temporary folder by default, or ``--url``
(an EMPTY PostgreSQL database: its tables are created and dropped).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--url", default="")
    args = parser.parse_args()
    url = args.url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'retention.db'}"

    from lms import create_app
    from lms.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "AUTO_MIGRATE": False, "SECRET_KEY": "bench"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        try:
            baseline = _measure(args.rows, plain=True)
            job = _measure(args.rows, plain=False)
        finally:
            db.session.remove()
            db.drop_all()
    print(f"{args.rows:,} expired rows of each of 2 kinds on {sa.make_url(url).get_backend_name()}")
    print(f"baseline (one DELETE per table, one transaction): {baseline:.2f} s")
    print(
        f"retention job ({app.config['RETENTION_BATCH']:,} rows per transaction): {job:.2f} s"
        f" = {job / baseline:.2f} x baseline"
    )


def _measure(rows: int, *, plain: bool) -> float:
    from lms.extensions import db
    from lms.models import OutboxEvent
    from lms.models import SignInAttempt
    from lms.models import utcnow
    from lms.services import bulk
    from lms.services import retention

    now = utcnow()
    old = now - timedelta(days=1000)
    bulk.insert(
        SignInAttempt.__table__,
        [
            {
                "at": old,
                "kind": "password",
                "user_id": None,
                "identifier": f"p{n}@x.com",
                "client": None,
            }
            for n in range(rows)
        ],
    )
    bulk.insert(
        OutboxEvent.__table__,
        [
            {
                "kind": "person.changed",
                "occurred_at": old,
                "user_id": n,
                "course_id": None,
                "payload": {},
            }
            for n in range(rows)
        ],
    )
    db.session.commit()
    started = time.perf_counter()
    if plain:
        cutoff = now - timedelta(days=90)
        db.session.execute(sa.delete(SignInAttempt).where(SignInAttempt.at < cutoff))
        db.session.execute(sa.delete(OutboxEvent).where(OutboxEvent.occurred_at < cutoff))
        db.session.commit()
    else:
        done = retention.run(now)
        assert done["sign_in_attempts"] == rows and done["outbox"] == rows, done
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
