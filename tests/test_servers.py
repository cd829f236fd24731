"""Settings for several servers: the rate limit counts in Redis when ``LMS_REDIS_URL`` is
set (two processes count together; with Redis down each counts in its memory rather than
refuse sign-ins), and production without it says so in the log.

The whole production layout (gunicorn, haproxy, PostgreSQL, Redis) is walked in
tests/servers/.
"""

import logging
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis

from tests.helpers import build_app
from tests.helpers import free_port

REDIS_URL = "redis://127.0.0.1:6379/0"
PROJECT = Path(__file__).parents[1]

# One server process: the app as configured by the environment, three failed sign-ins.
FAILED_SIGN_INS = """
import sys
from lms import create_app
app = create_app({"RATELIMIT_ENABLED": True, "LOGIN_FAILURES_PER_CLIENT": "3 per minute",
                  "WTF_CSRF_ENABLED": False, "SQLALCHEMY_DATABASE_URI": sys.argv[1]})
client = app.test_client()
data = {"email": "nobody@example.com", "password": "wrong"}
print(" ".join(str(client.post("/login", data=data).status_code) for _ in range(int(sys.argv[2]))))
"""


@pytest.fixture
def redis_prefix():
    """A key prefix of this test's own in the shared Redis, deleted afterwards."""
    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        client.ping()
    except redis.RedisError:
        pytest.skip(f"no Redis answers at {REDIS_URL}")
    prefix = f"lms-test-{uuid.uuid4().hex[:8]}"
    yield prefix
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)
    client.close()


def server_process(
    database: str, attempts: int, prefix: str, redis_url: str = REDIS_URL
) -> list[int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update(LMS_REDIS_URL=redis_url, LMS_RATELIMIT_KEY_PREFIX=prefix)
    done = subprocess.run(
        [sys.executable, "-c", FAILED_SIGN_INS, database, str(attempts)],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return [int(code) for code in done.stdout.split()]


def test_with_a_redis_url_two_processes_count_sign_ins_together(tmp_path, redis_prefix):
    database = f"sqlite:///{tmp_path / 'lms.db'}"
    assert server_process(database, 2, redis_prefix) == [200, 200]
    assert server_process(database, 2, redis_prefix) == [200, 429]  # the same 3 per minute


def test_with_redis_down_the_limit_counts_in_memory_rather_than_fail(tmp_path):
    nobody_listens = f"redis://127.0.0.1:{free_port()}/0"
    database = f"sqlite:///{tmp_path / 'lms.db'}"
    assert server_process(database, 4, "unused", nobody_listens) == [200, 200, 200, 429]


def test_production_without_shared_storage_warns(caplog, tmp_path):
    with caplog.at_level(logging.WARNING, logger="lms.servers"):
        build_app(f"sqlite:///{tmp_path / 'lms.db'}", LMS_ENV="production")
    assert "LMS_REDIS_URL" in caplog.text
