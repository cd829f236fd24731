"""The file a job produced (an evidence pack), kept in the database in chunks."""

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.extensions import db


class JobFile(db.Model):
    """One chunk of the file a job wrote, in ``seq`` order.

    In the database rather than on a server's disk, so whichever app server answers
    ``/jobs/<id>/file`` can send it, whichever worker wrote it. Written in the job's own
    transaction: a job that fails leaves no half file behind.
    """

    __tablename__ = "job_files"

    job_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True
    )
    seq: so.Mapped[int] = so.mapped_column(primary_key=True, autoincrement=False)
    data: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)
