"""Publishing a version and recomputing everyone's clearance are one transaction: another
connection sees the old version with the old answers until it commits, then both new."""

import json
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.models import CourseVersion
from lms.models import Job
from tests.helpers import COURSE
from tests.helpers import EN_MODULE
from tests.helpers import certify
from tests.helpers import publish
from tests.helpers import save

pytestmark = pytest.mark.fresh_database

CHANGED = "---\ntitle: Say who you work for\n---\n\nAlways disclose that you work for us.\n"


def seen_by(reader: sa.Engine, user_id: int) -> tuple[str, str, str]:
    """What another connection reads: the course's newest version, and the person's stored
    answer for it (the version it was computed against, and the status)."""
    with reader.connect() as conn:
        version = conn.execute(
            sa.text(
                "SELECT major, minor FROM course_versions WHERE course_id = :c "
                "ORDER BY major DESC, minor DESC LIMIT 1"
            ),
            {"c": COURSE},
        ).one()
        courses = conn.scalar(
            sa.text("SELECT courses FROM clearances WHERE user_id = :u"), {"u": user_id}
        )
    course = (json.loads(courses) if isinstance(courses, str) else courses)[0]
    return f"{version.major}.{version.minor}", course["current_version"], course["status"]


@pytest.fixture
def reader(database_url):
    engine = sa.create_engine(database_url)
    yield engine
    engine.dispose()


@contextmanager
def on_statement(starting: str, do):
    """Call ``do()`` just before the app sends a statement that starts with ``starting``."""

    def hook(_conn, _cursor, statement, *_args):
        if statement.lstrip().startswith(starting):
            do()

    sa.event.listen(db.engine, "before_cursor_execute", hook)
    try:
        yield
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", hook)


def test_readers_see_the_old_version_and_answers_until_the_publish_commits(
    app, author, employee, reader
):
    certify(employee)
    assert seen_by(reader, employee.id) == ("1.0", "1.0", "cleared")
    save(author, EN_MODULE, CHANGED)

    seen = []
    # The recompute writes the stored answers after the new version: look in between.
    with on_statement("UPDATE clearances", lambda: seen.append(seen_by(reader, employee.id))):
        assert publish(author, "major", grace_days=14).status_code == 302
    assert seen == [("1.0", "1.0", "cleared")]  # mid-way: all old
    assert seen_by(reader, employee.id) == ("2.0", "2.0", "grace")  # committed: all new


def test_a_recompute_that_fails_publishes_nothing(app, author, employee, reader):
    certify(employee)
    save(author, EN_MODULE, CHANGED)

    def fail():
        raise RuntimeError("the database went away mid-way")

    with on_statement("UPDATE clearances", fail):
        response = publish(author, "major", grace_days=14)
    assert response.status_code == 302  # to the publish job's page, which says it failed
    job = db.session.scalars(sa.select(Job).order_by(Job.id.desc())).first()
    assert job.kind == "publish" and job.status == "failed"
    assert "the database went away mid-way" in job.error
    assert seen_by(reader, employee.id) == ("1.0", "1.0", "cleared")
    assert (
        db.session.scalar(
            sa.select(sa.func.count(CourseVersion.id)).where(CourseVersion.course_id == COURSE)
        )
        == 1
    )
