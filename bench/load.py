"""Load generation from a second process on 127.0.0.1: wrk, else a Python fallback.

Both take a list of requests (path plus headers), keep connections alive, and return the
same summary: requests/s, latency percentiles (ms) and error counts.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

LUA = Path(__file__).resolve().parent / "requests.lua"
INSTALL_HINT = (
    "wrk is not installed: `apt-get install -y wrk` (Debian) gives the preferred load generator"
)


@dataclass
class Request:
    path: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class LoadResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    p999_ms: float
    max_ms: float
    errors: dict[str, int]
    tool: str
    #: Server CPU per request (ms): the gunicorn processes, and PostgreSQL's backends for
    #: this database when they can be read. Much less disturbed than requests/s when other
    #: work shares the machine.
    app_cpu_ms: float | None = None
    db_cpu_ms: float | None = None
    loadavg_before: float | None = None

    @property
    def cpu_ms(self) -> float | None:
        if self.app_cpu_ms is None:
            return None
        return self.app_cpu_ms + (self.db_cpu_ms or 0.0)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def as_dict(self) -> dict:
        return {
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "rps": round(self.rps, 1),
            "p50_ms": self.p50_ms,
            "p90_ms": self.p90_ms,
            "p99_ms": self.p99_ms,
            "p99.9_ms": self.p999_ms,
            "max_ms": self.max_ms,
            "errors": self.errors,
            "tool": self.tool,
            "server_cpu_ms_per_request": _r(self.cpu_ms),
            "app_cpu_ms_per_request": _r(self.app_cpu_ms),
            "db_cpu_ms_per_request": _r(self.db_cpu_ms),
            "loadavg_1min_before": self.loadavg_before,
        }


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def wrk_path() -> str | None:
    return shutil.which("wrk")


def wrk_version() -> str | None:
    exe = wrk_path()
    if not exe:
        return None
    out = subprocess.run([exe, "-v"], capture_output=True, text=True, timeout=10)
    text = out.stdout or out.stderr
    return text.splitlines()[0].strip() if text else "wrk"


def run_load(
    base_url: str,
    requests: list[Request],
    *,
    seconds: float,
    connections: int = 16,
    threads: int = 2,
    tool: str = "wrk",
) -> LoadResult:
    if tool == "wrk":
        return _run_wrk(base_url, requests, seconds, connections, threads)
    return _run_python(base_url, requests, seconds, connections, threads)


def _run_wrk(base_url, requests, seconds, connections, threads) -> LoadResult:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", prefix="bench-paths-", delete=False) as f:
        for r in requests:
            f.write("\t".join([r.path, *(f"{k}: {v}" for k, v in r.headers.items())]) + "\n")
        paths = f.name
    try:
        cmd = [
            wrk_path(),
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds:g}s",
            "--timeout",
            "5s",
            "-s",
            str(LUA),
            base_url,
            "--",
            paths,
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    finally:
        Path(paths).unlink(missing_ok=True)
    line = next((x for x in out.stdout.splitlines() if x.startswith("WRKJSON ")), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({out.returncode}): {out.stderr.strip() or out.stdout}")
    data = json.loads(line.removeprefix("WRKJSON "))
    secs = data["duration_us"] / 1e6
    lat = data["latency_us"]
    return LoadResult(
        requests=data["requests"],
        seconds=secs,
        rps=data["requests"] / secs,
        p50_ms=lat["p50"] / 1000,
        p90_ms=lat["p90"] / 1000,
        p99_ms=lat["p99"] / 1000,
        p999_ms=lat["p99.9"] / 1000,
        max_ms=lat["max"] / 1000,
        errors=data["errors"],
        tool="wrk",
    )


# --- the Python fallback --------------------------------------------------------------
# Two processes (one per wrk thread), each with connections/threads client threads on
# http.client keep-alive connections. Python's GIL makes one process a poor client, and it
# shares the 2 cores with the server just as wrk does, so its numbers are lower bounds.


def _client_thread(host, port, requests, offset, deadline, latencies, errors):
    conn = http.client.HTTPConnection(host, port, timeout=5)
    i = offset
    n = len(requests)
    while time.perf_counter() < deadline:
        path, headers = requests[i % n]
        i += 1
        start = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status >= 400:
                errors["status"] += 1
        except (OSError, http.client.HTTPException):
            errors["read"] += 1
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=5)
            continue
        latencies.append(time.perf_counter() - start)
    conn.close()


def _client_process(args):
    host, port, requests, n_threads, first_offset, seconds = args
    latencies: list[float] = []
    errors = {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0}
    deadline = time.perf_counter() + seconds
    workers = [
        threading.Thread(
            target=_client_thread,
            args=(
                host,
                port,
                requests,
                first_offset + k * max(1, len(requests) // (2 * n_threads)),
                deadline,
                latencies,
                errors,
            ),
        )
        for k in range(n_threads)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return latencies, errors


def _run_python(base_url, requests, seconds, connections, threads) -> LoadResult:
    from urllib.parse import urlsplit

    url = urlsplit(base_url)
    plain = [(r.path, r.headers) for r in requests]
    per_process = max(1, connections // threads)
    jobs = [
        (url.hostname, url.port, plain, per_process, p * len(plain) // threads, seconds)
        for p in range(threads)
    ]
    with multiprocessing.get_context("spawn").Pool(threads) as pool:
        results = pool.map(_client_process, jobs)
    latencies = sorted(x for lat, _ in results for x in lat)
    errors = {k: sum(e[k] for _, e in results) for k in results[0][1]}

    def pct(p):
        return (
            round(1000 * latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))], 3)
            if latencies
            else 0.0
        )

    return LoadResult(
        requests=len(latencies),
        seconds=seconds,
        rps=len(latencies) / seconds,
        p50_ms=pct(50),
        p90_ms=pct(90),
        p99_ms=pct(99),
        p999_ms=pct(99.9),
        max_ms=round(1000 * latencies[-1], 3) if latencies else 0.0,
        errors=errors,
        tool="python (http.client, keep-alive)",
    )
