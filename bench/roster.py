"""Roster import benchmark: a CSV of ``ctx.employees`` new people imported into a fresh
scratch database the way the product does it (``roster.import_file`` in an app context),
then re-imported with 5 % of the rows changed.

Baseline: a plain DBAPI ``executemany`` INSERT of the same rows into the ``users`` table
of another fresh scratch database, through the same driver, in the same process.
See docs/benchmarks.md, "Roster import".
"""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import random
import statistics
import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from tempfile import gettempdir
from typing import TYPE_CHECKING

import sqlalchemy as sa

from bench.db import drop_database
from bench.db import reset_database
from bench.generate import COUNTRIES
from bench.generate import COUNTRY_WEIGHTS
from bench.generate import DEPARTMENT_WEIGHTS
from bench.generate import DEPARTMENTS
from bench.generate import FIRST
from bench.generate import LANGUAGES
from bench.generate import LAST
from bench.generate import MANAGER_SHARE
from bench.generate import REQUIRED_COURSE
from bench.generate import USER_COLS
from bench.generate import _ascii
from bench.server import cpu_seconds
from bench.server import database_backends
from lms.services.roster import COLUMNS as ROSTER_COLUMNS

if TYPE_CHECKING:
    from bench.runner import Context

SEED = 20251124
HEADER = list(ROSTER_COLUMNS)  # the columns the import reads, in its order
RULE_DUE_DAYS = 30  # the rule: the required course, due 30 days after the hire date
CHANGED_SHARE = 0.05


# --- the files ------------------------------------------------------------------------


def roster_rows(employees: int, today: datetime) -> list[list[str]]:
    """Everyone new: departments, countries, languages as the generator draws them, and a
    manager hierarchy (department heads, then ~6 % managers, each report under a manager
    of their department, named by employee id)."""
    rng = random.Random(SEED)
    countries, langs = list(COUNTRIES), list(LANGUAGES)
    n_managers = max(len(DEPARTMENTS), int(employees * MANAGER_SHARE))
    managers: dict[str, list[str]] = {d: [] for d in DEPARTMENTS}
    rows = []
    for i in range(1, employees + 1):
        employee_id = f"R{i:06d}"
        if i <= len(DEPARTMENTS):
            dept, manager = DEPARTMENTS[i - 1], ""
        else:
            dept = rng.choices(DEPARTMENTS, DEPARTMENT_WEIGHTS)[0]
            manager = rng.choice(managers[dept])
        if i <= n_managers:
            managers[dept].append(employee_id)
        country = rng.choices(countries, COUNTRY_WEIGHTS)[0]
        roll = rng.random()
        lang = (
            COUNTRIES[country]
            if roll < 0.6
            else rng.choices(langs, list(LANGUAGES.values()))[0]
            if roll < 0.9
            else ""
        )
        first, last = rng.choice(FIRST), rng.choice(LAST)
        hired = today.date() - timedelta(days=rng.randint(1, 15 * 365))
        rows.append(
            [
                employee_id,
                f"{_ascii(first)}.{_ascii(last)}.{i}@example.com".lower(),
                f"{first} {last}",
                dept,
                country,
                manager,
                lang.replace("_", "-"),
                hired.isoformat(),
                "true",
            ]
        )
    return rows


def changed_rows(rows: list[list[str]], today: datetime) -> tuple[list[list[str]], dict]:
    """The same roster with 5 % of the rows changed: departments, managers, emails, names,
    leavers (removed from the file) and new hires, in roughly equal parts. Only people
    who manage nobody leave or change manager, so the hierarchy stays a tree."""
    rng = random.Random(SEED + 1)
    n_changes = int(len(rows) * CHANGED_SHARE)
    managers = {r[5] for r in rows if r[5]}
    heads = [r[0] for r in rows if not r[5]]
    plain = [i for i, r in enumerate(rows) if r[0] not in managers]
    picked = rng.sample(plain, min(n_changes, len(plain)))
    kinds = ["department", "manager", "email", "name", "leaver", "hire"]
    share = len(picked) // len(kinds)
    new = [list(r) for r in rows]
    made = dict.fromkeys(kinds, 0)
    removed = set()
    for n, index in enumerate(picked[: share * (len(kinds) - 1)]):
        kind, row = kinds[n // share], new[index]
        if kind == "department":
            row[3] = rng.choice([d for d in DEPARTMENTS if d != row[3]])
        elif kind == "manager":
            row[5] = rng.choice([h for h in heads if h != row[5]])
        elif kind == "email":
            row[1] = row[1].replace("@example.com", ".new@example.com")
        elif kind == "name":
            row[2] = f"{row[2]}-{rng.choice(LAST)}"
        else:
            removed.add(index)
        made[kind] += 1
    new = [r for i, r in enumerate(new) if i not in removed]
    for i in range(len(rows) + 1, len(rows) + 1 + share):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        new.append(
            [
                f"R{i:06d}",
                f"{_ascii(first)}.{_ascii(last)}.{i}@example.com".lower(),
                f"{first} {last}",
                rng.choice(DEPARTMENTS),
                "US",
                rng.choice(heads),
                "en",
                (today.date() - timedelta(days=rng.randint(0, 20))).isoformat(),
                "true",
            ]
        )
        made["hire"] += 1
    return new, made


def to_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode()


# --- scratch databases ----------------------------------------------------------------


def scratch_url(ctx: Context, suffix: str) -> str:
    name = f"lms_bench_roster_{ctx.employees}{suffix}"
    if ctx.db == "sqlite":
        return f"sqlite:///{Path(gettempdir()) / f'{name}.db'}"
    return sa.make_url(ctx.url).set(database=name).render_as_string(hide_password=False)


def fresh_app(url: str):
    """A fresh database with the app's schema (migrations) and the bundled course
    published, plus the rule a company has: the required course for everyone, due 30 days
    after the hire date."""
    from lms import create_app
    from lms.services import assignments
    from lms.services import content_store

    reset_database(url)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "AUTO_MIGRATE": True,
            "SECRET_KEY": "bench-roster",
            "SQLALCHEMY_ENGINE_OPTIONS": {},
        }
    )
    with app.app_context():
        content_store.sync(Path(app.config["CONTENT_ROOT"]))
        assignments.create_rule(
            None, REQUIRED_COURSE, "all", None, "after_hire", due_days=RULE_DUE_DAYS
        )
    return app


def dispose(app) -> None:
    from lms.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# --- timing ---------------------------------------------------------------------------


class _Parts:
    """Wall time spent in the import's steps, by wrapping the roster module's functions
    for the duration of one measurement."""

    STEPS = {
        "_insert_added": "write",
        "_write_updates": "write",
        "_write_active": "write",
        "_write_audit": "audit",
        "_refresh_clearances": "clearances",
    }

    def __init__(self):
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def wrapped(self):
        from lms.services import assignments
        from lms.services import roster

        targets = [(roster, name, part) for name, part in self.STEPS.items()]
        targets.append((assignments, "assign_by_rules", "rules"))
        originals = [(module, name, getattr(module, name)) for module, name, _ in targets]
        for module, name, part in targets:
            setattr(module, name, self._timed(getattr(module, name), part))
        try:
            yield self
        finally:
            for module, name, original in originals:
                setattr(module, name, original)

    def _timed(self, function, part):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[part] = self.seconds.get(part, 0) + time.perf_counter() - started

        return timed


def _backend_pids(db: str) -> list[int]:
    from lms.extensions import db as sqla

    if db != "postgresql":
        return []
    return database_backends(sqla.session, including_own=True)


def timed_import(app, db: str, data: bytes, filename: str) -> dict:
    from flask_babel import force_locale

    from lms.extensions import db as sqla
    from lms.services import roster

    with app.app_context(), force_locale("en"):
        pids = _backend_pids(db)
        sqla.session.commit()
        languages = app.config["LANGUAGES"]
        parts = _Parts()
        db_cpu = cpu_seconds(pids)
        wall, cpu = time.perf_counter(), time.process_time()
        with parts.wrapped():
            preview = roster.import_file(data, languages, filename=filename)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if not preview.applied:
            raise RuntimeError(f"the roster was not applied: {preview.problems[:5]}")
        apply_s = preview.apply_seconds or 0
        steps = {k: round(v, 3) for k, v in parts.seconds.items()}
        other = apply_s - sum(parts.seconds.values())
        return {
            "wall_s": wall,
            "cpu_s": round(cpu, 3),
            "db_cpu_s": round(cpu_seconds(pids) - db_cpu, 3) if pids else None,
            "parts_s": {
                "parse_check": round(preview.check_seconds, 3),
                **steps,
                "commit_other": round(other, 3),
            },
            "counts": preview.counts(),
        }


def timed_executemany(engine: sa.Engine, rows: list[tuple], columns: list[str]) -> dict:
    """The baseline: one DBAPI executemany of every row into an empty users table."""
    marks = ", ".join(["?" if engine.dialect.name == "sqlite" else "%s"] * len(columns))
    sql = f"INSERT INTO users ({', '.join(columns)}) VALUES ({marks})"
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "TRUNCATE users CASCADE" if engine.dialect.name == "postgresql" else "DELETE FROM users"
        )
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        pids = []
        if engine.dialect.name == "postgresql":
            cursor.execute("SELECT pg_backend_pid()")
            pids = [cursor.fetchone()[0]]
        db_cpu = cpu_seconds(pids)
        wall, cpu = time.perf_counter(), time.process_time()
        cursor.executemany(sql, rows)
        raw.commit()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        cursor.close()
    finally:
        raw.close()
    return {
        "wall_s": wall,
        "cpu_s": round(cpu, 3),
        "db_cpu_s": round(cpu_seconds(pids) - db_cpu, 3) if pids else None,
    }


def baseline_rows(rows: list[list[str]], dialect: str, now: datetime) -> list[tuple]:
    """The file's people as the users table stores them (managers left out: the ids are
    not known before the insert)."""
    from datetime import date

    created = now.replace(tzinfo=None)
    if dialect == "sqlite":
        created = created.strftime("%Y-%m-%d %H:%M:%S.%f")
    out = []
    for r in rows:
        hired = r[7] if dialect == "sqlite" else date.fromisoformat(r[7])
        out.append(
            (
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                None,
                r[6].replace("-", "_") or None,
                hired,
                True,
                True,
                None,
                created,
            )
        )
    return out


def timed_executemany_everything(url: str, rows: list[tuple], now: datetime) -> dict:
    """For the record (no target): plain executemany of every row the import writes for
    new people: users, their ``roster.user_added`` events, enrolments and their
    ``enrollment.created`` events (explicit ids, JSON serialised beforehand), into a
    fresh database, one transaction."""
    import json

    dispose(fresh_app(url))
    engine = sa.create_engine(url)
    sqlite = engine.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    stamp = now.replace(tzinfo=None)
    stamp = stamp.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else stamp
    n = len(rows)
    tables = {
        "users": (["id", *BASELINE_COLUMNS], [(i, *r) for i, r in enumerate(rows, 1)]),
        "audit_events": (
            AUDIT_COLUMNS,
            [
                (
                    stamp,
                    None,
                    "roster.user_added",
                    i,
                    None,
                    "null",
                    json.dumps(
                        {"email": r[1], "name": r[2], "department": r[3], "employee_id": r[0]}
                    ),
                )
                for i, r in enumerate(rows, 1)
            ]
            + [
                (
                    stamp,
                    None,
                    "enrollment.created",
                    i,
                    REQUIRED_COURSE,
                    "null",
                    json.dumps(
                        {"enrollment_id": i, "reason": "assigned", "due_at": now.isoformat()}
                    ),
                )
                for i in range(1, n + 1)
            ],
        ),
        "enrollments": (
            ["id", "user_id", "course_id", "reason", "assigned_at", "due_at"],
            [(i, i, REQUIRED_COURSE, "assigned", stamp, stamp) for i in range(1, n + 1)],
        ),
    }
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        wall, cpu = time.perf_counter(), time.process_time()
        for table in ("users", "enrollments", "audit_events"):
            columns, values = tables[table]
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                f"({', '.join([mark] * len(columns))})",
                values,
            )
        raw.commit()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        raw.close()
        engine.dispose()
    return {
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "rows": sum(len(v) for _, v in tables.values()),
    }


AUDIT_COLUMNS = [
    "occurred_at",
    "actor_id",
    "action",
    "subject_user_id",
    "course_id",
    "before",
    "after",
]
BASELINE_COLUMNS = list(USER_COLS[1:])  # the generator's user columns, ids left to the database


# --- the benchmark --------------------------------------------------------------------


def bench_roster_import(ctx: Context) -> None:
    """Import a roster of ``ctx.employees`` new people into a fresh database, re-import it
    with 5 % changed; baseline: a plain executemany of the same rows. Quick: once; full:
    median of 3, interleaved with the baseline."""
    from bench.runner import Figure

    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = roster_rows(ctx.employees, today)
    second, changes = changed_rows(rows, today)
    first_csv, second_csv = to_csv(rows), to_csv(second)
    base_url = scratch_url(ctx, "_base")
    base_app = fresh_app(base_url)
    dispose(base_app)
    base_engine = sa.create_engine(base_url)
    base_rows = baseline_rows(rows, ctx.db, today)
    repeats = 1 if ctx.quick else 3
    imports, reimports, baselines = [], [], []
    try:
        for _ in range(repeats):
            baselines.append(timed_executemany(base_engine, base_rows, BASELINE_COLUMNS))
            app = fresh_app(scratch_url(ctx, ""))
            try:
                imports.append(timed_import(app, ctx.db, first_csv, "roster.csv"))
                reimports.append(timed_import(app, ctx.db, second_csv, "roster-2.csv"))
            finally:
                dispose(app)
    finally:
        base_engine.dispose()
    try:
        everything = timed_executemany_everything(scratch_url(ctx, "_all"), base_rows, today)
    finally:
        for suffix in ("", "_base", "_all"):  # scratch only: nobody reads them afterwards
            drop_database(scratch_url(ctx, suffix))
    first = statistics.median(r["wall_s"] for r in imports)
    again = statistics.median(r["wall_s"] for r in reimports)
    base = statistics.median(r["wall_s"] for r in baselines)
    cpu = {
        "import": _median_cpu(imports),
        "re-import": _median_cpu(reimports),
        "executemany": _median_cpu(baselines),
    }
    label = f"{ctx.employees // 1000}k" if ctx.employees % 1000 == 0 else f"{ctx.employees:,}"
    ctx.add(
        Figure(
            ctx.db,
            f"roster import, {label} new",
            round(first, 3),
            "s",
            "executemany",
            round(base, 3),
            "<= 3.00 x executemany",
            first <= 3 * base,
            detail={
                "runs": _rounded(imports),
                "baseline_runs": _rounded(baselines),
                "rows": len(rows),
                "bytes": len(first_csv),
                "median_cpu_s": cpu,
                "executemany_every_row_written": everything,
            },
        )
    )
    ctx.add(
        Figure(
            ctx.db,
            f"roster import, {label} new, vs every row it writes",
            round(first, 3),
            "s",
            "executemany of all its rows",
            everything["wall_s"],
            detail={"rows_written": everything["rows"], "everything": everything},
        )
    )
    ctx.add(
        Figure(
            ctx.db,
            "roster re-import, 5% changed",
            round(again, 3),
            "s",
            "first import",
            round(first, 3),
            "<= 1.00 x first import",
            again <= first,
            detail={
                "runs": _rounded(reimports),
                "rows": len(second),
                "changes_made": changes,
                "median_cpu_s": cpu,
            },
        )
    )


def _median_cpu(runs: list[dict]) -> float:
    """Process CPU plus, on PostgreSQL, the backend's: what a quiet machine would wait."""
    return round(statistics.median(r["cpu_s"] + (r["db_cpu_s"] or 0) for r in runs), 3)


def _rounded(runs: list[dict]) -> list[dict]:
    return [{**r, "wall_s": round(r["wall_s"], 3)} for r in runs]
