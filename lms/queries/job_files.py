"""Reading the file a job produced (``job_files``), a chunk at a time."""

from collections.abc import Iterator

import sqlalchemy as sa

from lms.extensions import db
from lms.models import JobFile


def exists(job_id: int) -> bool:
    return (
        db.session.scalar(sa.select(JobFile.seq).where(JobFile.job_id == job_id).limit(1))
        is not None
    )


def chunks(job_id: int) -> Iterator[bytes]:
    """The file's bytes in order, one chunk read per step (memory holds one chunk)."""
    seqs = list(
        db.session.scalars(
            sa.select(JobFile.seq).where(JobFile.job_id == job_id).order_by(JobFile.seq)
        )
    )
    for seq in seqs:
        data = db.session.scalar(
            sa.select(JobFile.data).where(JobFile.job_id == job_id, JobFile.seq == seq)
        )
        if data is not None:
            yield bytes(data)
