"""HR's people directory search (``GET /hr/directory?q=…``), in-process, production config.

Each search is timed against two baselines measured in the same run, through the same
engine, interleaved: the same search written by hand (the count and the first page, from
the ``person_search_terms`` index), and a plain indexed lookup of one person by employee
id (the cheapest read there is). The count statement's plan is read too: a plan that scans
the whole ``users`` or ``person_search_terms`` table fails the figure, whatever its time.

Registered in :data:`bench.runner.BENCHMARKS` with ``needs_server=False``:
``python -m bench --db postgresql --employees 1000000 --only people_directory``.
"""

from __future__ import annotations

import statistics

from bench.hr import _timed
from bench.hr import hr_client
from bench.hr import production_app

TARGET_RATIO, TARGET_MS = 3.0, 150.0
#: (what HR types, what it finds): a last-name word, a first name's start, two words, the
#: start of an email, an employee id in lower case.
SEARCHES = [
    ("smi", "name word"),
    ("hann", "first name"),
    ("sofia smi", "two words"),
    ("sofia.smith.1", "email"),
    ("e000777", "employee id"),
    ("", "everyone: no search"),  # reported only: the first page of the whole company
]


def _where(dialect: str, words: int) -> str:
    if dialect == "postgresql":
        term = "term LIKE :like{n}"
    else:
        term = "term >= :low{n} AND term < :high{n}"
    probes = " INTERSECT ".join(
        f"SELECT user_id FROM person_search_terms WHERE {term.format(n=n)}" for n in range(words)
    )
    return f"u.active AND u.id IN ({probes})" if probes else "u.active"


def baseline_sql(dialect: str, words: int) -> tuple[str, str]:
    """The search as one would write it by hand: prefix probes the term index answers."""
    where = _where(dialect, words)
    return (
        f"SELECT count(*) FROM users u WHERE {where}",
        "SELECT u.id, u.employee_id, u.name, u.email, u.department, u.country, c.cleared"
        f" FROM users u LEFT JOIN clearances c ON c.user_id = u.id WHERE {where}"
        " ORDER BY u.name, u.id LIMIT 50",
    )


def params(query: str) -> dict:
    from lms.rules.search_terms import words_of

    values: dict = {}
    for n, word in enumerate(words_of(query)):
        values[f"like{n}"] = word + "%"
        values[f"low{n}"] = word
        values[f"high{n}"] = word[:-1] + chr(ord(word[-1]) + 1)
    return values


def plan(engine, dialect: str, sql: str, values: dict) -> list[str]:
    import sqlalchemy as sa

    with engine.connect() as conn:
        if dialect == "postgresql":
            return list(conn.execute(sa.text(f"EXPLAIN {sql}"), values).scalars())
        return [row[-1] for row in conn.execute(sa.text(f"EXPLAIN QUERY PLAN {sql}"), values)]


def full_scan(lines: list[str]) -> bool:
    """Whether a plan reads the whole users or terms table (no index)."""
    for line in lines:
        text = line.strip()
        if any(f"Seq Scan on {t}" in text for t in ("users", "person_search_terms")):
            return True
        if text.startswith(("SCAN users", "SCAN u", "SCAN person_search_terms")) and (
            "USING" not in text
        ):
            return True
    return False


def bench_people_directory(ctx) -> None:
    """``GET /hr/directory?q=…`` for each of :data:`SEARCHES` against the SQL by hand and
    an employee-id lookup."""
    import sqlalchemy as sa

    from bench.runner import Figure
    from lms.extensions import db

    app = production_app(ctx.url)
    client = hr_client(app)
    with app.app_context():
        engine = db.engine
    runs = 5 if ctx.quick else 15
    lookup_sql = sa.text("SELECT id, employee_id, name FROM users WHERE employee_id = :id")

    def lookup():
        with engine.connect() as conn:
            return conn.execute(lookup_sql, {"id": "E000777"}).all()

    for query, kind in SEARCHES:
        values = params(query)
        count_sql, page_sql = baseline_sql(ctx.db, len(values) // 3)

        def page(query=query):
            response = client.get("/hr/directory", query_string={"q": query})
            if response.status_code != 200:
                raise RuntimeError(f"GET /hr/directory?q={query} answered {response.status_code}")
            return response.get_data()

        def by_hand(values=values, count_sql=count_sql, page_sql=page_sql):
            with engine.connect() as conn:
                total = conn.execute(sa.text(count_sql), values).scalar_one()
                return total, conn.execute(sa.text(page_sql), values).all()

        total, _rows = by_hand()
        page()  # warm-up: templates compiled
        lookup()
        base, pages, lookups = [], [], []
        for _ in range(runs):
            base.append(_timed(by_hand)[0])
            pages.append(_timed(page)[0])
            lookups.append(_timed(lookup)[0])
        page_ms, base_ms = 1000 * statistics.median(pages), 1000 * statistics.median(base)
        lookup_ms = 1000 * statistics.median(lookups)
        lines = plan(engine, ctx.db, count_sql, values)
        scans = full_scan(lines)
        fast = page_ms <= TARGET_RATIO * base_ms or page_ms <= TARGET_MS
        ctx.add(
            Figure(
                ctx.db,
                f"directory search ({kind}: {query!r}, {total} found)",
                round(page_ms, 1),
                "ms",
                "the same SQL by hand",
                round(base_ms, 2),
                f"<= {TARGET_RATIO:g} x SQL or <= {TARGET_MS:g} ms; no full scan" if query else "",
                (fast and not scans) if query else None,
                detail={
                    "runs_ms": [round(1000 * w, 1) for w in pages],
                    "baseline_runs_ms": [round(1000 * w, 2) for w in base],
                    "employee_id_lookup_ms": round(lookup_ms, 3),
                    "page_vs_lookup": round(page_ms / lookup_ms, 1) if lookup_ms else None,
                    "found": total,
                    "full_scan": scans,
                    "count_plan": lines,
                },
            )
        )
