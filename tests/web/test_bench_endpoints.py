"""The benchmark's baseline endpoints exist only when BENCH_ENDPOINTS is on."""

from contextlib import contextmanager

import pytest

from lms.extensions import db
from tests.helpers import build_app


@contextmanager
def bench_app(database_url, **config):
    app = build_app(database_url, **config)
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def test_absent_by_default(client, employee):
    assert client.get("/_bench/ok").status_code == 404
    assert client.get(f"/_bench/lookup/{employee.id}").status_code == 404


def test_env_flag_turns_them_on(monkeypatch, database_url):
    monkeypatch.setenv("LMS_BENCH_ENDPOINTS", "true")
    with bench_app(database_url) as app:
        assert app.config["BENCH_ENDPOINTS"] is True
        assert "bench.ok" in app.view_functions


def test_env_flag_false_keeps_them_off(monkeypatch, database_url):
    monkeypatch.setenv("LMS_BENCH_ENDPOINTS", "false")
    with bench_app(database_url) as app:
        assert "bench.ok" not in app.view_functions


@pytest.mark.fresh_database  # a second app reads the employee the fixture committed
def test_present_with_the_flag(app, database_url, employee):
    user_id, employee_id = employee.id, employee.employee_id  # read in the fixture's app
    with bench_app(database_url, BENCH_ENDPOINTS=True) as flagged:
        client = flagged.test_client()
        ok = client.get("/_bench/ok")
        assert ok.status_code == 200 and ok.get_data(as_text=True) == "ok"
        found = client.get(f"/_bench/lookup/{user_id}")
        assert found.status_code == 200 and found.get_data(as_text=True) == employee_id
        assert client.get("/_bench/lookup/999999").status_code == 404
