"""Writing the file a job produces into ``job_files``, a chunk at a time.

Steps only: the chunks land in the job's own transaction, committed (or rolled back)
with the rest of its work.
"""

import hashlib

import sqlalchemy as sa

from lms.extensions import db
from lms.models import JobFile

#: Bytes per stored chunk: big enough for few rows, small enough to hold one in memory.
CHUNK = 1024 * 1024


class ChunkWriter:
    """A binary file-like sink (``write``/``flush``/``close``) that stores what is written
    as numbered chunks of job ``job_id``'s file. ``zipfile`` writes into it directly; it
    never needs to seek. Memory holds one chunk at most."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.buffer = bytearray()
        self.seq = 0
        self.size = 0
        self.sha256 = hashlib.sha256()

    def write(self, data) -> int:
        self.buffer += data
        self.size += len(data)
        self.sha256.update(data)
        while len(self.buffer) >= CHUNK:
            self._store(bytes(self.buffer[:CHUNK]))
            del self.buffer[:CHUNK]
        return len(data)

    def flush(self) -> None:
        """Kept for the file protocol; a partial chunk waits for :meth:`close`."""

    def close(self) -> None:
        if self.buffer:
            self._store(bytes(self.buffer))
            self.buffer.clear()

    def _store(self, data: bytes) -> None:
        # Core insert: no ORM object stays in the session for each megabyte.
        row = {"job_id": self.job_id, "seq": self.seq, "data": data}
        db.session.execute(sa.insert(JobFile), [row])
        self.seq += 1


def discard(job_id: int) -> None:
    """Step: delete what an earlier attempt of the job stored (a retried job starts over)."""
    db.session.execute(sa.delete(JobFile).where(JobFile.job_id == job_id))
