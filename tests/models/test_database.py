"""The schema: migrations match the models on every database; the audit trail is append-only."""

import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from lms import MIGRATIONS_DIR
from lms.extensions import db
from lms.models import AuditEvent
from lms.queries import catalog
from lms.services import audit
from tests.helpers import build_app


@pytest.fixture
def migrated_url(database_url, request):
    """An empty database for migrations: a new SQLite file, or a new PostgreSQL schema."""
    if database_url.startswith("sqlite"):
        yield database_url
        return
    schema = f"migrations_test_{uuid.uuid4().hex[:10]}"  # test sessions share the database
    engine = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = sa.make_url(database_url).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with engine.connect() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    engine.dispose()


def test_migrations_create_exactly_the_models(migrated_url):
    from flask_migrate import upgrade

    app = build_app(migrated_url)
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == []
        db.engine.dispose()


def test_first_run_creates_the_database_and_serving_publishes_nothing(tmp_path):
    app = build_app(f"sqlite:///{tmp_path / 'fresh.db'}", AUTO_MIGRATE=True)
    with app.app_context():
        assert catalog.current_versions() == []  # the schema exists, nothing is published
        app.test_client().get("/guidelines")
        assert catalog.current_versions() == []  # a server never publishes on start
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize(
    "statement",
    [
        sa.update(AuditEvent).values(action="tampered"),
        sa.delete(AuditEvent),
    ],
)
def test_audit_trail_refuses_updates_and_deletes(app, statement):
    audit.record("test.event", after={"x": 1})
    db.session.commit()
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        db.session.execute(statement)
        db.session.flush()
    db.session.rollback()
    assert (
        db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.action == "test.event"))
        == "test.event"
    )


def test_existing_leads_lead_their_own_department_after_the_upgrade(migrated_url):
    from flask_migrate import upgrade

    app = build_app(migrated_url)
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="f1a2b3c4d008")
        with db.engine.begin() as conn:
            for uid, department, role in [
                (1, "Sales", "lead"),
                (2, None, "lead"),
                (3, "Support", "hr"),
            ]:
                conn.execute(
                    sa.text(
                        "INSERT INTO users (id, employee_id, email, name, department, active, "
                        "roster_managed, created_at) VALUES (:id, :eid, :email, 'N', :dept, "
                        "true, false, CURRENT_TIMESTAMP)"
                    ),
                    {
                        "id": uid,
                        "eid": f"E{uid}",
                        "email": f"e{uid}@example.com",
                        "dept": department,
                    },
                )
                conn.execute(
                    sa.text("INSERT INTO user_roles (user_id, role) VALUES (:id, :role)"),
                    {"id": uid, "role": role},
                )
        upgrade(directory=MIGRATIONS_DIR)
        with db.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT user_id, department FROM lead_departments"))
            assert rows.all() == [(1, "Sales")]
        db.engine.dispose()


def test_the_upgrade_fills_attempt_responses_from_the_submitted_attempts(migrated_url):
    """Existing attempts get their item-analysis rows, graded from the answer key frozen
    with their version, as a submission writes them now."""
    import json

    from flask_migrate import upgrade

    from lms.content import load_course
    from tests.helpers import COURSE
    from tests.helpers import TEST_CONTENT

    course, _ = load_course(TEST_CONTENT, COURSE)
    app = build_app(migrated_url)
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="a9d4c2e7b010")
        drawn = [{"id": q, "answers": ["a", "b", "c"]} for q in ("disclose", "confidential")]
        with db.engine.begin() as conn:
            for statement, values in [
                ("INSERT INTO courses (id, created_at) VALUES (:c, CURRENT_TIMESTAMP)", {}),
                (
                    "INSERT INTO course_versions (id, course_id, major, minor, content_hash, "
                    "required, published_at, origin, payload) VALUES (1, :c, 1, 0, 'h', true, "
                    "CURRENT_TIMESTAMP, 'files', :payload)",
                    {"payload": json.dumps(course.to_dict())},
                ),
                (
                    "INSERT INTO users (id, employee_id, email, name, active, roster_managed, "
                    "created_at) VALUES (1, 'E1', 'e1@example.com', 'N', true, false, "
                    "CURRENT_TIMESTAMP)",
                    {},
                ),
                (
                    "INSERT INTO enrollments (id, user_id, course_id, reason, assigned_at) "
                    "VALUES (1, 1, :c, 'required', CURRENT_TIMESTAMP)",
                    {},
                ),
            ]:
                conn.execute(sa.text(statement), {"c": COURSE, **values})
            for attempt_id, status, answers in [
                (1, "submitted", {"disclose": ["b"], "confidential": ["a", "c"]}),
                (2, "open", None),
            ]:
                conn.execute(
                    sa.text(
                        "INSERT INTO quiz_attempts (id, enrollment_id, user_id, course_id, "
                        "course_version_id, lang, status, questions, answers, started_at) "
                        "VALUES (:id, 1, 1, :c, 1, 'he', :status, :q, :a, CURRENT_TIMESTAMP)"
                    ),
                    {
                        "id": attempt_id,
                        "c": COURSE,
                        "status": status,
                        "q": json.dumps(drawn),
                        "a": json.dumps(answers),
                    },
                )
        upgrade(directory=MIGRATIONS_DIR)
        with db.engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT attempt_id, question_id, lang, correct, chosen, rest_score "
                    "FROM attempt_responses ORDER BY question_id"
                )
            ).all()
        # "he" has no quiz: graded with the source language's key. confidential earns
        # no points ((1 right - 1 wrong) / 2), so disclose's rest score is 0.
        assert [tuple(r) for r in rows] == [
            (1, "confidential", "he", False, "a,c", 1.0),
            (1, "disclose", "he", True, "b", 0.0),
        ]
        db.engine.dispose()


def test_tokens_of_the_old_clearance_scope_read_clearances_after_the_upgrade(migrated_url):
    from flask_migrate import upgrade

    app = build_app(migrated_url)
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="a9d4c2e7b010")
        with db.engine.begin() as conn:
            for n, scope in enumerate(["clearance", "scim"]):
                conn.execute(
                    sa.text(
                        "INSERT INTO api_tokens (name, token_hash, created_at, scope) "
                        "VALUES (:name, :hash, CURRENT_TIMESTAMP, :scope)"
                    ),
                    {"name": scope, "hash": f"{n:064d}", "scope": scope},
                )
        upgrade(directory=MIGRATIONS_DIR)
        with db.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT name, scope FROM api_tokens ORDER BY name"))
            assert rows.all() == [("clearance", "clearance:read"), ("scim", "scim")]
        db.engine.dispose()
