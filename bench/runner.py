"""``python -m bench [--quick] [--db sqlite|postgresql|both] [--employees N]
[--recompute-million]``.

For each database: generate the data (or reuse what the generator made earlier today with
the same size and schema), start gunicorn as the README's production section does, run
every benchmark in :data:`BENCHMARKS`, stop the server. Prints one table and writes
``bench/results.json``.

Every figure is a ratio to a baseline measured in the same run, on the same server:
``/_bench/ok`` (a bare "return 'ok'") and ``/_bench/lookup/<id>`` (one primary-key
lookup through Flask-SQLAlchemy). See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from bench import load
from bench.admin import bench_people_search
from bench.api_sync import bench_changes_feed
from bench.api_sync import bench_clearance_batch
from bench.db import BENCH_DIR
from bench.db import DEFAULT_PG_SERVER
from bench.db import default_url
from bench.db import server_reachable
from bench.evidence import bench_evidence_pack
from bench.hr import bench_hr_dashboard
from bench.hr import bench_status_export
from bench.people_directory import bench_people_directory
from bench.recompute import bench_recompute
from bench.roster import bench_roster_import
from bench.server import PROJECT
from bench.server import Server
from bench.server import cpu_seconds
from bench.server import database_backends
from bench.server import production_env

RESULTS = BENCH_DIR / "results.json"
BENCH_TOKEN_RATE_LIMIT = "100000000 per minute"
CONNECTIONS, THREADS = 16, 2


@dataclass
class Figure:
    db: str
    name: str
    value: float
    unit: str
    baseline_name: str | None = None
    baseline: float | None = None
    target: str = ""  # e.g. ">= 0.70 x lookup", "<= 20 ms"; "" for a figure without one
    passed: bool | None = None  # None: reported, no target
    vs_ok: float | None = None  # requests/s as a share of the bare "ok" endpoint
    cpu_ms: float | None = None  # server CPU per request (app + database), ms
    baseline_cpu_ms: float | None = None
    detail: dict = field(default_factory=dict)

    @property
    def cpu_ratio(self) -> float | None:
        """The ratio the CPU cost predicts for a CPU-bound server: baseline cost / cost."""
        if not self.cpu_ms or not self.baseline_cpu_ms:
            return None
        return self.baseline_cpu_ms / self.cpu_ms

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline


@dataclass
class Context:
    """What a benchmark function gets: the database, the running server, and helpers."""

    db: str
    url: str
    employees: int
    quick: bool
    seconds: float
    warmup_seconds: float
    tool: str
    token: str
    server: Server | None = None
    figures: list[Figure] = field(default_factory=list)
    results: dict[str, load.LoadResult] = field(default_factory=dict)
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    recompute_million: bool = False  # also measure the recompute at 1,000,000 (PostgreSQL)
    _engine: sa.Engine | None = None

    @property
    def engine(self) -> sa.Engine:
        if self._engine is None:
            self._engine = sa.create_engine(self.url)
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

    def check(
        self,
        requests: list[load.Request],
        expect: int = 200,
        limit: int | None = None,
        contains: bytes | None = None,
        parallel: int = 1,
    ) -> None:
        """Send some of ``requests``, ``parallel`` at a time: they must answer ``expect``
        (this also warms caches and makes first-view writes happen before the load
        starts; one at a time, they may all reach the same worker)."""
        sample = requests[:limit]
        with ThreadPoolExecutor(parallel) as pool:
            answers = pool.map(lambda r: self.server.get(r.path, r.headers), sample)
        for r, (status, _, body) in zip(sample, answers, strict=True):
            if status != expect or (contains is not None and contains not in body):
                raise RuntimeError(
                    f"GET {r.path} answered {status}, expected {expect}: {body[:200]!r}"
                )

    def load(self, key: str, requests: list[load.Request]) -> load.LoadResult:
        """Warm up, then measure; the result is kept under ``key`` for later ratios."""
        base = self.server.base_url
        if self.warmup_seconds:
            load.run_load(
                base,
                requests,
                seconds=self.warmup_seconds,
                connections=CONNECTIONS,
                threads=THREADS,
                tool=self.tool,
            )
        app_pids, db_pids = self.server.pids(), self._db_backend_pids()
        loadavg = os.getloadavg()[0]
        app_cpu, db_cpu = cpu_seconds(app_pids), cpu_seconds(db_pids)
        result = load.run_load(
            base,
            requests,
            seconds=self.seconds,
            connections=CONNECTIONS,
            threads=THREADS,
            tool=self.tool,
        )
        if result.requests:
            result.app_cpu_ms = 1000 * (cpu_seconds(app_pids) - app_cpu) / result.requests
            if db_pids:
                result.db_cpu_ms = 1000 * (cpu_seconds(db_pids) - db_cpu) / result.requests
        result.loadavg_before = round(loadavg, 2)
        self.results[key] = result
        return result

    def _db_backend_pids(self) -> list[int]:
        """PostgreSQL backends serving this database (the app's pooled connections)."""
        if self.db != "postgresql":
            return []
        with self.engine.connect() as conn:
            return database_backends(conn, including_own=False)

    def baseline(self, key: str) -> load.LoadResult:
        """The "ok" or "lookup" baseline, measured now if no benchmark has measured it yet."""
        if key not in self.results:
            {"ok": bench_ok, "lookup": bench_lookup}[key](self)
        return self.results[key]

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        return figure

    def request_figure(
        self,
        name: str,
        result: load.LoadResult,
        baseline_key: str | None,
        min_ratio: float | None = None,
    ) -> Figure:
        """A requests/s figure: against ``baseline_key`` and, always, against "ok"."""
        base = self.baseline(baseline_key) if baseline_key else None
        ok = self.baseline("ok")
        figure = Figure(
            self.db,
            f"{name} req/s",
            round(result.rps, 1),
            "req/s",
            baseline_key,
            round(base.rps, 1) if base else None,
            detail={"load": result.as_dict()},
        )
        figure.vs_ok = result.rps / ok.rps if ok.rps else None
        figure.cpu_ms = result.cpu_ms
        figure.baseline_cpu_ms = base.cpu_ms if base else None
        if min_ratio is not None:
            figure.target = f">= {min_ratio:.2f} x {baseline_key}"
            figure.passed = figure.ratio is not None and figure.ratio >= min_ratio
        _fail_on_errors(figure, result)
        return self.add(figure)

    def latency_figure(
        self,
        name: str,
        result: load.LoadResult,
        baseline_key: str | None,
        max_ms: float | None = None,
    ) -> Figure:
        base = self.baseline(baseline_key) if baseline_key else None
        figure = Figure(
            self.db,
            f"{name} p99",
            result.p99_ms,
            "ms",
            baseline_key and f"{baseline_key} p99",
            base.p99_ms if base else None,
            detail={
                "p50_ms": result.p50_ms,
                "p90_ms": result.p90_ms,
                "p99.9_ms": result.p999_ms,
                "max_ms": result.max_ms,
            },
        )
        if max_ms is not None:
            figure.target = f"<= {max_ms:g} ms"
            figure.passed = result.p99_ms <= max_ms
        _fail_on_errors(figure, result)
        return self.add(figure)


def _fail_on_errors(figure: Figure, result: load.LoadResult) -> None:
    if result.error_count:
        figure.detail["errors"] = result.errors
        figure.passed = False
        figure.target = (figure.target + " " if figure.target else "") + "(no errors)"


# --- the benchmarks -------------------------------------------------------------------


@dataclass(frozen=True)
class Benchmark:
    name: str
    run: Callable[[Context], None]
    needs_server: bool = True
    needs_data: bool = True  # False: makes its own data (the main data set is not generated)


def bench_ok(ctx: Context) -> None:
    """Baseline: ``/_bench/ok`` returns "ok" (Flask, middleware, gunicorn; no database)."""
    requests = [load.Request("/_bench/ok")]
    ctx.check(requests, contains=b"ok")
    result = ctx.load("ok", requests)
    figure = Figure(
        ctx.db,
        "bare 'ok' endpoint req/s",
        round(result.rps, 1),
        "req/s",
        detail={"load": result.as_dict()},
        vs_ok=1.0,
        cpu_ms=result.cpu_ms,
    )
    _fail_on_errors(figure, result)
    ctx.add(figure)


def bench_lookup(ctx: Context) -> None:
    """Baseline: one ``db.session.get(User, id)`` per request, random people."""
    ids = [ctx.rng.randint(1, ctx.employees) for _ in range(10_000)]
    requests = [load.Request(f"/_bench/lookup/{i}") for i in ids]
    ctx.check(requests, limit=20)
    result = ctx.load("lookup", requests)
    ctx.request_figure("one-lookup endpoint", result, "ok")
    ctx.latency_figure("one-lookup endpoint", result, "ok")


def bench_clearance(ctx: Context) -> None:
    """``GET /api/v1/clearance/<employee id or email>`` with a valid token, random people."""
    with ctx.engine.connect() as conn:
        people = conn.execute(
            sa.text("SELECT employee_id, email FROM users WHERE employee_id LIKE 'E%' ORDER BY id")
        ).all()
    rng = random.Random(11)
    sample = [people[rng.randrange(len(people))] for _ in range(10_000)]
    auth = {"Authorization": f"Bearer {ctx.token}"}
    # Mostly employee ids, as an HR or social-media tool would send; some emails.
    requests = [
        load.Request(f"/api/v1/clearance/{email if rng.random() < 0.3 else eid}", auth)
        for eid, email in sample
    ]
    ctx.check(requests, limit=50, contains=b'"cleared"')
    result = ctx.load("clearance", requests)
    ctx.request_figure("clearance API", result, "lookup", min_ratio=0.7)
    ctx.latency_figure("clearance API", result, "lookup", max_ms=20)


def bench_module_page(ctx: Context) -> None:
    """A learner's module page, signed in, random course, module and language.

    One learner per language signs in through the login form (production: CSRF, Secure
    cookie); the language is theirs (their preference wins over everything else).
    """
    from bench.generate import LANGUAGES
    from bench.generate import LEARNER_PASSWORD
    from bench.generate import learner_email

    cookies = {
        lang: ctx.server.sign_in(learner_email(lang), LEARNER_PASSWORD) for lang in LANGUAGES
    }
    requests = []
    for course_id, module_ids in _course_modules(ctx.engine).items():
        for module_id in module_ids:
            for cookie in cookies.values():
                requests.append(
                    load.Request(f"/training/{course_id}/modules/{module_id}", {"Cookie": cookie})
                )
    random.Random(13).shuffle(requests)
    # The generator started every module for these learners, so no request writes. Every
    # page must answer 200 (a lost session would redirect to the login page). Sent four
    # times, four at a time, nearly every page reaches both workers, as on a server up
    # for a minute: a worker renders a module page once per version, language, roles and
    # reading state, then only fills it (lms/learn/skeletons.py).
    ctx.check(requests * 4, parallel=4)
    result = ctx.load("module", requests)
    figure = ctx.request_figure("learner module page", result, "lookup", min_ratio=0.7)
    figure.detail["pages"] = len(requests)
    ctx.latency_figure("learner module page", result, "lookup")


def _course_modules(engine: sa.Engine) -> dict[str, list[str]]:
    """Module ids of every course's current version, from the stored payload."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT v.course_id, v.payload FROM course_versions v JOIN ("
                " SELECT course_id, MAX(id) AS id FROM course_versions GROUP BY course_id) m"
                " ON m.id = v.id ORDER BY v.course_id"
            )
        ).all()
    found = {}
    for course_id, payload in rows:
        data = json.loads(payload) if isinstance(payload, str) else payload
        source = data["meta"]["source_language"]
        found[course_id] = [m["id"] for m in data["modules"][source]]
    return found


_START_SCRIPT = r"""
import json, time
t0 = time.perf_counter()
c0 = time.process_time()
from lms.queries import catalog
from lms import create_app
t1 = time.perf_counter()
app = create_app()
t2 = time.perf_counter()
with app.app_context():
    from lms.services import content_store
    courses = [catalog.course_of(v) for v in catalog.current_versions()]
    pages = 0
    for course in courses:
        for lang in course.languages:
            pages += sum(1 for m in course.module_ids if course.module(lang, m))
            course.quiz(lang)
t3 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "create_app_s": t2 - t1, "load_courses_s": t3 - t2,
                  "total_s": t3 - t0, "cpu_s": time.process_time() - c0,
                  "courses": len(courses), "module_pages": pages}))
"""

_BARE_SCRIPT = r"""
import json, time
t0 = time.perf_counter()
from flask import Flask
app = Flask("bare")
app.add_url_rule("/", "ok", lambda: "ok")
t1 = time.perf_counter()
print(json.dumps({"total_s": t1 - t0}))
"""


def bench_app_start(ctx: Context) -> None:
    """App start in a fresh process against the generated database (content unchanged, so
    nothing is re-rendered): import, ``create_app()`` as in production (nothing published on start),
    and every course's rendered modules and quizzes loaded, in every language. Median of 5.
    Baseline: a bare Flask app in a fresh process."""
    env = production_env(ctx.url)
    runs = [_timed_subprocess(_START_SCRIPT, env) for _ in range(5)]
    bare = [_timed_subprocess(_BARE_SCRIPT, env) for _ in range(5)]
    median = statistics.median(r["total_s"] for r in runs)
    base = statistics.median(r["total_s"] for r in bare)
    parts = {
        k: round(statistics.median(r[k] for r in runs), 3)
        for k in ("import_s", "create_app_s", "load_courses_s", "cpu_s")
    }
    ctx.add(
        Figure(
            ctx.db,
            "app start, all courses loaded",
            round(median, 3),
            "s",
            "bare Flask app",
            round(base, 3),
            "<= 1.5 s",
            median <= 1.5,
            detail={
                "median_parts": parts,
                "runs_s": [round(r["total_s"], 3) for r in runs],
                "courses": runs[0]["courses"],
                "module_pages": runs[0]["module_pages"],
            },
        )
    )


def _timed_subprocess(script: str, env: dict) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if out.returncode != 0:
        raise RuntimeError(f"app start failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


#: Every benchmark, in order. This is the extension point: append a Benchmark whose
#: function measures with ``ctx.load`` and reports with ``ctx.request_figure`` /
#: ``ctx.latency_figure`` (baselines are measured on demand), or ``ctx.add(Figure(...))``.
BENCHMARKS: list[Benchmark] = [
    Benchmark("ok", bench_ok),
    Benchmark("lookup", bench_lookup),
    Benchmark("clearance", bench_clearance),
    Benchmark("clearance_batch", bench_clearance_batch),
    Benchmark("changes_feed", bench_changes_feed),
    Benchmark("module_page", bench_module_page),
    Benchmark("app_start", bench_app_start, needs_server=False),
    Benchmark("hr_dashboard", bench_hr_dashboard, needs_server=False),
    Benchmark("status_export", bench_status_export, needs_server=False),
    Benchmark("roster_import", bench_roster_import, needs_server=False),
    Benchmark("people_search", bench_people_search, needs_server=False),
    Benchmark("recompute", bench_recompute, needs_server=False, needs_data=False),
    Benchmark("evidence_pack", bench_evidence_pack, needs_server=False),
    Benchmark("people_directory", bench_people_directory, needs_server=False),
]


# --- running --------------------------------------------------------------------------


def _ensure_data(db: str, url: str, employees: int, regenerate: bool) -> dict:
    from bench import generate

    meta = generate.read_meta(url)
    today = datetime.now(UTC).date().isoformat()
    if (
        not regenerate
        and meta
        and meta.get("employees") == employees
        and meta.get("seed") == generate.SEED
        and meta.get("day") == today
        and meta.get("generator_version") == generate.GENERATOR_VERSION
        and meta.get("schema_head") == _schema_head()
        and _has_people(url, employees)
    ):
        print(
            f"[{db}] reusing data generated today ({employees:,} employees); "
            "--regenerate to rebuild"
        )
        return {**meta, "reused": True}
    print(f"[{db}] generating data")
    meta = generate.generate(url, employees, log=lambda m: print(f"[{db}] {m}"))
    meta.pop("token", None)
    return {**meta, "reused": False}


def _schema_head() -> str | None:
    """The newest migration's revision id, read from the files (no database needed)."""
    import re

    versions = PROJECT / "lms" / "migrations" / "versions"
    revisions, parents = set(), set()
    for path in versions.glob("*.py"):
        text = path.read_text()
        rev = re.search(r"^revision\s*=\s*['\"]([^'\"]+)", text, re.M)
        down = re.search(r"^down_revision\s*=\s*['\"]([^'\"]+)", text, re.M)
        if rev:
            revisions.add(rev.group(1))
        if down:
            parents.add(down.group(1))
    heads = sorted(revisions - parents)
    return heads[0] if len(heads) == 1 else None


def _has_people(url: str, employees: int) -> bool:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            n = conn.scalar(sa.text("SELECT COUNT(*) FROM users WHERE employee_id LIKE 'E%'"))
            return n == employees
    except sa.exc.SQLAlchemyError:
        return False
    finally:
        engine.dispose()


def _issue_token(url: str) -> str:
    """A fresh API token for this run, written straight into the database."""
    from lms.models import ApiToken
    from lms.models import utcnow

    # Its own rate limit, far above any load the runner makes: the limit is still counted
    # (its cost is part of every API figure), never reached.
    row, token = ApiToken.issue("benchmark run", rate_limit=BENCH_TOKEN_RATE_LIMIT)
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                ApiToken.__table__.insert().values(
                    name=row.name,
                    token_hash=row.token_hash,
                    created_at=utcnow(),
                    rate_limit=row.rate_limit,
                )
            )
    finally:
        engine.dispose()
    return token


def run_database(db: str, args, tool: str) -> tuple[list[Figure], dict]:
    url = default_url(db, args.employees, args.pg_server)
    selected = [b for b in BENCHMARKS if not args.only or b.name in args.only]
    needs_data = any(b.needs_data for b in selected)
    data = _ensure_data(db, url, args.employees, args.regenerate) if needs_data else {}
    ctx = Context(
        db=db,
        url=url,
        employees=args.employees,
        quick=args.quick,
        seconds=args.seconds,
        warmup_seconds=args.warmup,
        tool=tool,
        token=_issue_token(url) if needs_data else "",
        recompute_million=args.recompute_million,
    )
    log_path = Path(tempfile.gettempdir()) / f"lms-bench-gunicorn-{db}.log"
    try:
        server_benchmarks = [b for b in selected if b.needs_server]
        if server_benchmarks:
            with Server(url, log_path=log_path) as server:
                ctx.server = server
                print(f"[{db}] gunicorn -w 2 on {server.base_url} (log: {log_path})")
                for b in server_benchmarks:
                    _run_one(ctx, b)
            ctx.server = None
        for b in selected:
            if not b.needs_server:
                _run_one(ctx, b)
    finally:
        ctx.close()
    return ctx.figures, data


def _run_one(ctx: Context, benchmark: Benchmark) -> None:
    started = time.perf_counter()
    before = len(ctx.figures)
    try:
        if benchmark.name in ("ok", "lookup") and benchmark.name in ctx.results:
            return  # already measured on demand as another benchmark's baseline
        benchmark.run(ctx)
    except Exception as exc:  # one broken benchmark must not hide the others' figures
        traceback.print_exc()
        ctx.add(
            Figure(
                ctx.db,
                f"{benchmark.name}: ERROR",
                None,
                "",
                target="runs",
                passed=False,
                detail={"error": f"{type(exc).__name__}: {exc}"},
            )
        )
    for f in ctx.figures[before:]:
        print(
            f"[{ctx.db}] {f.name}: {_fmt(f.value, f.unit)}"
            + (f" (ratio {f.ratio:.2f} to {f.baseline_name})" if f.ratio else "")
        )
    print(f"[{ctx.db}] {benchmark.name} took {time.perf_counter() - started:.1f} s")


# --- reporting ------------------------------------------------------------------------


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if value != value:  # NaN
        return "error"
    if unit == "req/s":
        return f"{value:,.0f} req/s"
    if unit == "ms":
        return f"{value:.1f} ms"
    if unit == "s":
        return f"{value:.2f} s"
    return f"{value:g} {unit}"


def table(figures: list[Figure]) -> str:
    header = [
        "db",
        "figure",
        "value",
        "baseline",
        "ratio",
        "vs ok",
        "target",
        "result",
        "CPU ms/req",
        "CPU ratio",
    ]
    rows = [header]
    for f in figures:
        baseline = (
            f"{f.baseline_name} {_fmt(f.baseline, f.unit)}" if f.baseline is not None else "-"
        )
        rows.append(
            [
                f.db,
                f.name,
                _fmt(f.value, f.unit),
                baseline,
                f"{f.ratio:.2f}" if f.ratio is not None else "-",
                f"{f.vs_ok:.2f}" if f.vs_ok is not None else "-",
                f.target or "-",
                {True: "PASS", False: "FAIL", None: "info"}[f.passed],
                f"{f.cpu_ms:.2f}" if f.cpu_ms is not None else "",
                f"{f.cpu_ratio:.2f}" if f.cpu_ratio is not None else "",
            ]
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = []
    for n, r in enumerate(rows):
        cells = [
            c.rjust(w) if i in (2, 4, 5, 8, 9) else c.ljust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def machine_info(dbs: list[str], pg_server: str, tool: str) -> dict:
    cpu, mem = "unknown", None  # best effort: not every system has /proc
    with contextlib.suppress(OSError):
        cpu = next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            cpu,
        )
    with contextlib.suppress(OSError, ValueError, IndexError):
        mem = round(int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024, 1)
    info = {
        "cpu_model": cpu,
        "cpu_cores": os.cpu_count(),
        "memory_gib": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": None,
        "load_generator": tool if tool != "wrk" else load.wrk_version(),
        "packages": _versions(
            "flask", "flask-sqlalchemy", "sqlalchemy", "gunicorn", "psycopg", "werkzeug"
        ),
    }
    if "postgresql" in dbs:
        engine = sa.create_engine(pg_server)
        with contextlib.suppress(sa.exc.SQLAlchemyError), engine.connect() as conn:
            info["postgresql"] = conn.scalar(sa.text("SHOW server_version"))
        engine.dispose()
    return info


def _versions(*names: str) -> dict:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version

    found = {}
    for name in names:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="10,000 employees, one 3-second run per figure (< 2 minutes)",
    )
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--employees", type=int, help="default 100,000 (quick: 10,000)")
    parser.add_argument("--seconds", type=float, help="per measurement: 10 (quick: 3)")
    parser.add_argument(
        "--warmup",
        type=float,
        help="seconds of load before each measurement, not counted: 2 (quick: 1)",
    )
    parser.add_argument(
        "--only",
        nargs="*",
        metavar="NAME",
        help="run only these: " + ", ".join(b.name for b in BENCHMARKS),
    )
    parser.add_argument(
        "--regenerate", action="store_true", help="rebuild the data even if today's matches"
    )
    parser.add_argument(
        "--python-load",
        action="store_true",
        help="use the Python load generator even when wrk is installed",
    )
    parser.add_argument(
        "--recompute-million",
        action="store_true",
        help="also measure publish + recompute at 1,000,000 employees on PostgreSQL "
        "(generating them takes minutes)",
    )
    parser.add_argument(
        "--pg-server",
        default=os.environ.get("BENCH_PG_SERVER", DEFAULT_PG_SERVER),
        help="a PostgreSQL URL on the server to create scratch databases on",
    )
    args = parser.parse_args(argv)
    args.employees = args.employees or (10_000 if args.quick else 100_000)
    args.seconds = args.seconds or (3 if args.quick else 10)
    args.warmup = args.warmup if args.warmup is not None else (1 if args.quick else 2)

    started = time.perf_counter()
    if args.python_load or not load.wrk_path():
        if not load.wrk_path():
            print(load.INSTALL_HINT)
        tool = "python"
        print(
            "load generator: Python (2 processes x 8 threads, http.client keep-alive); "
            "its numbers are lower bounds, it competes with the server for the CPU"
        )
    else:
        tool = "wrk"
        print(f"load generator: {load.wrk_version()} (-t{THREADS} -c{CONNECTIONS})")

    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    skipped = {}
    if "postgresql" in dbs and not server_reachable(args.pg_server):
        skipped["postgresql"] = f"no PostgreSQL at {sa.make_url(args.pg_server)}"
        print(f"skipping PostgreSQL: {skipped['postgresql']}")
        dbs.remove("postgresql")

    figures: list[Figure] = []
    data: dict[str, dict] = {}
    for db in dbs:
        db_figures, data[db] = run_database(db, args, tool)
        figures.extend(db_figures)

    elapsed = time.perf_counter() - started
    print()
    print(table(figures))
    busiest = max(
        (f.detail.get("load", {}).get("loadavg_1min_before") or 0 for f in figures), default=0
    )
    if busiest > (os.cpu_count() or 1):
        print(
            f"\nNOTE: other work shared this machine (1-minute load average up to "
            f"{busiest:.1f} on {os.cpu_count()} cores before a measurement): requests/s "
            "are depressed and noisy; the CPU ms/req columns are much less affected."
        )
    failed = [f for f in figures if f.passed is False]
    print(
        f"\n{len(figures)} figures, {sum(f.passed is True for f in figures)} pass, "
        f"{len(failed)} fail; {elapsed:.0f} s; written to "
        f"{RESULTS.relative_to(PROJECT)}"
    )
    RESULTS.write_text(
        json.dumps(
            {
                "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "command": "python -m bench "
                + " ".join(argv if argv is not None else sys.argv[1:]),
                "settings": {
                    "quick": args.quick,
                    "employees": args.employees,
                    "seconds": args.seconds,
                    "warmup_seconds": args.warmup,
                    "connections": CONNECTIONS,
                    "threads": THREADS,
                    "load_generator": tool,
                    "server": "python -m gunicorn -w 2 -b 127.0.0.1:<port> bench.wsgi:app "
                    "(LMS_ENV=production)",
                },
                "machine": machine_info(dbs, args.pg_server, tool),
                "skipped": skipped,
                "data": data,
                "elapsed_s": round(elapsed, 1),
                "figures": [
                    {**asdict(f), "ratio": f.ratio, "cpu_ratio": f.cpu_ratio} for f in figures
                ],
            },
            indent=2,
            default=str,
        )
    )
    return 1 if failed else 0
