"""The documented set-ups, through the real ``flask`` command in a fresh process.

Production: ``flask db upgrade`` then ``flask lms content sync`` on an empty database.
Nothing but the explicit sync publishes: not building the app, not ``content check``.
"""

import logging
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.models import AuditEvent
from lms.models import CourseVersion
from tests.helpers import PASSWORD
from tests.helpers import TEST_CONTENT
from tests.helpers import build_app
from tests.helpers import text_of

PROJECT = Path(__file__).parents[2]
FLASK = Path(sys.executable).parent / "flask"


@pytest.fixture
def empty_database_url(database_url):
    """A database with no table at all: a new SQLite file, or a new PostgreSQL database."""
    if database_url.startswith("sqlite"):
        yield database_url
        return
    admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    name = f"lms_deploy_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    # A database of its own, without the session schema the suite's URL selects.
    yield (
        sa.make_url(database_url).set(database=name, query={}).render_as_string(hide_password=False)
    )
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def flask(url: str, *args: str, production: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LMS_", "FLASK_"))}
    env.update(DATABASE_URL=url, LMS_CONTENT_ROOT=str(TEST_CONTENT), FLASK_APP="wsgi")
    if production:
        env.update(LMS_ENV="production", LMS_SECRET_KEY="deploy-test-" + "k" * 40)
    return subprocess.run(
        [str(FLASK), *args], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120
    )


def published(url: str) -> tuple[list[str], int]:
    """(course versions, content.published audit events) in the database at ``url``."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            versions = conn.execute(
                sa.select(CourseVersion.course_id, CourseVersion.major, CourseVersion.minor)
            ).all()
            events = conn.scalar(
                sa.select(sa.func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "content.published")
            )
    finally:
        engine.dispose()
    return [f"{c} {major}.{minor}" for c, major, minor in versions], events


def test_production_deploy_on_an_empty_database(empty_database_url):
    url = empty_database_url
    upgrade = flask(url, "db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    check = flask(url, "lms", "content", "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert published(url) == ([], 0)  # a check changes nothing
    sync = flask(url, "lms", "content", "sync")
    assert sync.returncode == 0, sync.stderr
    assert "published policy-basics 1.0" in sync.stdout
    assert published(url) == (["policy-basics 1.0"], 1)
    again = flask(url, "lms", "content", "sync")
    assert again.returncode == 0 and "unchanged policy-basics" in again.stdout


def test_content_check_in_development_publishes_nothing(empty_database_url):
    check = flask(empty_database_url, "lms", "content", "check", production=False)
    assert check.returncode == 0, check.stdout + check.stderr
    assert published(empty_database_url) == ([], 0)


def test_the_demo_publishes_and_the_server_never_does(empty_database_url, caplog):
    """README's first command: ``flask lms demo && flask run`` shows the course, because
    the demo publishes it; a server started on files that differ only says so in its log."""
    app = build_app(empty_database_url, TEST_CONTENT, AUTO_MIGRATE=True)
    with app.app_context():
        client = app.test_client()
        # Alembic's logging set-up (AUTO_MIGRATE) replaced the root handlers caplog added.
        logging.getLogger("lms").addHandler(caplog.handler)
        try:
            client.get("/guidelines")
        finally:
            logging.getLogger("lms").removeHandler(caplog.handler)
        assert published(empty_database_url) == ([], 0)
        assert "serving the published version of policy-basics" in caplog.text
        demo = app.test_cli_runner().invoke(args=["lms", "demo", "--password", PASSWORD])
        assert demo.exit_code == 0, demo.output
        assert "published policy-basics 1.0" in demo.output
        assert published(empty_database_url) == (["policy-basics 1.0"], 1)
        client.post("/login", data={"email": "employee@example.com", "password": PASSWORD})
        assert "Policy basics" in text_of(client.get("/training"))
        db.session.remove()
        db.engine.dispose()
