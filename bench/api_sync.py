"""Other systems copying clearances in bulk, against the production server (gunicorn).

- ``clearance_batch``: ``POST /api/v1/clearance/batch`` with 1,000 random employees (70 %
  employee ids, 30 % emails), against one ``GET /api/v1/clearance/<id>`` in the same run:
  median wall time of each, requests sent one at a time and interleaved (ten singles, one
  batch), so both see the same machine. Target: a batch ≤ 10 × one single request.
- ``changes_feed``: a full copy of everyone through ``GET /api/v1/clearance/changes``
  (1,000 a page, from no cursor until ``has_more`` is false), with every answer unnumbered
  first (as after the upgrade that adds the feed, or a change to everyone: the first page
  numbers them all). Target: ≤ 30 s at 100,000 employees; reported against reading the
  same rows with one plain SELECT through SQLAlchemy.

Registered in :data:`bench.runner.BENCHMARKS` (``needs_server=True``).
"""

from __future__ import annotations

import http.client
import json
import random
import statistics
import time

import sqlalchemy as sa

BATCH_SIZE = 1000
BATCH_TARGET_RATIO = 10.0
SYNC_TARGET_S = 30.0
PAGE = 1000


class _Connection:
    """One keep-alive connection to the server (reopened when a worker closes it)."""

    def __init__(self, port: int, token: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.auth = {"Authorization": f"Bearer {token}"}

    def send(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes, float]:
        headers = dict(self.auth)
        if body is not None:
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.HTTPException, ConnectionError):
            self.conn.close()  # the worker closed it: once more on a new connection
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        data = response.read()
        return response.status, data, time.perf_counter() - started

    def close(self) -> None:
        self.conn.close()


def _people(ctx) -> list[tuple[str, str]]:
    with ctx.engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT employee_id, email FROM users WHERE employee_id LIKE 'E%' ORDER BY id")
        ).all()


def _vacuumed(ctx) -> None:
    """On PostgreSQL, what autovacuum would have done by the time anyone asks (as the
    generator does): earlier runs of the feed's benchmark left a version of every row."""
    if ctx.db == "postgresql":
        with ctx.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE clearances"))


def bench_clearance_batch(ctx) -> None:
    """A 1,000-employee batch against one single-employee request, in the same run."""
    from bench.runner import Figure

    _vacuumed(ctx)
    people = _people(ctx)
    rng = random.Random(17)

    def identifier() -> str:
        employee_id, email = people[rng.randrange(len(people))]
        return email if rng.random() < 0.3 else employee_id

    rounds = 10 if ctx.quick else 30
    connection = _Connection(ctx.server.port, ctx.token)
    singles, batches, found = [], [], []
    try:
        for round_number in range(rounds + 2):  # the first two warm both workers up
            round_singles = []
            for _ in range(10):
                status, body, seconds = connection.send("GET", f"/api/v1/clearance/{identifier()}")
                _expect(status, body, b'"cleared"')
                round_singles.append(seconds)
            ids = [identifier() for _ in range(BATCH_SIZE)]
            payload = json.dumps({"ids": ids}).encode()
            status, body, seconds = connection.send("POST", "/api/v1/clearance/batch", payload)
            _expect(status, body, b'"found"')
            if round_number >= 2:
                singles += round_singles
                batches.append(seconds)
                found.append(len(json.loads(body)["found"]))
    finally:
        connection.close()
    single_ms = 1000 * statistics.median(singles)
    batch_ms = 1000 * statistics.median(batches)
    ctx.add(
        Figure(
            ctx.db,
            f"clearance batch of {BATCH_SIZE:,}",
            round(batch_ms, 1),
            "ms",
            "one single request",
            round(single_ms, 2),
            f"<= {BATCH_TARGET_RATIO:g} x single",
            batch_ms <= BATCH_TARGET_RATIO * single_ms,
            detail={
                "batches": len(batches),
                "singles": len(singles),
                "batch_p90_ms": round(1000 * _percentile(batches, 0.9), 1),
                "single_p90_ms": round(1000 * _percentile(singles, 0.9), 2),
                "found_per_batch": min(found),
                "identifiers": "random employees, 70 % employee ids, 30 % emails",
            },
        )
    )


def bench_changes_feed(ctx) -> None:
    """A full copy of everyone through the changes feed, every answer unnumbered first."""
    from bench.runner import Figure

    with ctx.engine.begin() as conn:
        conn.execute(sa.text("UPDATE clearances SET change_seq = NULL"))
        expected = conn.scalar(sa.text("SELECT COUNT(*) FROM clearances"))
    _vacuumed(ctx)  # adding the column after an upgrade leaves no old versions behind
    connection = _Connection(ctx.server.port, ctx.token)
    pages, first_page_s, copied = 0, None, {}
    started = time.perf_counter()
    try:
        cursor = None
        while True:
            path = f"/api/v1/clearance/changes?limit={PAGE}"
            if cursor:
                path += f"&cursor={cursor}"
            status, body, seconds = connection.send("GET", path)
            _expect(status, body, b'"changes"')
            page = json.loads(body)
            first_page_s = first_page_s if first_page_s is not None else seconds
            pages += 1
            for answer in page["changes"]:
                copied[answer["employee_id"]] = answer["cleared"]
            cursor = page["cursor"]
            if not page["has_more"]:
                break
    finally:
        connection.close()
    sync_s = time.perf_counter() - started
    first_page = first_page_s or 0.0
    if len(copied) != expected:
        raise RuntimeError(f"the copy holds {len(copied):,} people, the table {expected:,}")
    baseline_s = _plain_select_s(ctx)
    ctx.add(
        Figure(
            ctx.db,
            f"changes feed: full copy of {expected:,}",
            round(sync_s, 2),
            "s",
            "one plain SELECT",
            round(baseline_s, 2),
            f"<= {SYNC_TARGET_S:g} s",
            sync_s <= SYNC_TARGET_S,
            detail={
                "pages": pages,
                "page_size": PAGE,
                "first_page_s (numbers everyone)": round(first_page, 2),
                "other_pages_mean_ms": round(1000 * (sync_s - first_page) / max(pages - 1, 1), 1),
                "cleared": sum(copied.values()),
            },
        )
    )


def _plain_select_s(ctx) -> float:
    """Every answer the copy holds, read by one SELECT (warm, median of 3)."""
    sql = sa.text(
        "SELECT u.employee_id, c.cleared, c.valid_until, c.reasons, c.courses, c.computed_at "
        "FROM clearances c JOIN users u ON u.id = c.user_id ORDER BY c.change_seq"
    )
    runs = []
    with ctx.engine.connect() as conn:
        for _ in range(4):
            started = time.perf_counter()
            conn.execute(sql).all()
            runs.append(time.perf_counter() - started)
    return statistics.median(runs[1:])


def _expect(status: int, body: bytes, contains: bytes) -> None:
    if status != 200 or contains not in body:
        raise RuntimeError(f"the API answered {status}: {body[:300]!r}")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]
