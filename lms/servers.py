"""Running as several servers behind a load balancer: which proxy headers to trust, where
the rate limit counts, and the health check the balancer asks.

Nothing a second server needs lives in one process's memory: sessions are signed cookies
backed by ``user_sessions`` rows, published content is in the database (each process keeps
only version-keyed, immutable renderings), and the rate limit counts in Redis when
``LMS_REDIS_URL`` is set. The README's "Production" section shows the layout.
"""

import logging

import sqlalchemy as sa
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from lms.extensions import db

log = logging.getLogger(__name__)

#: ProxyFix's arguments, each the number of trusted hops for one header (config keys).
PROXY_HEADERS = ("x_for", "x_proto", "x_host", "x_port", "x_prefix")
MEMORY = "memory://"
REDIS_SCHEMES = ("redis://", "rediss://", "redis+unix://")
#: A health check must answer before the balancer gives up on it (seconds).
REDIS_TIMEOUT = 2


def configure(app: Flask) -> None:
    """Settle the rate limit's storage and wrap the app in ProxyFix when proxies are trusted."""
    config = app.config
    if not config["RATELIMIT_STORAGE_URI"]:
        config["RATELIMIT_STORAGE_URI"] = config["REDIS_URL"] or MEMORY
    if config["LMS_ENV"] == "production" and config["RATELIMIT_STORAGE_URI"] == MEMORY:
        log.warning(
            "the login rate limit counts in this process's memory: with several server "
            "processes each counts alone; set LMS_REDIS_URL=redis://… to share the counts"
        )
    hops = {name: int(config[f"PROXY_FIX_{name.upper()}"]) for name in PROXY_HEADERS}
    if any(hops.values()):
        # Only the hops configured are believed: a client's own X-Forwarded-For is not.
        app.wsgi_app = ProxyFix(app.wsgi_app, **hops)  # type: ignore[method-assign]


def redis_urls(app: Flask) -> list[str]:
    """The Redis servers this app depends on (the shared one, the rate limit's)."""
    urls = [app.config["REDIS_URL"], app.config["RATELIMIT_STORAGE_URI"]]
    return list(dict.fromkeys(u for u in urls if u and u.startswith(REDIS_SCHEMES)))


def health(app: Flask) -> tuple[dict[str, str], bool]:
    """What the load balancer asks: does the database answer, and Redis when configured?

    Returns the report and whether everything answered. The report names the part that
    failed, never a URL or an error text (they can hold host names and passwords); the
    log has the error.
    """
    report = {"database": _database(), "redis": _redis(_redis_clients(app))}
    healthy = all(value in ("ok", "not configured") for value in report.values())
    return {"status": "ok" if healthy else "unavailable", **report}, healthy


def _database() -> str:
    try:
        db.session.execute(sa.text("SELECT 1"))
        return "ok"
    except Exception as error:  # any failure means "do not send people here"
        log.warning("health check: the database does not answer: %r", error)
        _abandon_transaction()
        return "unavailable"


def _abandon_transaction() -> None:
    try:
        db.session.rollback()
    except Exception:  # the connection is gone: the session starts over on the next request
        db.session.remove()


def _redis_clients(app: Flask) -> list:
    """One client (a connection pool) per Redis URL and process, made on first use:
    reconnecting for every check cost ten times the check."""
    clients = app.extensions.get("lms_redis_health")
    if clients is None:
        import redis

        clients = app.extensions["lms_redis_health"] = [
            redis.Redis.from_url(
                url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT
            )
            for url in redis_urls(app)
        ]
    return clients


def _redis(clients: list) -> str:
    if not clients:
        return "not configured"
    for client in clients:
        try:
            client.ping()
        except Exception as error:
            log.warning("health check: Redis does not answer: %r", error)
            return "unavailable"
    return "ok"
