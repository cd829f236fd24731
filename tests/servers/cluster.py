"""The production layout on one machine, for tests: gunicorn servers behind haproxy, on
one PostgreSQL database and one Redis, as the README's "Production" section describes.

Every part is a plain process bound to 127.0.0.1 on a free port, started with its own
process group and stopped by its PID (gunicorn's master and its workers together). The
servers share one environment: the database URL, ``LMS_REDIS_URL``, the secret key and the
trusted proxy hop (haproxy). Commands (`flask db upgrade`, `flask lms …`) run with the same
environment, as on a deploy machine.

Workers: :data:`WORKER_COMMAND` is the one place to name the job queue's worker; the
cluster then starts ``workers`` of them beside the servers, with the servers' environment,
and stops them with everything else.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from html import unescape
from pathlib import Path

import requests

from tests.helpers import TEST_CONTENT
from tests.helpers import free_port

PROJECT = Path(__file__).parents[2]
BIN = Path(sys.executable).parent
#: Debian's haproxy (/usr/sbin may be missing from a user's PATH).
HAPROXY = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin")
#: The job queue's worker process, started ``Cluster.workers`` times (on Redis, as the
#: servers' queue is: ``LMS_REDIS_URL``).
WORKER_COMMAND: tuple[str, ...] = (str(BIN / "flask"), "lms", "worker", "--workers", "2")
#: How long a process may take to start on a busy 2-core machine (a wait, not a measurement).
START_SECONDS = 120
#: haproxy asks each server's /healthz this often; two failures take a server out.
CHECK_INTERVAL_MS = 300


def haproxy_config(port: int, stats_port: int, servers: dict[str, int]) -> str:
    """The README's haproxy example, on loopback and plain HTTP (the README's binds 443
    with a certificate and says https), with a stats listener the tests read."""
    lines = "\n".join(f"    server {name} 127.0.0.1:{p} check" for name, p in servers.items())
    return f"""\
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    retries 2
    option redispatch

frontend lms
    bind 127.0.0.1:{port}
    option forwardfor
    http-request set-header X-Forwarded-Proto http
    default_backend lms_servers

backend lms_servers
    balance roundrobin
    option httpchk GET /healthz
    http-check expect status 200
    default-server inter {CHECK_INTERVAL_MS}ms fall 2 rise 2
    http-response set-header X-Served-By %[srv_name]
{lines}

listen stats
    bind 127.0.0.1:{stats_port}
    stats enable
    stats uri /
"""


@dataclass
class Process:
    """One started process (and its children), with its log file."""

    name: str
    popen: subprocess.Popen
    log: Path

    @classmethod
    def start(cls, name: str, command: list[str], env: dict[str, str], logs: Path) -> Process:
        log = logs / f"{name}.log"
        with log.open("w") as out:
            popen = subprocess.Popen(
                command,
                cwd=PROJECT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped with its children
            )
        return cls(name, popen, log)

    def running(self) -> bool:
        return self.popen.poll() is None

    def stop(self) -> None:
        """SIGTERM to the group (gunicorn finishes the requests in flight), then SIGKILL."""
        if not self.running():
            return
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def wait_for(what: str, check: Callable[[], bool], process: Process | None = None) -> None:
    """Wait until ``check()`` holds (a start-up wait, not a timed assertion)."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process is not None and not process.running():
            raise RuntimeError(f"{process.name} exited while waiting for {what}:\n{process.tail()}")
        try:
            if check():
                return
        except requests.RequestException:
            pass  # not listening yet
        time.sleep(0.2)
    tail = f":\n{process.tail()}" if process else ""
    raise RuntimeError(f"gave up waiting for {what}{tail}")


@dataclass
class Cluster:
    """Servers named "a", "b", … behind one haproxy; see the module docstring."""

    tmp: Path
    database_url: str
    redis_url: str
    settings: dict[str, str] = field(default_factory=dict)  # more LMS_* settings
    servers: int = 2
    workers: int = 0
    processes: dict[str, Process] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LMS_", "FLASK_"))}
        env.update(
            FLASK_APP="wsgi",
            PYTHONUNBUFFERED="1",
            LMS_ENV="production",
            LMS_SECRET_KEY="cluster-test-" + "k" * 40,  # one key: every server reads the cookies
            DATABASE_URL=self.database_url,
            LMS_REDIS_URL=self.redis_url,
            LMS_PROXY_FIX_X_FOR="1",  # haproxy is the one trusted hop
            LMS_PROXY_FIX_X_PROTO="1",
            LMS_CONTENT_ROOT=str(TEST_CONTENT),
        )
        env.update(self.settings)
        return env

    # -- Commands, as on a deploy machine ------------------------------------------------

    def flask(self, *args: str) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [str(BIN / "flask"), *args],
            cwd=PROJECT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, f"flask {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done

    def flask_at_once(self, count: int, *args: str) -> list[str]:
        """The same command started ``count`` times at once (cron on every server);
        returns their outputs."""
        runs = [
            subprocess.Popen(
                [str(BIN / "flask"), *args],
                cwd=PROJECT,
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for _ in range(count)
        ]
        outputs = [run.communicate(timeout=300)[0] for run in runs]
        for run, output in zip(runs, outputs, strict=True):
            assert run.returncode == 0, f"flask {' '.join(args)}:\n{output}"
        return outputs

    def deploy(self) -> None:
        """The README's deploy order, on the empty database."""
        self.flask("db", "upgrade")
        self.flask("lms", "content", "sync")

    # -- Processes -----------------------------------------------------------------------

    def start(self) -> None:
        for name in "abcdefgh"[: self.servers]:
            self.start_server(name)
        for n in range(self.workers):
            self._spawn(f"worker-{n}", list(WORKER_COMMAND))
        for name in self.server_names:
            wait_for(f"server {name}", lambda n=name: self.healthy(n), self.processes[name])
        self.start_balancer()

    @property
    def server_names(self) -> list[str]:
        return [name for name in self.ports if name not in ("balancer", "stats")]

    def start_server(self, name: str) -> None:
        port = self.ports.setdefault(name, free_port())
        gunicorn = [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"]
        # Several masters on one machine would share gunicorn's default control socket.
        gunicorn.append("--no-control-socket")
        self._spawn(name, gunicorn)

    def start_balancer(self) -> None:
        self.ports["balancer"], self.ports["stats"] = free_port(), free_port()
        servers = {name: self.ports[name] for name in self.server_names}
        config = self.tmp / "haproxy.cfg"
        config.write_text(haproxy_config(self.ports["balancer"], self.ports["stats"], servers))
        assert HAPROXY, "haproxy is not installed"
        self._spawn("balancer", [HAPROXY, "-db", "-f", str(config)])
        wait_for(
            "haproxy to see every server up",
            lambda: set(self.balancer_view().values()) == {"UP"},
            self.processes["balancer"],
        )

    def _spawn(self, name: str, command: list[str]) -> None:
        self.processes[name] = Process.start(name, command, self.env, self.tmp)

    def stop(self, name: str | None = None) -> None:
        """Stop one process, or everything (the balancer first, then servers, workers)."""
        names = [name] if name else ["balancer", *reversed(self.processes)]
        for each in dict.fromkeys(names):
            if each in self.processes:
                self.processes[each].stop()

    # -- Addresses and what the balancer sees --------------------------------------------

    def url(self, name: str) -> str:
        """``url("balancer")``, or one server's own address (``url("a")``)."""
        return f"http://127.0.0.1:{self.ports[name]}"

    def healthy(self, name: str) -> bool:
        return requests.get(self.url(name) + "/healthz", timeout=5).status_code == 200

    def balancer_view(self) -> dict[str, str]:
        """Each server's state in haproxy ("UP", "DOWN", …), from its stats CSV."""
        text = requests.get(self.url("stats") + "/;csv", timeout=5).text.lstrip("# ")
        return {
            row["svname"]: row["status"].split()[0]
            for row in csv.DictReader(io.StringIO(text))
            if row["pxname"] == "lms_servers" and row["svname"] not in ("FRONTEND", "BACKEND")
        }


class Browser:
    """One person's cookies, sent to whichever address the test names: the balancer, or one
    server directly. Production cookies are Secure; like a browser behind a TLS proxy, we
    send them back over the loopback's plain HTTP."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def request(self, method: str, url: str, **kwargs) -> requests.Response:
        response = requests.request(
            method, url, cookies=self.cookies, allow_redirects=False, timeout=60, **kwargs
        )
        self.cookies.update(response.cookies.get_dict())
        return response

    def get(self, url: str, **kwargs) -> requests.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, data: dict, **kwargs) -> requests.Response:
        return self.request("POST", url, data=data, **kwargs)

    def form(self, url: str) -> dict[str, str]:
        """The hidden fields and the textarea of the page's form (CSRF token included)."""
        page = self.get(url)
        assert page.status_code == 200, f"GET {url}: {page.status_code}"
        html = page.text
        fields = {}
        for tag in re.findall(r"<input\b[^>]*>", html):
            attributes = dict(re.findall(r'([\w-]+)="([^"]*)"', tag))
            if attributes.get("type") == "hidden" and "name" in attributes:
                fields[attributes["name"]] = unescape(attributes.get("value", ""))
        textareas = re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S)
        for name, text in textareas:
            fields[name] = unescape(text).removeprefix("\r\n")  # WTForms' leading newline
        return fields
