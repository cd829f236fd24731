"""Certifications issued before certificates existed get their verification codes when
the database is upgraded: one each, unique, in the grouped form."""

import re
import uuid

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from lms import MIGRATIONS_DIR
from lms.extensions import db
from tests.helpers import build_app

INSERTS = [
    "INSERT INTO users (id, employee_id, email, name, active, roster_managed, created_at) "
    "VALUES (1, 'E1', 'e1@example.com', 'Ana', :yes, :no, CURRENT_TIMESTAMP)",
    "INSERT INTO courses (id, created_at) VALUES ('policy', CURRENT_TIMESTAMP)",
    "INSERT INTO course_versions (id, course_id, major, minor, content_hash, required, "
    "published_at, origin, payload) "
    "VALUES (1, 'policy', 1, 0, 'h', :yes, CURRENT_TIMESTAMP, 'files', '{}')",
]
CERTIFICATION = (
    "INSERT INTO certifications (user_id, course_id, course_version_id, major, minor, "
    "issued_at, expires_at, status) "
    "VALUES (1, 'policy', 1, 1, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'active')"
)


@pytest.fixture
def migrated_url(database_url):
    """An empty database for migrations: a new SQLite file, or a new PostgreSQL schema."""
    if database_url.startswith("sqlite"):
        yield database_url
        return
    schema = f"cert_migration_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = sa.make_url(database_url).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with engine.connect() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    engine.dispose()


def test_existing_certifications_get_unique_codes_on_upgrade(migrated_url):
    app = build_app(migrated_url)
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="api_0001")
        with db.engine.begin() as conn:
            for statement in INSERTS:
                conn.execute(sa.text(statement), {"yes": True, "no": False})
            for _ in range(3):
                conn.execute(sa.text(CERTIFICATION))
        upgrade(directory=MIGRATIONS_DIR)
        with db.engine.connect() as conn:
            codes = conn.execute(sa.text("SELECT verification_code FROM certifications")).scalars()
            codes = list(codes)
        db.engine.dispose()
    assert len(codes) == 3 == len(set(codes))
    assert all(re.fullmatch(r"([A-Z2-9]{4}-){5}[A-Z2-9]{4}", code) for code in codes)
