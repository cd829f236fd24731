"""Reading the jobs table: one job, and the recent ones of the kinds a person may see."""

import sqlalchemy as sa

from lms.extensions import db
from lms.models import Job

RECENT = 50


def get(job_id: int) -> Job | None:
    return db.session.get(Job, job_id, populate_existing=True)


def recent(kinds: set[str] | None, limit: int = RECENT) -> list[Job]:
    """The latest ``limit`` jobs, newest first; ``kinds`` None means every kind."""
    query = sa.select(Job).order_by(Job.id.desc()).limit(limit)
    if kinds is not None:
        query = query.where(Job.kind.in_(sorted(kinds)))
    return list(db.session.scalars(query))


def running_kinds() -> set[str]:
    """The kinds of the jobs running now."""
    return set(db.session.scalars(sa.select(Job.kind).where(Job.status == "running").distinct()))
