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

DASHBOARD_TARGET_RATIO, DASHBOARD_TARGET_MS = 1.2, 500.0
#: At 1,000,000 employees (PostgreSQL) the page may take this long.
DASHBOARD_MILLION_MS = 2000.0
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

    params = {"now": bind(now), "soon": bind(now + reporting.DUE_SOON)}
    for i, course in enumerate(courses):
        params[f"course{i}"] = course.id
        params[f"threshold{i}"] = bind(now + timedelta(days=course.window_days))
    return {"now": now, "courses": courses, "params": params}


def _status_cte(n_courses: int, columns: str, people: bool = True) -> str:
    """One row per active employee × required course with its status, read from the
    stored dates (person_course_status) as the app reads them; with ``people`` False from
    that table alone (it carries the person's department, country, manager and active
    flag), as the dashboard counts."""
    ids = ", ".join(f":course{i}" for i in range(n_courses))
    threshold = " ".join(f"WHEN :course{i} THEN :threshold{i}" for i in range(n_courses))
    source = (
        f"""FROM users u
      JOIN person_course_status p ON p.user_id = u.id AND p.course_id IN ({ids})
      WHERE u.active = :yes"""
        if people
        else f"FROM person_course_status p WHERE p.course_id IN ({ids}) AND p.active = :yes"
    )
    return f"""
    WITH s AS (
      SELECT {columns},
        CASE WHEN p.valid_until > :now AND p.valid_until <= (CASE p.course_id {threshold} END)
               THEN 'expiring'
             WHEN p.valid_until > :now THEN 'certified'
             WHEN p.due_at < :now THEN 'overdue'
             ELSE 'todo' END AS status,
        CASE WHEN p.valid_until <= :now THEN 1 ELSE 0 END AS expired,
        CASE WHEN (p.valid_until IS NULL OR p.valid_until <= :now)
              AND p.due_at >= :now AND p.due_at < :soon THEN 1 ELSE 0 END AS due_soon
      {source})"""


_COUNTS = (
    "COUNT(*), SUM(CASE WHEN status IN ('certified', 'expiring') THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN status = 'overdue' THEN 1 ELSE 0 END), "
    "SUM(CASE WHEN status = 'expiring' THEN 1 ELSE 0 END), "
    "SUM(due_soon), SUM(expired)"
)


def dashboard_sql(dialect: str, n_courses: int) -> list[str]:
    """Everything the dashboard shows, hand-written: per department, country and manager
    (the 101 most overdue, named) the six figures; the headline (active people, cleared
    now); the over-time series (first certifications per month from the stored status,
    certifications issued per month); the departments and countries to filter by."""
    month = {
        "postgresql": lambda col: f"to_char({col}, 'YYYY-MM')",
        "sqlite": lambda col: f"strftime('%Y-%m', {col})",
    }[dialect]
    ids = ", ".join(f":course{i}" for i in range(n_courses))
    manager_key = "m.employee_id"
    figures = (
        _status_cte(n_courses, "p.department, p.country, p.manager_id", people=False)
        + f"""
    SELECT 'department', department, {_COUNTS}, CAST(NULL AS INTEGER) FROM s
    GROUP BY department
    UNION ALL
    SELECT 'country', country, {_COUNTS}, CAST(NULL AS INTEGER) FROM s GROUP BY country
    UNION ALL
    SELECT 'manager', {manager_key}, t.* FROM (
      SELECT {_COUNTS} , manager_id FROM s GROUP BY manager_id
      ORDER BY 3 DESC, 1 DESC LIMIT 101) t
    LEFT JOIN users m ON m.id = t.manager_id
    UNION ALL
    SELECT 'headline', NULL, COUNT(*),
      SUM(CASE WHEN k.cleared = :yes AND (k.valid_until IS NULL OR k.valid_until > :now)
               THEN 1 ELSE 0 END), 0, 0, 0, 0, NULL
    FROM users u LEFT JOIN clearances k ON k.user_id = u.id WHERE u.active = :yes"""
    )
    over_time = f"""
    SELECT 'new', {month("p.first_certified_at")}, COUNT(*)
    FROM person_course_status p
    WHERE p.course_id IN ({ids}) AND p.active = :yes AND p.first_certified_at IS NOT NULL
    GROUP BY {month("p.first_certified_at")}
    UNION ALL
    SELECT 'issued', {month("c.issued_at")}, COUNT(*)
    FROM certifications c JOIN users u ON u.id = c.user_id
    WHERE u.active = :yes AND c.course_id IN ({ids})
    GROUP BY {month("c.issued_at")}"""
    choices = """
    SELECT 'department', department FROM users
    WHERE active = :yes AND department IS NOT NULL GROUP BY department
    UNION ALL
    SELECT 'country', country FROM users
    WHERE active = :yes AND country IS NOT NULL GROUP BY country"""
    return [figures, over_time, choices]


def export_sql(dialect: str, n_courses: int) -> str:
    """The rows of the status export, in its order."""
    columns = (
        "u.id AS user_id, u.employee_id, u.name, u.email, u.department, u.country, "
        "u.manager_id, p.course_id, p.due_at, p.valid_until, p.certified_major AS major, "
        "p.certified_minor AS minor, p.certified_at AS issued_at, "
        "p.certified_expires_at AS expires_at"
    )
    valid = "s.valid_until > :now"
    return (
        _status_cte(n_courses, columns)
        + f"""
    SELECT s.employee_id, s.name, s.email, s.department, s.country, m.employee_id,
      s.course_id, s.status, s.due_at,
      CASE WHEN {valid} THEN s.major END, CASE WHEN {valid} THEN s.minor END,
      CASE WHEN {valid} THEN s.issued_at END, CASE WHEN {valid} THEN s.expires_at END,
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
                        g.figures.due_soon,
                        g.figures.expired,
                    )
                    for g in groups
                }
            )
        head = reporting.headline(scope, filters, now)
        found[("headline", None)] = (head.active, head.cleared, 0, 0, 0, 0)
        from lms.extensions import db

        db.session.remove()
    return found


def _run_baseline(engine, statements: list[str], params: dict) -> dict:
    """Run the hand-written statements; the figures the page is checked against (the
    managers and the series are computed and fetched, not compared)."""
    import sqlalchemy as sa

    with engine.connect() as conn:
        figures, over_time, choices = (
            conn.execute(sa.text(sql), params).all() for sql in statements
        )
    assert over_time and choices
    return {
        (kind, key): tuple(int(v or 0) for v in counts[:6])
        for kind, key, *counts in figures
        if kind != "manager"
    }


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
    """``GET /hr/`` (whole company) against hand-written SQL of the same figures."""
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
    limit_ms = DASHBOARD_TARGET_MS if ctx.employees <= 100_000 else DASHBOARD_MILLION_MS
    passed = median_ms <= DASHBOARD_TARGET_RATIO * base_ms and median_ms <= limit_ms
    ctx.add(
        Figure(
            ctx.db,
            "HR dashboard server time",
            round(median_ms, 1),
            "ms",
            "hand-written SQL",
            round(base_ms, 1),
            f"<= {DASHBOARD_TARGET_RATIO:.2f} x SQL, <= {limit_ms:g} ms",
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
