"""The suite's own isolation (tests/conftest.py): commits inside a rolled-back test work,
and what cannot work there fails with a message that names the way out."""

import shutil
import threading

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.models import User
from lms.queries import catalog
from tests.helpers import COURSE
from tests.helpers import TEST_CONTENT


def test_code_that_commits_and_rolls_back_works_inside_the_test_transaction(make_user):
    kept = make_user(email="kept@example.com")  # make_user commits
    db.session.add(User(employee_id="X1", email="dropped@example.com", name="Dropped"))
    db.session.flush()
    db.session.rollback()  # back to the last commit, as on a real connection
    emails = set(db.session.scalars(sa.select(User.email)))
    assert emails == {kept.email}


def test_a_thread_using_the_database_is_told_to_use_a_fresh_database(app):
    errors = []

    def work():
        with app.app_context():
            try:
                db.session.scalar(sa.select(sa.func.count(User.id)))
            except RuntimeError as exc:
                errors.append(str(exc))
            finally:
                db.session.remove()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert len(errors) == 1 and "fresh_database" in errors[0]


def test_a_second_connection_is_told_to_use_a_fresh_database(app, database_url):
    engine = sa.create_engine(database_url)
    with pytest.raises(RuntimeError, match="fresh_database"):
        engine.connect()
    engine.dispose()


@pytest.mark.fresh_database
def test_a_fresh_database_test_commits_for_other_connections(make_user, database_url):
    make_user(email="seen@example.com")
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        assert conn.scalar(sa.select(User.email).where(User.email == "seen@example.com"))
    engine.dispose()


class TestAnotherContentRoot:
    """A test that overrides ``content_root`` sees that content only, as on a new database."""

    @pytest.fixture
    def content_root(self, tmp_path):
        root = tmp_path / "content"
        shutil.copytree(TEST_CONTENT, root)
        module = root / "courses" / COURSE / "en" / "01-say-who-you-are.md"
        module.write_text(module.read_text() + "\nA sentence only this root has.\n")
        return root

    def test_its_content_is_published_as_the_first_version(self, app):
        [version] = catalog.current_versions()
        assert (version.course_id, version.version) == (COURSE, "1.0")
        files = catalog.version_files(version)
        assert (
            b"A sentence only this root has." in files[f"courses/{COURSE}/en/01-say-who-you-are.md"]
        )
