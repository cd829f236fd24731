"""Fixtures: the app on every database we support, clients, users and content.

The suite runs once on SQLite and, when a PostgreSQL server answers (``TEST_DATABASE_URL``,
default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``), once more on PostgreSQL
in throw-away schemas of its own (per test session, so per pytest-xdist worker).

Isolation
---------
Each database gets its schema and the bundled test content (``tests/data/content``) once
per session. Every test that uses ``app`` then runs inside a transaction that is rolled
back afterwards: the app's engine is replaced, for the test, by one connection holding an
outer transaction, and each session joins it with ``join_transaction_mode="create_savepoint"``,
so code that calls ``db.session.commit()`` or ``rollback()`` behaves as usual (every app
context of the app, the CLI runner's too, shares that connection), and nothing reaches the
next test. A module that overrides ``content_root`` gets a schema-only database and its
content synced inside the test's transaction; ``app_config`` overrides work as before.

Opting out: ``@pytest.mark.fresh_database`` (or ``pytestmark = pytest.mark.fresh_database``
in a module) gives a test a database of its own whose commits are real, as every test had
before: a copy of the session's SQLite database, or the PostgreSQL test database emptied
with TRUNCATE and the content synced again. Use it when other connections must see the
test's writes: threads that push their own app context (concurrent submits, two reminder
servers), a second app or engine on ``database_url``, migrations. A rolled-back test that
touches its connection from another thread or opens a second connection to the same
database fails with a message that says to add the marker. Tests that ask for
``database_url`` without ``app`` get a fresh, empty database automatically.

Shared helpers (``PASSWORD``, ``text_of``, ``build_app``, …) live in ``tests/helpers.py``;
nothing imports from this file.
"""

import os
import sqlite3
import threading
import uuid
import weakref
from collections import OrderedDict
from contextlib import closing
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.security import generate_password_hash

from lms.extensions import db
from lms.extensions import limiter
from lms.models import ApiToken
from lms.models import Role
from lms.models import User
from lms.services import content_store
from lms.services import person_status
from tests.helpers import PASSWORD
from tests.helpers import TEST_CONTENT
from tests.helpers import Auth
from tests.helpers import OidcProvider
from tests.helpers import build_app
from tests.helpers import sign_in
from tests.helpers import smtp_server
from tests.helpers import webhook_receiver

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
FRESH = "fresh_database"


def _postgres_reachable() -> bool:
    if os.environ.get("LMS_TEST_SQLITE_ONLY"):
        return False
    try:
        engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 2})
        engine.connect().close()
        engine.dispose()
        return True
    except Exception:
        return False


DATABASES = ["sqlite"] + (["postgresql"] if _postgres_reachable() else [])


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        f"{FRESH}: a database of its own with real commits, instead of a "
        "rolled-back transaction (threads, second apps, migrations)",
    )


def pytest_collection_modifyitems(items):
    """A test that takes ``database_url`` but not ``app`` builds its own app or engine on
    it: it gets an empty database of its own, as before."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "database_url" in names and "app" not in names:
            item.add_marker(FRESH)


# -- Databases, built once per session -----------------------------------------------------


class Databases:
    """The session's databases, made on first use. Per backend: one with the schema and the
    bundled test content, one with the schema only (for other content roots), and one for
    fresh-database tests. On PostgreSQL they are schemas of their own in the test database,
    named for this session and dropped after it (cheap, where a DROP DATABASE would wait
    for a checkpoint of the whole shared server)."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.session = uuid.uuid4().hex[:10]
        self.urls: dict[tuple[str, str], str] = {}
        self.pg_schemas: list[str] = []
        self.fresh_pg_ready = False

    def url(self, backend: str, kind: str) -> str:
        """``kind``: "content" (schema and test content), "bare" (schema) or "fresh"."""
        key = (backend, kind)
        if key not in self.urls:
            url = self._new_database(backend, kind)
            if kind != "fresh":
                _build_schema(url, TEST_CONTENT if kind == "content" else None)
            self.urls[key] = url
        return self.urls[key]

    def _new_database(self, backend: str, kind: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{self.tmp / f'{kind}.db'}"
        schema = f"lms_test_{self.session}_{kind}"
        with _pg_admin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        self.pg_schemas.append(schema)
        # Throw-away data: no need to wait for the disk on every commit.
        options = f"-csearch_path={schema} -csynchronous_commit=off"
        url = sa.make_url(PG_URL).update_query_dict({"options": options})
        return url.render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if self.pg_schemas:
            with _pg_admin() as conn:
                for schema in self.pg_schemas:
                    conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@contextmanager
def _pg_admin():
    engine = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def _build_schema(url: str, content_root: Path | None) -> None:
    app = build_app(url)
    with app.app_context():
        db.create_all()
        if content_root is not None:
            content_store.sync(content_root)
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    registry = Databases(tmp_path_factory.mktemp("databases"))
    yield registry
    registry.drop_all()


@pytest.fixture(scope="session")
def postgres_url(databases):
    """The session's PostgreSQL database for tests that commit (``fresh_database``)."""
    return databases.url("postgresql", "fresh")


def _is_fresh(request) -> bool:
    return request.node.get_closest_marker(FRESH) is not None


def _content_kind(content_root: Path) -> str:
    return "content" if Path(content_root) == TEST_CONTENT else "bare"


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path, databases, content_root):
    """The URL of the database the test's ``app`` uses: the session's (rolled back after
    each test), or for ``fresh_database`` tests an empty one of their own."""
    if not _is_fresh(request):
        return databases.url(request.param, _content_kind(content_root))
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def content_root():
    """Override in a test module to serve other content."""
    return TEST_CONTENT


@pytest.fixture
def app_config():
    """Override to change settings for a test module."""
    return {}


@pytest.fixture
def app(request, database_url, content_root, app_config, databases):
    """The app on ``database_url``, in an app context, with ``content_root``'s content.

    Rolled-back tests share one app per database, content root and ``app_config`` for the
    session (building one costs more than most tests): its settings are restored after
    each test, and the rate limiter set as that app configured it, with no hits counted.
    """
    if _is_fresh(request):
        app = build_app(database_url, content_root, **app_config)
        yield from _fresh_app(app, database_url, content_root, databases)
        return
    app = _shared_app(database_url, content_root, app_config)
    with _as_built(app), app.app_context(), _rolled_back(app, database_url):
        if _content_kind(content_root) == "bare":
            content_store.sync(Path(content_root))
        yield app


_apps: OrderedDict[tuple[str, str, str], Flask] = OrderedDict()
_MAX_APPS = 8  # each keeps a pooled connection; settings made per test (ports) vary a lot


def _shared_app(url: str, content_root: Path, app_config: dict) -> Flask:
    key = (url, str(content_root), repr(sorted(app_config.items())))
    if key in _apps:
        _apps.move_to_end(key)
        return _apps[key]
    while len(_apps) >= _MAX_APPS:
        _, unused = _apps.popitem(last=False)
        with unused.app_context():
            db.engine.dispose()
    app = _apps[key] = build_app(url, content_root, **app_config)
    return app


@contextmanager
def _as_built(app: Flask):
    """Undo what a test may change on a shared app: its settings, the rate limiter's state
    (one Flask-Limiter object serves every app: the last app built configured it)."""
    settings = dict(app.config)
    limiter.enabled = app.config["RATELIMIT_ENABLED"]
    if limiter.enabled:
        limiter.reset()
    try:
        yield
    finally:
        app.config.clear()
        app.config.update(settings)


def _fresh_app(app, url: str, content_root: Path, databases: Databases):
    """The app on a database of its own that holds exactly ``content_root``'s content."""
    kind = _content_kind(content_root)
    with app.app_context():
        on_sqlite = url.startswith("sqlite")
        if on_sqlite:
            template = databases.url("sqlite", kind)
            _copy_sqlite(sa.make_url(template).database, sa.make_url(url).database)
        else:
            _empty_postgres(databases)
        if not (on_sqlite and kind == "content"):
            content_store.sync(Path(content_root))
        yield app
        db.session.remove()
    with app.app_context():
        db.engine.dispose()


def _copy_sqlite(source: str, target: str) -> None:
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def _empty_postgres(databases: Databases) -> None:
    """Tables are created on first use, then emptied before each fresh-database test."""
    if not databases.fresh_pg_ready:
        db.create_all()
        databases.fresh_pg_ready = True
        return
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    db.session.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.commit()


# -- Rollback isolation --------------------------------------------------------------------

_rollback_url: str | None = None  # the database a rolled-back test is using right now
_sqlite_engines_with_savepoints: "weakref.WeakSet[sa.Engine]" = weakref.WeakSet()


@contextmanager
def _rolled_back(app, url: str):
    """Run the test in a transaction on one connection, rolled back at the end.

    Flask-SQLAlchemy picks the bind from ``db.engines``; pointing its default entry at the
    connection makes every session of this app, in any app context, join the outer
    transaction (with a savepoint per session transaction, so commits and rollbacks in
    the code under test work).
    """
    global _rollback_url
    engines = db.engines
    engine = engines[None]
    if engine.dialect.name == "sqlite" and engine not in _sqlite_engines_with_savepoints:
        _real_sqlite_transactions(engine)
        _sqlite_engines_with_savepoints.add(engine)
    connection = engine.connect()
    outer = connection.begin()
    owner = threading.get_ident()

    @sa.event.listens_for(connection, "before_cursor_execute")
    def _same_thread(*_args):
        if threading.get_ident() != owner:
            raise RuntimeError(
                "This test uses the database from another thread, which cannot see its "
                "rolled-back transaction: mark it @pytest.mark.fresh_database."
            )

    engines[None] = connection
    sessions = db.session.session_factory
    sessions.configure(join_transaction_mode="create_savepoint")
    _rollback_url = url
    try:
        yield
    finally:
        _rollback_url = None
        db.session.remove()
        sessions.kw.pop("join_transaction_mode")
        engines[None] = engine
        outer.rollback()
        connection.close()


def _real_sqlite_transactions(engine) -> None:
    """pysqlite begins transactions lazily and may end them on its own, which breaks
    SAVEPOINTs; let SQLAlchemy emit BEGIN itself (SQLAlchemy's documented recipe)."""

    @sa.event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @sa.event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN")


@sa.event.listens_for(sa.engine.Engine, "engine_connect")
def _refuse_second_connection(connection):
    if _rollback_url is not None and str(connection.engine.url) == str(sa.make_url(_rollback_url)):
        raise RuntimeError(
            "This test opened a second connection to its database, which cannot see the "
            "test's rolled-back transaction: mark it @pytest.mark.fresh_database."
        )


# -- Clients and people --------------------------------------------------------------------


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_password_hashes: dict[str, str] = {}


def _hashed(password: str) -> str:
    """Test users' password hashes: one per password and session, with few PBKDF2 rounds.
    Signing in checks them as usual (werkzeug reads the method from the hash); the app's
    own scrypt hashing (``set_password``: CLI, demo) is untouched and tested there. A
    scrypt check costs ~0.1 s of CPU, and the suite signs in a thousand times."""
    if password not in _password_hashes:
        _password_hashes[password] = generate_password_hash(password, "pbkdf2:sha256:1000")
    return _password_hashes[password]


@pytest.fixture
def make_user(app):
    """Create a user: ``make_user(roles=[Role.HR], email=…, preferred_language=…)``."""
    counter = iter(range(1, 10_000))

    def make(roles=(), password=PASSWORD, **fields) -> User:
        n = next(counter)
        fields.setdefault("employee_id", f"T{n:04d}")
        fields.setdefault("email", f"person{n}@example.com")
        fields.setdefault("name", f"Person {n}")
        user = User(**fields)
        user.password_hash = _hashed(password)
        for role in roles:
            user.grant(role)
        db.session.add(user)
        db.session.flush()
        # As every service that adds a person does: their rows in the stored statuses.
        person_status.refresh([user.id])
        db.session.commit()
        return user

    return make


@pytest.fixture
def employee(make_user):
    return make_user(email="employee@example.com", preferred_language="en")


@pytest.fixture
def token(app):
    """A live API token (the plain text, as another system would hold it)."""
    row, plain = ApiToken.issue("another system")
    db.session.add(row)
    db.session.commit()
    return plain


@pytest.fixture
def smtp():
    """A real SMTP server (aiosmtpd) on a free port; its ``messages`` are what it received.
    Point the app at it with ``tests.helpers.mail_settings(smtp)`` in ``app_config``."""
    with smtp_server() as inbox:
        yield inbox


@pytest.fixture
def receiver():
    """A real HTTP server on 127.0.0.1 that keeps the webhooks sent to it
    (:class:`tests.helpers.Receiver`); endpoints reach it by allowing private addresses."""
    with webhook_receiver() as server:
        yield server


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def marketer(make_user):
    return make_user(roles=[Role.MARKETING], name="Mia Marketing", email="mia@example.com")


@pytest.fixture
def author(app, marketer):
    """A test client signed in as the marketing author."""
    client = app.test_client()
    sign_in(client, marketer)
    return client


# -- Peers ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def oidc_provider():
    """A real OpenID provider on 127.0.0.1 (``tests/oidc``), for company sign-in; the
    test skips, saying why, when node or the provider's npm packages are missing."""
    reason = OidcProvider.missing()
    if reason:
        pytest.skip(reason)
    provider = OidcProvider()
    yield provider
    provider.stop()
