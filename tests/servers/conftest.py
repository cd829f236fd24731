"""Fixtures for the production layout: a new PostgreSQL database, Redis, haproxy, and a
real SMTP server; each test skips with the reason when a peer is missing."""

import os
import uuid

import pytest
import redis
import sqlalchemy as sa

from tests.helpers import smtp_server
from tests.servers.cluster import HAPROXY
from tests.servers.cluster import Cluster

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def cluster_database(request):
    """A new, empty PostgreSQL database of its own (the servers and commands connect from
    other processes), dropped afterwards."""
    if os.environ.get("LMS_TEST_SQLITE_ONLY"):
        pytest.skip("LMS_TEST_SQLITE_ONLY is set, and the production layout runs on PostgreSQL")
    try:
        session_url = request.getfixturevalue("postgres_url")
    except Exception as error:  # noqa: BLE001 - any failure to reach it means "skip"
        pytest.skip(f"no PostgreSQL server answers ({type(error).__name__})")
    admin = sa.create_engine(session_url, isolation_level="AUTOCOMMIT")
    name = f"lms_servers_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.make_url(session_url).set(database=name, query={})
    yield url.render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def redis_url():
    """The shared Redis; this test's rate-limit counts are deleted afterwards."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip(f"no Redis answers at {REDIS_URL}")
    prefix = f"lms-cluster-{uuid.uuid4().hex[:8]}"
    yield REDIS_URL, prefix
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)
    client.close()


@pytest.fixture
def inbox():
    with smtp_server() as inbox:
        yield inbox


@pytest.fixture
def cluster(tmp_path, cluster_database, redis_url, inbox):
    """Two gunicorn servers behind haproxy on the new database and Redis, deployed as the
    README says; everything stopped by its PID afterwards."""
    if HAPROXY is None:
        pytest.skip("haproxy is not installed (.ci/run installs it: apt-get install -y haproxy)")
    url, prefix = redis_url
    settings = {
        "LMS_RATELIMIT_KEY_PREFIX": prefix,
        "LMS_JOBS_QUEUE_NAME": prefix,  # this test's queue, its keys deleted afterwards
        # The walk sends its own reminders; nothing scheduled may mail the inbox meanwhile.
        "LMS_JOBS_INVITATIONS_SCHEDULE": "off",
        "LMS_JOBS_DAILY_SCHEDULE": "off",
        "LMS_JOBS_REMINDERS_SCHEDULE": "off",
        "LMS_LOGIN_FAILURES_PER_CLIENT": "6 per minute",
        "LMS_MAIL_SERVER": "127.0.0.1",
        "LMS_MAIL_PORT": str(inbox.port),
        "LMS_MAIL_SENDER": "lms@example.com",
        "LMS_BASE_URL": "https://lms.example.com",
    }
    cluster = Cluster(tmp_path, cluster_database, url, settings, workers=2)
    try:
        yield cluster
    finally:
        cluster.stop()
