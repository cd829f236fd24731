"""The privacy migration scrubs personal data from the audit rows and outbox payloads
written before it, on both databases, and leaves the audit trail append-only."""

import json
import uuid

import pytest
import sqlalchemy as sa

from lms import MIGRATIONS_DIR
from lms.extensions import db
from tests.helpers import build_app

BEFORE_PRIVACY = "api_0001"


@pytest.fixture
def migrated_url(database_url):
    """An empty database for migrations: a new SQLite file, or a new PostgreSQL schema."""
    if database_url.startswith("sqlite"):
        yield database_url
        return
    schema = f"migrations_test_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    url = sa.make_url(database_url).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with engine.connect() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    engine.dispose()


AUDIT = [
    ("user.created", None, {"email": "ana@example.com", "roles": ["hr"]}),
    ("user.updated", {"name": "Ana", "department": "Sales"}, {"name": "Anna", "department": "HR"}),
    (
        "auth.sign_in_failed",
        None,
        {"identifier": "ana@example.com", "account_exists": True, "client": "192.0.2.9"},
    ),
    ("sign_in.sso", None, {"claim": "email", "value": "ana@example.com"}),
    ("certification.attested", None, {"typed_name": "Ana A", "ip_address": "192.0.2.9"}),
    ("api_token.created", None, {"token_id": 1, "name": "HRIS", "scope": "scim"}),
    ("company.setting_changed", None, {"key": "company_name", "value": "Acme"}),
]


def test_the_upgrade_scrubs_old_rows_and_keeps_the_trail_append_only(migrated_url):
    from flask_migrate import upgrade

    app = build_app(migrated_url)
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision=BEFORE_PRIVACY)
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO users (id, employee_id, email, name, active, roster_managed, "
                    "created_at) VALUES (1, 'E1', 'ana@example.com', 'Ana', true, false, "
                    "CURRENT_TIMESTAMP)"
                )
            )
            for action, before, after in AUDIT:
                conn.execute(
                    sa.text(
                        "INSERT INTO audit_events (occurred_at, action, subject_user_id, "
                        "before, after) VALUES (CURRENT_TIMESTAMP, :action, 1, :before, :after)"
                    ),
                    {
                        "action": action,
                        "before": json.dumps(before) if before else None,
                        "after": json.dumps(after),
                    },
                )
            conn.execute(
                sa.text(
                    "INSERT INTO outbox_events (kind, occurred_at, user_id, payload) VALUES "
                    "('person.created', CURRENT_TIMESTAMP, 1, :payload)"
                ),
                {"payload": json.dumps({"employee_id": "E1", "email": "ana@example.com"})},
            )
        upgrade(directory=MIGRATIONS_DIR)
        with db.engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT action, before, after FROM audit_events ORDER BY id")
            ).all()
            payload = conn.execute(sa.text("SELECT payload FROM outbox_events")).scalar_one()
        trail = {action: (_json(before), _json(after)) for action, before, after in rows}
        assert trail["user.created"][1] == {"roles": ["hr"], "personal_data_removed": ["email"]}
        assert trail["user.updated"] == (
            {"department": "Sales", "personal_data_removed": ["name"]},
            {"department": "HR", "personal_data_removed": ["name"]},
        )
        assert trail["auth.sign_in_failed"][1] == {
            "account_exists": True,
            "personal_data_removed": ["client", "identifier"],
        }
        assert trail["sign_in.sso"][1] == {"claim": "email", "personal_data_removed": ["value"]}
        assert trail["api_token.created"][1] == {
            "token_id": 1,
            "token_name": "HRIS",
            "scope": "scim",
        }
        assert trail["company.setting_changed"][1] == {"key": "company_name", "value": "Acme"}
        text = json.dumps(list(trail.values())) + json.dumps(_json(payload))
        for needle in ("ana@example.com", "Ana", "Anna", "192.0.2.9", '"E1"'):
            assert needle not in text
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(sa.text("UPDATE audit_events SET action = 'x'"))
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(sa.text("DELETE FROM audit_events"))
        db.engine.dispose()


def _json(value):
    return json.loads(value) if isinstance(value, str) else value
