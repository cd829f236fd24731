"""The admin's people search (``GET /admin/?q=…``), in-process, production config.

Each search is timed against the same search written by hand as two SQL statements (the
count and the first page, from the same indexes) through the same engine, interleaved.
The query plans of the app's statements are read too: a plan that scans the whole users
table fails the figure, whatever its time (at 100,000 people it would still be quick on an
idle machine, and slow on a busy one).

Registered in :data:`bench.runner.BENCHMARKS` with ``needs_server=False``.
"""

from __future__ import annotations

import statistics

from bench.hr import _timed
from bench.hr import hr_client
from bench.hr import production_app

TARGET_RATIO, TARGET_MS = 3.0, 100.0
#: (what a person types, what it finds): a common first name, a full name, the start of
#: an email, an employee id.
SEARCHES = [("maria", "name"), ("sam smith", "name"), ("alex.garcia.1", "email"), ("E000777", "id")]


def _baseline_sql(dialect: str) -> tuple[str, str]:
    """The search as one would write it by hand: prefix conditions the indexes answer."""
    if dialect == "postgresql":
        where = "lower(name) LIKE :like OR email LIKE :like OR employee_id LIKE :id_like"
    else:
        where = (
            "(lower(name) >= :low AND lower(name) < :high) OR (email >= :low AND email < :high)"
            " OR (employee_id >= :id_low AND employee_id < :id_high)"
        )
    return (
        f"SELECT count(*) FROM users WHERE {where}",
        f"SELECT * FROM users WHERE {where} ORDER BY name, id LIMIT 25",
    )


def _params(query: str) -> dict:
    low = query.lower()
    return {
        "like": f"{low}%",
        "id_like": f"{query}%",
        "low": low,
        "high": low[:-1] + chr(ord(low[-1]) + 1),
        "id_low": query,
        "id_high": query[:-1] + chr(ord(query[-1]) + 1),
    }


def _scans_users(engine, dialect: str, count_sql: str, params: dict) -> bool:
    """Whether the plan reads the whole users table (no index)."""
    import sqlalchemy as sa

    with engine.connect() as conn:
        if dialect == "postgresql":
            plan = conn.execute(sa.text(f"EXPLAIN {count_sql}"), params).scalars().all()
            return any("Seq Scan on users" in line for line in plan)
        plan = conn.execute(sa.text(f"EXPLAIN QUERY PLAN {count_sql}"), params).all()
        return any(row[-1].strip() == "SCAN users" for row in plan)


def bench_people_search(ctx) -> None:
    """``GET /admin/?q=…`` for each of :data:`SEARCHES` against the hand-written SQL."""
    import sqlalchemy as sa

    from bench.runner import Figure
    from lms.extensions import db

    app = production_app(ctx.url)
    client = hr_client(app, role="admin")
    with app.app_context():
        engine = db.engine
    count_sql, page_sql = _baseline_sql(ctx.db)
    runs = 5 if ctx.quick else 15
    for query, kind in SEARCHES:
        params = _params(query)

        def page(query=query):
            response = client.get("/admin/", query_string={"q": query})
            if response.status_code != 200:
                raise RuntimeError(f"GET /admin/?q={query} answered {response.status_code}")
            return response.get_data()

        def by_hand(params=params):
            with engine.connect() as conn:
                total = conn.execute(sa.text(count_sql), params).scalar_one()
                return total, conn.execute(sa.text(page_sql), params).all()

        total, _rows = by_hand()
        page()  # warm-up: templates compiled
        base, pages = [], []
        for _ in range(runs):
            base.append(_timed(by_hand)[0])
            pages.append(_timed(page)[0])
        page_ms, base_ms = 1000 * statistics.median(pages), 1000 * statistics.median(base)
        full_scan = _scans_users(engine, ctx.db, count_sql, params)
        ctx.add(
            Figure(
                ctx.db,
                f"people search ({kind}: {query!r}, {total} found)",
                round(page_ms, 1),
                "ms",
                "the same SQL by hand",
                round(base_ms, 2),
                f"<= {TARGET_RATIO:g} x SQL or <= {TARGET_MS:g} ms; no full scan",
                (page_ms <= TARGET_RATIO * base_ms or page_ms <= TARGET_MS) and not full_scan,
                detail={
                    "runs_ms": [round(1000 * w, 1) for w in pages],
                    "baseline_runs_ms": [round(1000 * w, 2) for w in base],
                    "found": total,
                    "full_scan": full_scan,
                },
            )
        )
