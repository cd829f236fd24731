"""HR dashboard and status CSV export, in-process (Flask test client, production config).

``bench_hr_dashboard``: ``GET /hr/`` for the whole company, signed in as HR, against one
hand-written SQL aggregate of the same figures (department and country breakdowns, the
headline's cleared count) run through the same engine in the same process, interleaved.

``bench_status_export``: ``GET /hr/export/status.csv`` streamed to a null sink, against one
hand-written query of the same rows written with the csv module to the same sink. Each
run happens in a fresh process, so its peak memory growth can be read from the kernel.

Registered in :data:`bench.runner.BENCHMARKS` with ``needs_server=False``; imports from
``bench.runner`` happen inside the functions (the runner imports this module).
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta

from bench.server import PROJECT
from bench.server import production_env

DASHBOARD_TARGET_RATIO, DASHBOARD_TARGET_MS = 2.0, 500.0
EXPORT_TARGET_RATIO, EXPORT_TARGET_MB = 2.0, 60.0


# --- the app, as production configures it ---------------------------------------------


@contextlib.contextmanager
def _production_environ(url: str):
    """``create_app`` reads its configuration from the environment: set production's for
    the call (any ``test_config`` would select the testing configuration), then restore."""
    saved = dict(os.environ)
    env = production_env(url)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def production_app(url: str):
    from lms import create_app

    with _production_environ(url):
        return create_app()


def hr_client(app, role: str = "hr"):
    """A test client signed in as the generator's first HR user (or first holder of
    ``role``).

    Generated accounts have no password (they would sign in through single sign-on), so the
    bench opens a sign-in itself and gives the session the id Flask-Login stores; every
    request still loads the user and checks the role, as for a real session.
    """
    import sqlalchemy as sa

    from lms.extensions import db
    from lms.models import UserSession

    with app.app_context():
        user_id = db.session.scalar(
            sa.text("SELECT user_id FROM user_roles WHERE role = :role ORDER BY user_id LIMIT 1"),
            {"role": role},
        )
        if user_id is None:
            raise RuntimeError(f"no {role} user in the generated data")
        token = UserSession.open(user_id)
        db.session.commit()
        db.session.remove()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = f"{user_id}:{token}"
        session["_fresh"] = True
    return client


# --- the hand-written SQL -------------------------------------------------------------


def _params(app, dialect: str) -> dict:
    """The required courses and the instants the reports use, as bound parameters."""
    from lms.models import utcnow
    from lms.queries import reporting

    with app.app_context():
        now = utcnow()
        courses = reporting.required_courses(now)
    if any(c.min_major for c in courses):
        raise RuntimeError("the baseline does not handle a passed recertification deadline")

    def bind(dt: datetime):
        naive = dt.astimezone(UTC).replace(tzinfo=None)
        return naive.strftime("%Y-%m-%d %H:%M:%S.%f") if dialect == "sqlite" else naive

    params = {"now": bind(now)}
    for i, course in enumerate(courses):
        params[f"course{i}"] = course.id
        params[f"threshold{i}"] = bind(now + timedelta(days=course.window_days))
    return {"now": now, "courses": courses, "params": params}


_NEWEST_VALID = {
    # The newest valid certification per person and course: one grouped pass suits
    # PostgreSQL (hash join); SQLite is faster with a lookup per person in the index.
    "postgresql": (
        """valid AS (
      SELECT c.user_id, c.course_id, MAX(c.id) AS cert_id FROM certifications c
      WHERE c.status = 'active' AND c.expires_at > :now
        AND c.course_id IN (SELECT id FROM required)
      GROUP BY c.user_id, c.course_id),""",
        """LEFT JOIN valid v ON v.user_id = u.id AND v.course_id = r.id
      LEFT JOIN certifications c ON c.id = v.cert_id""",
    ),
    "sqlite": (
        "",
        """LEFT JOIN certifications c ON c.id = (
        SELECT MAX(b.id) FROM certifications b WHERE b.user_id = u.id
        AND b.course_id = r.id AND b.status = 'active' AND b.expires_at > :now)""",
    ),
}


def _status_cte(dialect: str, n_courses: int, columns: str) -> str:
    """One row per active employee × required course with its status, as in the app."""
    courses = " UNION ALL ".join(f"SELECT :course{i} AS id" for i in range(n_courses))
    threshold = " ".join(f"WHEN :course{i} THEN :threshold{i}" for i in range(n_courses))
    valid_cte, valid_join = _NEWEST_VALID[dialect]
    return f"""
    WITH required AS ({courses}),
    {valid_cte}
    s AS (
      SELECT {columns},
        CASE WHEN c.id IS NOT NULL AND c.expires_at <= (CASE r.id {threshold} END)
               THEN 'expiring'
             WHEN c.id IS NOT NULL THEN 'certified'
             WHEN e.due_at < :now THEN 'overdue'
             ELSE 'todo' END AS status
      FROM users u CROSS JOIN required r
      {valid_join}
      LEFT JOIN enrollments e ON e.user_id = u.id AND e.course_id = r.id
                             AND e.completed_at IS NULL
      WHERE u.active = :yes)"""


_COUNTS = (
    "COUNT(*), SUM(CASE WHEN status IN ('certified', 'expiring') THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN status = 'overdue' THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN status = 'expiring' THEN 1 ELSE 0 END)"
)


def dashboard_sql(dialect: str, n_courses: int) -> str:
    """Per department and per country: total, certified, overdue, expiring; and the
    headline (active people, cleared now). One statement."""
    return (
        _status_cte(dialect, n_courses, "u.department, u.country")
        + f"""
    SELECT 'department', department, {_COUNTS} FROM s GROUP BY department
    UNION ALL
    SELECT 'country', country, {_COUNTS} FROM s GROUP BY country
    UNION ALL
    SELECT 'headline', NULL, COUNT(*),
      SUM(CASE WHEN k.cleared = :yes AND (k.valid_until IS NULL OR k.valid_until > :now)
               THEN 1 ELSE 0 END), 0, 0
    FROM users u LEFT JOIN clearances k ON k.user_id = u.id WHERE u.active = :yes"""
    )


def export_sql(dialect: str, n_courses: int) -> str:
    """The rows of the status export, in its order."""
    columns = (
        "u.id AS user_id, u.employee_id, u.name, u.email, u.department, u.country, "
        "u.manager_id, r.id AS course_id, e.due_at, c.major, c.minor, c.issued_at, "
        "c.expires_at"
    )
    return (
        _status_cte(dialect, n_courses, columns)
        + """
    SELECT s.employee_id, s.name, s.email, s.department, s.country, m.employee_id,
      s.course_id, s.status, s.due_at, s.major, s.minor, s.issued_at, s.expires_at,
      CASE WHEN k.cleared = :yes AND (k.valid_until IS NULL OR k.valid_until > :now)
           THEN 1 ELSE 0 END,
      CASE WHEN k.cleared = :yes AND (k.valid_until IS NULL OR k.valid_until > :now)
           THEN k.valid_until END
    FROM s LEFT JOIN users m ON m.id = s.manager_id
    LEFT JOIN clearances k ON k.user_id = s.user_id
    ORDER BY s.employee_id, s.course_id"""
    )


def _with_booleans(params: dict, dialect: str) -> dict:
    return {**params, "yes": True if dialect == "postgresql" else 1}


# --- dashboard ------------------------------------------------------------------------


def _page_figures(app, now, courses) -> dict:
    """The dashboard's own department and country figures and headline (not timed)."""
    from lms.queries import reporting

    scope, filters = reporting.Scope(), reporting.Filters()
    with app.app_context():
        rows = reporting.status_rows(scope, filters, courses, now)
        found = {}
        for dim in ("department", "country"):
            groups, _ = reporting.breakdown(rows, dim, limit=10_000)
            found.update(
                {
                    (dim, None if g.key == reporting.NONE else g.key): (
                        g.figures.total,
                        g.figures.certified,
                        g.figures.overdue,
                        g.figures.expiring,
                    )
                    for g in groups
                }
            )
        head = reporting.headline(scope, filters, now)
        found[("headline", None)] = (head.active, head.cleared, 0, 0)
        from lms.extensions import db

        db.session.remove()
    return found


def _run_baseline(engine, sql: str, params: dict) -> dict:
    import sqlalchemy as sa

    with engine.connect() as conn:
        rows = conn.execute(sa.text(sql), params).all()
    return {(kind, key): tuple(int(v or 0) for v in counts) for kind, key, *counts in rows}


@contextlib.contextmanager
def _template_timer(times: list[float]):
    """Time ``render_template`` inside the dashboard view (the rest is queries)."""
    from lms.hr import reports

    original = reports.render_template

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            times.append(time.perf_counter() - started)

    reports.render_template = timed
    try:
        yield
    finally:
        reports.render_template = original


def _timed(fn) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def bench_hr_dashboard(ctx) -> None:
    """``GET /hr/`` (whole company) against one SQL aggregate of the same figures."""
    from bench.runner import Figure
    from lms.extensions import db

    app = production_app(ctx.url)
    client = hr_client(app)
    setup = _params(app, ctx.db)
    sql = dashboard_sql(ctx.db, len(setup["courses"]))
    params = _with_booleans(setup["params"], ctx.db)
    with app.app_context():
        engine = db.engine

    expected = _page_figures(app, setup["now"], setup["courses"])
    got = _run_baseline(engine, sql, params)  # also the baseline's warm-up
    if got != expected:
        raise RuntimeError(f"the baseline SQL disagrees with the dashboard: {got} != {expected}")

    def page():
        response = client.get("/hr/")
        body = response.get_data()
        if response.status_code != 200 or b"cleared-share" not in body:
            raise RuntimeError(f"GET /hr/ answered {response.status_code}")
        return len(body)

    page()  # warm-up: templates compiled, course metadata cached
    runs = 3 if ctx.quick else 5
    base, pages, template_s = [], [], []
    with _template_timer(template_s):
        for _ in range(runs):
            base.append(_timed(lambda: _run_baseline(engine, sql, params)))
            pages.append(_timed(page))
    template_s = template_s[-runs:]
    median_ms = 1000 * statistics.median(w for w, _, _ in pages)
    base_ms = 1000 * statistics.median(w for w, _, _ in base)
    template_ms = 1000 * statistics.median(template_s)
    passed = median_ms <= DASHBOARD_TARGET_RATIO * base_ms and median_ms <= DASHBOARD_TARGET_MS
    ctx.add(
        Figure(
            ctx.db,
            "HR dashboard server time",
            round(median_ms, 1),
            "ms",
            "one SQL aggregate",
            round(base_ms, 1),
            f"<= {DASHBOARD_TARGET_RATIO:.2f} x SQL, <= {DASHBOARD_TARGET_MS:g} ms",
            passed,
            detail={
                "runs_ms": [round(1000 * w, 1) for w, _, _ in pages],
                "baseline_runs_ms": [round(1000 * w, 1) for w, _, _ in base],
                "cpu_ms": round(1000 * statistics.median(c for _, c, _ in pages), 1),
                "baseline_cpu_ms": round(1000 * statistics.median(c for _, c, _ in base), 1),
                "parts_ms": {
                    "template": round(template_ms, 1),
                    "queries_and_rest": round(median_ms - template_ms, 1),
                },
                "page_bytes": pages[0][2],
                "groups": len(expected),
                "note": "process CPU only; on PostgreSQL the backend's CPU is not counted",
            },
        )
    )
    with app.app_context():
        db.engine.dispose()


# --- status export --------------------------------------------------------------------


_EXPORT_SCRIPT = r"""
import csv, json, os, sys, time
sys.path.insert(0, os.getcwd())
from bench import hr

kind, url, dialect = sys.argv[1:4]
app = hr.production_app(url)
client = hr.hr_client(app)
if kind == "baseline":
    setup = hr._params(app, dialect)
    sql = hr.export_sql(dialect, len(setup["courses"]))
    params = hr._with_booleans(setup["params"], dialect)
    from lms.extensions import db
    with app.app_context():
        engine = db.engine
    import sqlalchemy as sa

    def run(sink_path):
        with engine.connect() as conn, open(sink_path, "w", encoding="utf-8",
                                            newline="") as sink:
            result = conn.execution_options(stream_results=True, yield_per=1000).execute(
                sa.text(sql), params)
            writer = csv.writer(sink, lineterminator="\r\n")
            sink.write("\ufeff")
            from lms.queries.reporting import STATUS_COLUMNS
            writer.writerow(STATUS_COLUMNS)
            lines = 1
            for rows in result.partitions():
                writer.writerows(rows)
                lines += len(rows)
        return lines
else:
    def run(sink_path):
        response = client.get("/hr/export/status.csv", buffered=False)
        if response.status_code != 200:
            raise SystemExit(f"export answered {response.status_code}")
        lines = 0
        with open(sink_path, "wb") as sink:
            for chunk in response.response:
                chunk = chunk if isinstance(chunk, bytes) else chunk.encode()
                lines += chunk.count(b"\n")
                sink.write(chunk)
        response.close()
        return lines

hr.reset_peak_rss()
before = hr.rss_mb()
wall, cpu = time.perf_counter(), time.process_time()
lines = run(os.devnull)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
print(json.dumps({"seconds": wall, "cpu_s": cpu, "lines": lines,
                  "growth_mb": max(0.0, hr.peak_rss_mb() - before),
                  "peak_method": hr.PEAK_METHOD}))
"""

PEAK_METHOD = "VmHWM after clear_refs"


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def rss_mb() -> float:
    return _status_kb("VmRSS") / 1024


def reset_peak_rss() -> None:
    """Reset the kernel's peak RSS (VmHWM) so start-up's peak does not hide the export's;
    falls back to getrusage's lifetime peak where clear_refs is not writable."""
    global PEAK_METHOD
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        PEAK_METHOD = "getrusage ru_maxrss (lifetime peak)"


def peak_rss_mb() -> float:
    if PEAK_METHOD.startswith("VmHWM"):
        return _status_kb("VmHWM") / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _export_run(kind: str, ctx) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _EXPORT_SCRIPT, kind, ctx.url, ctx.db],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if out.returncode != 0:
        raise RuntimeError(f"status export ({kind}) failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_status_export(ctx) -> None:
    """``GET /hr/export/status.csv`` against the csv module writing one query's rows."""
    from bench.runner import Figure

    runs = 3 if ctx.quick else 5
    base, app = [], []
    for _ in range(runs):  # interleaved, each in a fresh process
        base.append(_export_run("baseline", ctx))
        app.append(_export_run("app", ctx))
    lines = {r["lines"] for r in base + app}
    if len(lines) != 1:
        raise RuntimeError(
            f"row counts differ: baseline {[r['lines'] for r in base]}, "
            f"export {[r['lines'] for r in app]}"
        )
    median = statistics.median(r["seconds"] for r in app)
    base_s = statistics.median(r["seconds"] for r in base)
    growth = max(r["growth_mb"] for r in app)
    rows = lines.pop() - 1
    common = {"rows": rows, "peak_method": app[0]["peak_method"]}
    ctx.add(
        Figure(
            ctx.db,
            "status CSV export",
            round(median, 3),
            "s",
            "csv module",
            round(base_s, 3),
            f"<= {EXPORT_TARGET_RATIO:.2f} x csv module",
            median <= EXPORT_TARGET_RATIO * base_s,
            detail={
                **common,
                "runs_s": [round(r["seconds"], 3) for r in app],
                "baseline_runs_s": [round(r["seconds"], 3) for r in base],
                "cpu_s": round(statistics.median(r["cpu_s"] for r in app), 3),
                "baseline_cpu_s": round(statistics.median(r["cpu_s"] for r in base), 3),
            },
        )
    )
    # The target is absolute; the csv module's growth is in the detail, not a baseline
    # (a ratio of two small numbers would only be noise).
    ctx.add(
        Figure(
            ctx.db,
            "status CSV export memory growth",
            round(growth, 1),
            "MB",
            target=f"<= {EXPORT_TARGET_MB:g} MB",
            passed=growth <= EXPORT_TARGET_MB,
            detail={
                **common,
                "runs_mb": [round(r["growth_mb"], 1) for r in app],
                "baseline_runs_mb": [round(r["growth_mb"], 1) for r in base],
            },
        )
    )
