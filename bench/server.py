"""The app under test: gunicorn exactly as the README's production section runs it.

``python -m gunicorn -w 2 -b 127.0.0.1:<free port> bench.wsgi:app`` with ``LMS_ENV=production``,
a secret key and ``DATABASE_URL``, serving :mod:`bench.wsgi` (the app plus the baseline
endpoints).
Loopback only; stopped by its process id.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

PROJECT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def production_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update(
        {
            "LMS_ENV": "production",
            "LMS_SECRET_KEY": secrets.token_hex(32),
            "DATABASE_URL": database_url,
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


class Server:
    def __init__(self, database_url: str, workers: int = 2, log_path: Path | None = None):
        self.database_url = database_url
        self.workers = workers
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None
        self._log = None

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self, timeout: float = 60) -> float:
        """Start gunicorn and wait until both workers answer; returns the seconds taken."""
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(self.workers),
            "-b",
            f"127.0.0.1:{self.port}",
            "bench.wsgi:app",
        ]
        self._log = open(self.log_path, "w") if self.log_path else subprocess.DEVNULL
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            cmd,
            cwd=PROJECT,
            env=production_env(self.database_url),
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = started + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited with {self.proc.returncode}; see {self.log_path}"
                )
            with contextlib.suppress(OSError):  # not listening yet
                if self.get("/_bench/ok")[0] == 200:
                    break
            time.sleep(0.1)
        else:
            self.stop()
            raise RuntimeError(f"gunicorn did not answer within {timeout} s")
        # Give the second worker the same chance to finish create_app before measuring.
        for _ in range(20):
            self.get("/_bench/ok")
        return time.perf_counter() - started

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # gunicorn's graceful shutdown
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        if self._log not in (None, subprocess.DEVNULL):
            self._log.close()
        self.proc = None

    def pids(self) -> list[int]:
        """gunicorn's master and its workers."""
        if not self.proc:
            return []
        return [self.proc.pid, *children_of(self.proc.pid)]

    # --- plain HTTP helpers -------------------------------------------------------------

    def get(self, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
        return self.request("GET", path, headers=headers)

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, dict, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            data = response.read()
            return response.status, response, data
        finally:
            conn.close()

    def sign_in(self, email: str, password: str) -> str:
        """Post the login form with its CSRF token; returns the ``Cookie`` header value.

        Production marks the session cookie Secure; over plain HTTP on loopback we simply
        send it back as a header, as a browser behind a TLS proxy would.
        """
        status, response, body = self.get("/login")
        if status != 200:
            raise RuntimeError(f"GET /login answered {status}")
        cookies = _cookies(response)
        match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', body) or re.search(
            rb'value="([^"]+)"[^>]*name="csrf_token"', body
        )
        if not match:
            raise RuntimeError("no CSRF token on the login page")
        form = urlencode(
            {"csrf_token": match.group(1).decode(), "email": email, "password": password}
        ).encode()
        status, response, _ = self.request(
            "POST",
            "/login",
            body=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": _cookie_header(cookies),
            },
        )
        cookies.update(_cookies(response))
        if status != 302 or "session" not in cookies:
            raise RuntimeError(f"signing in as {email} failed: {status}")
        return _cookie_header(cookies)


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def database_backends(connection, *, including_own: bool) -> list[int]:
    """The PostgreSQL backends connected to ``connection``'s database, whose CPU time is
    the database's share of a measurement; this connection's own, or not."""
    import sqlalchemy as sa

    own = "" if including_own else "AND pid <> pg_backend_pid() "
    return list(
        connection.scalars(
            sa.text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                f"{own}AND backend_type = 'client backend'"
            )
        )
    )


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time of ``pids`` so far (Linux /proc; 0 where unreadable)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def _cookies(response) -> dict[str, str]:
    found = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        found[name.strip()] = rest.split(";", 1)[0]
    return found


def _cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())
