"""Published course versions: publishing valid content and serving it.

The files are the source; the database holds every published version, frozen and
rendered. Learners are always served a published version, so content that fails
validation is never shown: the last good version stays current.
"""

import logging
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from lms import content
from lms.content import translation_status
from lms.content.files import read_tree
from lms.content.loader import build_course
from lms.extensions import db
from lms.models import Course
from lms.models import CourseVersion
from lms.models import CourseVersionFile
from lms.models import User
from lms.models import utcnow
from lms.models.types import iso
from lms.queries import catalog
from lms.services import audit
from lms.services import events

log = logging.getLogger(__name__)


@dataclass
class SyncReport:
    published: list[CourseVersion] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: dict[str, list[content.Problem]] = field(default_factory=dict)
    #: Major versions not published because translations lack the change (``force``).
    held: dict[str, list[translation_status.Behind]] = field(default_factory=dict)


def sync(root: Path, actor: User | None = None, *, force: bool = False) -> SyncReport:
    """Publish every course under ``root`` whose files changed and are valid.

    Files are compared (by a hash of their bytes, without parsing) with the last version
    published from files, so versions published in the browser since stay current until
    the files themselves change. A major version with out-of-date translations (their
    learners would read the source language) is held back unless ``force``.
    """
    report = SyncReport()
    for course_id in catalog.course_ids_in(root):
        files = read_tree(root, course_id)
        if catalog.is_published(course_id, files):
            report.unchanged.append(course_id)
            continue
        course, problems = build_course(course_id, files)
        errors = [p for p in problems if p.severity == "error"]
        if course is None or errors:
            report.rejected[course_id] = errors
            log.error(
                "not publishing %s: %d problem(s); the last good version stays",
                course_id,
                len(errors),
            )
            continue
        behind = _behind_in_major(course)
        if behind and not force:
            report.held[course_id] = behind
            log.warning(
                "not publishing %s: a major version with %d out-of-date translation(s)",
                course_id,
                len(behind),
            )
            continue
        version = publish(course, actor=actor, files=files)
        if version is not None:
            report.published.append(version)
    return report


def _behind_in_major(course: content.Course) -> list[translation_status.Behind]:
    """The translations a major version would serve in the source language; [] when
    ``course`` is not published as a major version."""
    if catalog.publish_kind(course.meta, catalog.latest_version(course.id)) != "major":
        return []
    return translation_status.behind(catalog.as_next_version(course, "major"))


def publish(
    course: content.Course,
    actor: User | None = None,
    *,
    files: dict[str, bytes] | None = None,
    origin: str = "files",
    grace_days: int | None = None,
) -> CourseVersion | None:
    """Freeze ``course`` as a new version, recompute everyone's clearance when a required
    course changed (set-based: seconds at 100,000 people, flat memory), and commit both
    at once.

    The declared version is used when it is newer than the latest; a changed course that
    kept its version number is published as the next MINOR version (a wording fix), since
    a policy change that forces recertification must be declared. ``files`` are the exact
    bytes the course was built from (kept for export); ``grace_days`` overrides the
    course's ``recertify_grace_days`` for a MAJOR version. Returns None when another
    server published the same content first.
    """
    from lms.services import clearance  # clearance reads versions: import late, no cycle

    now = utcnow()
    latest = catalog.latest_version(course.id)
    major, minor = _next_number(course.meta, latest)
    kind = catalog.publish_kind(course.meta, latest)
    # Which translations this version serves follows from the one before (same major).
    course = catalog.as_next_version(course, kind)
    behind = translation_status.behind(course)
    grace = course.meta.recertify_grace_days if grace_days is None else grace_days
    version = CourseVersion(
        course_id=course.id,
        major=major,
        minor=minor,
        content_hash=course.content_hash,
        required=course.meta.required,
        payload=course.to_dict(),
        published_at=now,
        published_by_id=actor.id if actor else None,
        origin=origin,
        recertify_by=_recertify_by(grace, latest, major, now),
    )
    if db.session.get(Course, course.id) is None:
        db.session.add(Course(id=course.id))
    db.session.add(version)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return None
    _keep_files(version, course, files)
    audit.record(
        "content.published",
        actor=actor,
        course_id=course.id,
        before={"version": latest.version} if latest else None,
        after={
            "version": version.version,
            "content_hash": course.content_hash,
            "required": course.meta.required,
            "kind": kind,
            "origin": origin,
            "grace_days": grace if kind == "major" else None,
            "recertify_by": iso(version.recertify_by),
            # Served in the source language: they lack a change (by language and item).
            "behind_translations": [b.to_dict() for b in behind],
        },
    )
    events.record(
        "content.published",
        course_id=course.id,
        at=now,
        payload={"version": version.version, "kind": kind, "required": course.meta.required},
    )
    if course.meta.required or (latest and latest.required):
        # In the same transaction as the version: nobody ever reads the new version with
        # the old answers, or the reverse (tests/author/test_publish_atomic.py).
        clearance.refresh_everyone(now)
    db.session.commit()
    return version


def _next_number(meta: content.CourseMeta, latest: CourseVersion | None) -> tuple[int, int]:
    declared = (meta.major, meta.minor)
    if latest is None or declared > (latest.major, latest.minor):
        return declared
    return latest.major, latest.minor + 1


def _keep_files(
    version: CourseVersion, course: content.Course, files: dict[str, bytes] | None
) -> None:
    if files is None:  # built without its bytes: the normalised text is all there is
        files = {path: text.encode() for path, text in course.sources.items()}
    db.session.add_all(
        CourseVersionFile(version_id=version.id, path=path, data=data)
        for path, data in files.items()
    )


def _recertify_by(grace_days: int, latest, major: int, now: datetime) -> datetime | None:
    if latest is None or major <= latest.major:
        return None
    return now + timedelta(days=grace_days)
