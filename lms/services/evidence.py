"""Evidence packs as the audit trail sees them: every pack generated or downloaded is an
audit event (who exported whose evidence), and a period's pack is stored for its job.

The pack itself is read-side work (:mod:`lms.queries.evidence`); this module writes only
the audit events and the stored file.
"""

import hashlib
import tempfile
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from typing import IO

from lms.extensions import db
from lms.models import Job
from lms.models import User
from lms.queries import evidence
from lms.services import audit
from lms.services import job_files

#: Packs up to this size stay in memory while they are built; larger ones go to disk.
IN_MEMORY = 8 * 1024 * 1024


def period_selection(params: dict) -> evidence.Selection:
    """The selection a period pack job's ``params`` name: ``department`` (None: the whole
    company) and the first and last day (``from``, ``to``, inclusive)."""
    first = date.fromisoformat(params["from"])
    last = date.fromisoformat(params["to"])
    return evidence.Selection(
        "period",
        department=params.get("department"),
        issued_from=datetime.combine(first, time(), tzinfo=UTC),
        issued_before=datetime.combine(last + timedelta(days=1), time(), tzinfo=UTC),
    )


def export(
    selection: evidence.Selection,
    actor: User,
    subject: User | None,
    now: datetime,
    lang: str,
) -> IO[bytes]:
    """Operation: build the pack of one certification or one person, record who exported
    whose evidence (with the ZIP's SHA-256), commit; returns the ZIP, rewound."""
    out = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY)
    try:
        manifest = evidence.build(selection, out, generated_by=actor, now=now, lang=lang)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    digest = hashlib.sha256()
    while block := out.read(1024 * 1024):
        digest.update(block)
    out.seek(0)
    audit.record(
        "evidence.exported",
        actor=actor,
        subject=subject,
        after={
            **selection.as_json(),
            "sha256": digest.hexdigest(),
            "certifications": manifest["counts"]["certifications"],
        },
    )
    db.session.commit()
    return out


def generate(job: Job, now: datetime, progress) -> dict:
    """Operation: build a period's pack into the job's stored file (an earlier attempt's
    file is dropped first, so running it twice gives one file), record the audit event,
    and commit both with the job's work. Memory stays flat: rows are read in pages and
    the ZIP goes out a chunk at a time."""
    selection = period_selection(job.params)
    job_files.discard(job.id)
    sink = job_files.ChunkWriter(job.id)
    starter = job.started_by
    manifest = evidence.build(
        selection,
        sink,
        generated_by=starter,
        now=now,
        certificates=False,
        progress=progress,
        lang=(starter.preferred_language if starter else None) or "en",
    )
    sink.close()
    counts = manifest["counts"]
    result = {
        "file": _file_name(job.params),
        "bytes": sink.size,
        "sha256": sink.sha256.hexdigest(),
        **counts,
    }
    audit.record(
        "evidence.generated",
        actor=starter,
        after={**selection.as_json(), "job_id": job.id, **result},
    )
    db.session.commit()
    return result


def downloaded(job: Job, actor: User) -> None:
    """Operation: record that ``actor`` downloaded the period pack of ``job``; commit."""
    audit.record(
        "evidence.downloaded",
        actor=actor,
        after={"job_id": job.id, **(job.params or {}), "sha256": (job.result or {}).get("sha256")},
    )
    db.session.commit()


def _file_name(params: dict) -> str:
    department = params.get("department") or "company"
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in department)[:60]
    return f"evidence-{safe}-{params['from']}-{params['to']}.zip"
