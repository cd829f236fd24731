"""Scratch databases for the benchmarks: naming, resetting, bulk writing.

Everything here refuses to touch a database whose name does not say "bench" unless the
caller passes ``force=True``: resetting drops every table.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable
from collections.abc import Sequence
from datetime import UTC
from datetime import date
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def default_url(kind: str, employees: int, pg_server: str = DEFAULT_PG_SERVER) -> str:
    """The scratch database for ``kind`` ("sqlite" or "postgresql") and a data size."""
    if kind == "sqlite":
        return f"sqlite:///{BENCH_DIR / f'bench-{employees}.db'}"
    # BENCH_PG_SUFFIX keeps runs from several checkouts sharing one server apart.
    suffix = os.environ.get("BENCH_PG_SUFFIX", "")
    url = sa.make_url(pg_server).set(database=f"lms_bench_{employees}{suffix}")
    return url.render_as_string(hide_password=False)


def dialect_of(url: str) -> str:
    return sa.make_url(url).get_backend_name()


def looks_like_scratch(url: str) -> bool:
    u = sa.make_url(url)
    name = Path(u.database or "").name if u.get_backend_name() == "sqlite" else u.database or ""
    return "bench" in name


def reset_database(url: str, force: bool = False) -> None:
    """Drop and recreate the database (PostgreSQL) or delete the file (SQLite)."""
    if not looks_like_scratch(url) and not force:
        raise SystemExit(
            f"refusing to reset {sa.make_url(url).render_as_string()}: its name "
            "does not contain 'bench' (pass --force if it really is scratch)"
        )
    u = sa.make_url(url)
    if u.get_backend_name() == "sqlite":
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{u.database}{suffix}").unlink(missing_ok=True)
        return
    admin = _admin_engine(url)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)')
            conn.exec_driver_sql(
                f"CREATE DATABASE \"{u.database}\" ENCODING 'UTF8' TEMPLATE template0"
            )
    finally:
        admin.dispose()


def drop_database(url: str) -> None:
    u = sa.make_url(url)
    if u.get_backend_name() == "sqlite":
        Path(u.database).unlink(missing_ok=True)
        return
    admin = _admin_engine(url)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)')
    finally:
        admin.dispose()


def copy_database(source: str, target: str) -> None:
    """Replace ``target`` by a copy of ``source`` (a scratch database, for a measurement
    that changes it): a file copy on SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL
    (nobody may be connected to ``source``)."""
    if not looks_like_scratch(target):
        raise SystemExit(f"refusing to overwrite {sa.make_url(target).render_as_string()}")
    drop_database(target)
    s, t = sa.make_url(source), sa.make_url(target)
    if s.get_backend_name() == "sqlite":
        shutil.copyfile(s.database, t.database)
        return
    admin = _admin_engine(source)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{t.database}" TEMPLATE "{s.database}"')
    finally:
        admin.dispose()


def _admin_engine(url: str) -> sa.Engine:
    """A connection to the server's maintenance database, to create or drop others."""
    u = sa.make_url(url)
    for maintenance in ("postgres", "template1"):
        engine = sa.create_engine(u.set(database=maintenance), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect():
                return engine
        except sa.exc.OperationalError:
            engine.dispose()
    raise SystemExit(f"cannot reach PostgreSQL at {u.set(database='postgres')}")


def server_reachable(url: str) -> bool:
    try:
        engine = _admin_engine(url)
    except SystemExit:
        return False
    engine.dispose()
    return True


# --- bulk writing ---------------------------------------------------------------------


def _sqlite_value(value):
    # The formats SQLAlchemy itself writes on SQLite, so the app reads them back unchanged.
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def _pg_value(value):
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


class BulkWriter:
    """Bulk inserts on one raw DBAPI connection: COPY on PostgreSQL, executemany on SQLite.

    Values are plain Python: naive UTC datetimes (what the app's UTCDateTime stores),
    dates, bools, and dicts/lists for JSON columns. Columns a caller leaves out get the
    model's scalar or callable Python default (so a column added later with a default does
    not break the generator), else the database's own default.
    """

    def __init__(self, engine: sa.Engine, metadata: sa.MetaData):
        self.engine = engine
        self.metadata = metadata
        self.dialect = engine.dialect.name
        self.raw = engine.raw_connection()
        self.counts: dict[str, int] = {}
        if self.dialect == "sqlite":
            self.execute("PRAGMA synchronous = OFF")  # this connection only

    def insert(self, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> int:
        extra_cols, extra_vals = self._defaults(table, columns)
        cols = list(columns) + extra_cols
        names = ", ".join(f'"{c}"' for c in cols)
        n = 0
        cur = self.raw.cursor()
        try:
            if self.dialect == "postgresql":
                with cur.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row([_pg_value(v) for v in row] + extra_vals)
                        n += 1
            else:
                marks = ", ".join("?" for _ in cols)
                sql = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'
                chunk: list[tuple] = []
                for row in rows:
                    chunk.append(tuple([_sqlite_value(v) for v in row] + extra_vals))
                    if len(chunk) >= 20_000:
                        cur.executemany(sql, chunk)
                        n += len(chunk)
                        chunk.clear()
                if chunk:
                    cur.executemany(sql, chunk)
                    n += len(chunk)
        finally:
            cur.close()
        self.counts[table] = self.counts.get(table, 0) + n
        return n

    def _defaults(self, table: str, columns: Sequence[str]) -> tuple[list[str], list]:
        names, values = [], []
        for column in self.metadata.tables[table].columns:
            if column.name in columns or column.default is None:
                continue
            default = column.default
            if default.is_scalar:
                value = default.arg
            elif default.is_callable:
                try:
                    value = default.arg(None)
                except TypeError:
                    continue
            else:
                continue
            if isinstance(value, datetime) and value.tzinfo is not None:
                value = value.astimezone(UTC).replace(tzinfo=None)
            names.append(column.name)
            values.append(
                _pg_value(value) if self.dialect == "postgresql" else _sqlite_value(value)
            )
        return names, values

    def execute(self, sql: str, params: Sequence | None = None) -> None:
        cur = self.raw.cursor()
        try:
            if params is None:
                cur.execute(sql)
            else:
                cur.execute(sql, params)
        finally:
            cur.close()

    def scalar(self, sql: str):
        cur = self.raw.cursor()
        try:
            cur.execute(sql)
            row = cur.fetchone()
            return row[0] if row else None
        finally:
            cur.close()

    def fix_sequences(self, tables: Sequence[str]) -> None:
        """After explicit ids, move PostgreSQL's sequences past them (SQLite needs nothing)."""
        if self.dialect != "postgresql":
            return
        for table in tables:
            self.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f'COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1, false)'
            )

    def commit(self) -> None:
        self.raw.commit()

    def close(self) -> None:
        self.raw.close()
