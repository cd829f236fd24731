"""The evidence pack for the whole company (every certification), built as the period
job builds it, against the attempts CSV export of the same data (a baseline measured in
the same run). Each run happens in a fresh process, so its peak memory growth can be
read from the kernel: the pack must stay flat however many people there are.

Registered in :data:`bench.runner.BENCHMARKS` with ``needs_server=False``.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

from bench.server import PROJECT

#: Memory the pack may grow by while it is built at any size.
PACK_TARGET_MB = 200.0

_SCRIPT = r"""
import json, os, sys, time
sys.path.insert(0, os.getcwd())
from bench import hr

kind, url = sys.argv[1:3]
app = hr.production_app(url)


class Sink:
    # A ZIP sink that keeps nothing and cannot seek, like the job's chunk writer.
    size = 0

    def write(self, data):
        self.size += len(data)
        return len(data)

    def flush(self):
        return None  # nothing buffered: the sink only counts the bytes


def pack():
    from lms.models import utcnow
    from lms.queries import evidence

    sink = Sink()
    with app.app_context():
        manifest = evidence.build(
            evidence.Selection("period"), sink, generated_by=None, now=utcnow(),
            certificates=False,
        )
    return manifest["counts"]["certifications"], sink.size


def attempts_csv():
    client = hr.hr_client(app)
    response = client.get("/hr/export/attempts.csv", buffered=False)
    if response.status_code != 200:
        raise SystemExit(f"export answered {response.status_code}")
    size = lines = 0
    for chunk in response.response:
        chunk = chunk if isinstance(chunk, bytes) else chunk.encode()
        lines += chunk.count(b"\n")
        size += len(chunk)
    response.close()
    return lines - 1, size


hr.reset_peak_rss()
before = hr.rss_mb()
wall, cpu = time.perf_counter(), time.process_time()
rows, size = pack() if kind == "pack" else attempts_csv()
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
print(json.dumps({"seconds": wall, "cpu_s": cpu, "rows": rows, "bytes": size,
                  "growth_mb": max(0.0, hr.peak_rss_mb() - before)}))
"""


def _run(kind: str, ctx) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT, kind, ctx.url],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if out.returncode != 0:
        raise RuntimeError(f"evidence pack bench ({kind}) failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_evidence_pack(ctx) -> None:
    """The whole company's evidence pack: time against the attempts CSV, memory growth
    against an absolute target."""
    from bench.runner import Figure

    runs = 1 if ctx.quick else 2
    base, pack = [], []
    for _ in range(runs):  # interleaved, each in a fresh process
        base.append(_run("baseline", ctx))
        pack.append(_run("pack", ctx))
    seconds = statistics.median(r["seconds"] for r in pack)
    base_s = statistics.median(r["seconds"] for r in base)
    growth = max(r["growth_mb"] for r in pack)
    detail = {
        "certifications": pack[0]["rows"],
        "attempt_rows": base[0]["rows"],
        "zip_mb": round(pack[0]["bytes"] / 2**20, 1),
        "runs_s": [round(r["seconds"], 2) for r in pack],
        "cpu_s": [round(r["cpu_s"], 2) for r in pack],
        "baseline_cpu_s": [round(r["cpu_s"], 2) for r in base],
        "baseline_runs_s": [round(r["seconds"], 2) for r in base],
    }
    ctx.add(
        Figure(
            ctx.db,
            "evidence pack, whole company",
            round(seconds, 2),
            "s",
            "attempts CSV export",
            round(base_s, 2),
            detail=detail,
        )
    )
    ctx.add(
        Figure(
            ctx.db,
            "evidence pack memory growth",
            round(growth, 1),
            "MB",
            target=f"<= {PACK_TARGET_MB:g} MB",
            passed=growth <= PACK_TARGET_MB,
            detail={**detail, "runs_mb": [round(r["growth_mb"], 1) for r in pack]},
        )
    )
