"""The benchmark's baseline endpoints are served by the benchmark's app only, never by
``lms``, whatever its configuration."""

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def test_the_app_has_no_benchmark_routes(client, employee):
    assert client.get("/_bench/ok").status_code == 404
    assert client.get(f"/_bench/lookup/{employee.id}").status_code == 404


def _routes_in(module: str, env: dict) -> str:
    """The URL rules of ``module``'s ``app``, built in a fresh process as a server would."""
    script = f"import {module} as m; print(sorted(r.rule for r in m.app.url_map.iter_rules()))"
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _production_env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    return env | {
        "LMS_ENV": "production",
        "LMS_SECRET_KEY": "x" * 32,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bench.db'}",
        "LMS_BENCH_ENDPOINTS": "true",
        "LMS_AUTO_MIGRATE": "false",
    }


def test_production_serves_none_even_when_asked(tmp_path):
    assert "/_bench" not in _routes_in("wsgi", _production_env(tmp_path))


def test_the_benchmark_app_serves_them(tmp_path):
    routes = _routes_in("bench.wsgi", _production_env(tmp_path))
    assert "/_bench/ok" in routes and "/_bench/lookup/<int:user_id>" in routes
