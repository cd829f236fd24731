"""Fixtures: the app on every database we support, clients, users and content.

The suite runs once on SQLite and, when a PostgreSQL server answers (``TEST_DATABASE_URL``,
default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``), once more on PostgreSQL
in a throw-away database of its own.
"""

import os
import re
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g
from flask.testing import FlaskClient

from lms import create_app
from lms.extensions import db
from lms.models import Role
from lms.models import User

DATA = Path(__file__).parent / "data"
TEST_CONTENT = DATA / "content"
PASSWORD = "correct horse battery staple"
PG_URL = os.environ.get("TEST_DATABASE_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")


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


@pytest.fixture(scope="session")
def postgres_url():
    """A fresh database on the PostgreSQL server for this test session, dropped after."""
    name = f"lms_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


_pg_schema_ready = False


def _database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return request.getfixturevalue("postgres_url")


def _reset_postgres(app) -> None:
    """Tables are created once per session, then emptied before each test."""
    global _pg_schema_ready
    if not _pg_schema_ready:
        db.create_all()
        _pg_schema_ready = True
        return
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    db.session.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.commit()


class FreshRequestClient(FlaskClient):
    """Requests share the test's app context (so tests can use ``db.session``); drop what
    extensions cache on ``g`` so that each request starts as on a real server."""

    def open(self, *args, **kwargs):
        for key in ("_flask_babel", "_login_user"):
            g.pop(key, None)
        return super().open(*args, **kwargs)


def build_app(url: str, content_root: Path = TEST_CONTENT, **config):
    settings = {
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "AUTO_MIGRATE": False,
        "CONTENT_SYNC_ON_START": False,
        "CONTENT_ROOT": str(content_root),
    }
    settings.update(config)
    app = create_app(settings)
    app.test_client_class = FreshRequestClient
    return app


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path):
    return _database_url(request, tmp_path)


@pytest.fixture
def content_root():
    """Override in a test module to serve other content."""
    return TEST_CONTENT


@pytest.fixture
def app_config():
    """Override to change settings for a test module."""
    return {}


@pytest.fixture
def app(database_url, content_root, app_config):
    app = build_app(database_url, content_root, **app_config)
    with app.app_context():
        if database_url.startswith("postgresql"):
            _reset_postgres(app)
        else:
            db.create_all()
        from lms.services import content_store

        content_store.sync(Path(app.config["CONTENT_ROOT"]))
        yield app
        db.session.remove()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


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
        user.set_password(password)
        for role in roles:
            user.grant(role)
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def employee(make_user):
    return make_user(email="employee@example.com", preferred_language="en")


class Auth:
    """Sign in and out through the real login form."""

    def __init__(self, client):
        self.client = client

    def login(self, user: User, password: str = PASSWORD):
        return self.client.post("/login", data={"email": user.email, "password": password})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return Auth(client)


def text_of(response) -> str:
    """The visible text of an HTML response, whitespace collapsed, for assertions."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


__all__ = ["PASSWORD", "Role", "text_of", "build_app"]
