"""Seat time: how long a learner spent on each module of an enrolment, as evidence
(the evidence pack) and as one CSV column (the attempts export)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from lms.extensions import db
from lms.models import ModuleProgress


@dataclass(frozen=True)
class Reading:
    """One module's reading within an enrolment."""

    module_id: str
    lang: str
    course_version_id: int
    seconds: int
    started_at: datetime
    completed_at: datetime | None


def by_enrollment(enrollment_ids: Iterable[int]) -> dict[int, list[Reading]]:
    """The readings of each of these enrolments (one query for the lot)."""
    ids = sorted(set(enrollment_ids))
    found: dict[int, list[Reading]] = {}
    if not ids:
        return found
    rows = db.session.execute(
        sa.select(
            ModuleProgress.enrollment_id,
            ModuleProgress.module_id,
            ModuleProgress.lang,
            ModuleProgress.course_version_id,
            ModuleProgress.seconds_spent,
            ModuleProgress.started_at,
            ModuleProgress.completed_at,
        )
        .where(ModuleProgress.enrollment_id.in_(ids))
        .order_by(ModuleProgress.enrollment_id, ModuleProgress.started_at, ModuleProgress.id)
    )
    for enrollment_id, module_id, lang, version_id, seconds, started, completed in rows:
        reading = Reading(module_id, lang, version_id, seconds, started, completed)
        found.setdefault(enrollment_id, []).append(reading)
    return found


def duration(seconds: int) -> str:
    """``4m12s``, ``1h02m05s``, ``12s``: short, unambiguous in every language."""
    hours, rest = divmod(max(int(seconds), 0), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def ordered(readings: list[Reading], order: list[str]) -> list[Reading]:
    """``readings`` in the course's module order (modules it no longer lists last)."""
    place = {module_id: i for i, module_id in enumerate(order)}
    return sorted(readings, key=lambda r: (place.get(r.module_id, len(place)), r.module_id))


def per_module(readings: list[Reading], order: list[str]) -> str:
    """``say-who-you-are=4m12s;keep-secrets=0s``, in the course's module order."""
    return ";".join(f"{r.module_id}={duration(r.seconds)}" for r in ordered(readings, order))
