"""Published course versions as learners, authors and reports read them.

Versions never change once published, so reading them is cheap to cache per process.
"""

import dataclasses
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from lms import content
from lms.content import company as content_company
from lms.content.files import read_tree
from lms.content.files import tree_hash
from lms.content.translation_status import accepted_after
from lms.extensions import db
from lms.models import AssignmentRule
from lms.models import CourseVersion
from lms.models import CourseVersionFile
from lms.queries import company
from lms.rules import clearance as rules

# Rendered courses by version. Versions never change once published, so every server may
# keep its own copy: nothing here needs to be shared. The hash is part of the key because
# ids are only unique within one database.
_course_cache: dict[tuple[int, str], content.Course] = {}


def latest_version(course_id: str) -> CourseVersion | None:
    return db.session.scalar(
        sa.select(CourseVersion)
        .where(CourseVersion.course_id == course_id)
        .order_by(CourseVersion.major.desc(), CourseVersion.minor.desc())
        .limit(1)
    )


def latest_from_files(course_id: str) -> CourseVersion | None:
    """The newest version that a sync of the files published (else the newest at all)."""
    return db.session.scalar(
        sa.select(CourseVersion)
        .where(CourseVersion.course_id == course_id, CourseVersion.origin == "files")
        .order_by(CourseVersion.major.desc(), CourseVersion.minor.desc())
        .limit(1)
    ) or latest_version(course_id)


def version_files(version: CourseVersion) -> dict[str, bytes]:
    """The files of ``version`` as published, byte for byte.

    Versions published before the bytes were kept give their normalised sources.
    """
    rows = db.session.execute(
        sa.select(CourseVersionFile.path, CourseVersionFile.data).where(
            CourseVersionFile.version_id == version.id
        )
    ).all()
    if rows:
        return {path: bytes(data) for path, data in rows}
    return {path: text.encode() for path, text in version.payload["sources"].items()}


def current_versions() -> list[CourseVersion]:
    """The current version of every course, by course id."""
    newest = (
        sa.select(CourseVersion.course_id, sa.func.max(CourseVersion.id).label("id"))
        .group_by(CourseVersion.course_id)
        .subquery()
    )
    # Version numbers only grow, so the newest row is the highest version.
    return list(
        db.session.scalars(
            sa.select(CourseVersion)
            .join(newest, CourseVersion.id == newest.c.id)
            .order_by(CourseVersion.course_id)
        )
    )


def course_of(version: CourseVersion) -> content.Course:
    """The course of ``version`` as learners read it: rendered, with the company settings
    filled in (lms.queries.company)."""
    return company.filled(stored_course(version), (version.id, version.content_hash))


def stored_course(version: CourseVersion) -> content.Course:
    """The rendered course stored with ``version``, rebuilt once per process: its
    ``{{company.KEY}}`` markers not filled in."""
    key = (version.id, version.content_hash)
    cached = _course_cache.get(key)
    if cached is None:
        cached = _course_cache[key] = content.Course.from_dict(version.payload)
    return cached


def course_by_id(
    version_id: int, content_hash: str, company_version: str | None = None
) -> content.Course:
    """:func:`course_of` the version with this id and hash: for pages that read the
    version's columns without the ORM (they are known to exist), and perhaps the company
    settings' version (lms.queries.company.version_column) with them."""
    key = (version_id, content_hash)
    cached = _course_cache.get(key)
    if cached is None:
        cached = stored_course(db.session.get_one(CourseVersion, version_id))
    return company.filled(cached, key, company_version)


def publish_kind(meta: content.CourseMeta, latest: CourseVersion | None) -> str:
    """How publishing a course declaring ``meta.version`` after ``latest`` counts: "first",
    "major" (a newer major number) or "minor" (anything else is numbered as one)."""
    if latest is None:
        return "first"
    return "major" if meta.major > latest.major else "minor"


def as_next_version(course: content.Course, kind: str | None = None) -> content.Course:
    """``course`` (built from files) as it would be served when published now as the next
    ``kind`` version (default: as its declared number counts): which translations it
    accepts (lms.content.translation_status.accepted_after)."""
    latest = latest_version(course.id)
    kind = publish_kind(course.meta, latest) if kind is None or latest is None else kind
    previous = stored_course(latest) if latest is not None else None
    return dataclasses.replace(course, accepted=accepted_after(course, previous, kind))


def required_courses() -> list[rules.RequiredCourse]:
    """Courses required for clearance, with their recertification deadlines and audience:
    those HR required of an audience (active requirements, :class:`AssignmentRule` with
    ``required``), and those whose current version's course file says ``required``
    (everyone, when no requirement narrows it)."""
    rows = db.session.execute(
        sa.select(
            CourseVersion.course_id,
            CourseVersion.major,
            CourseVersion.minor,
            CourseVersion.required,
            CourseVersion.recertify_by,
        ).order_by(CourseVersion.course_id, CourseVersion.major, CourseVersion.minor)
    ).all()
    latest: dict[str, tuple] = {}
    deadlines: dict[str, dict[int, datetime]] = {}
    for course_id, major, minor, required, recertify_by in rows:
        latest[course_id] = (major, minor, required)
        if recertify_by is not None:
            deadlines.setdefault(course_id, {}).setdefault(major, recertify_by)
    audiences = requirement_audiences()
    return [
        rules.RequiredCourse(cid, major, minor, deadlines.get(cid, {}), audiences.get(cid, ()))
        for cid, (major, minor, required) in latest.items()
        if required or cid in audiences
    ]


def requirement_audiences() -> dict[str, tuple[tuple[str, str | None], ...]]:
    """Per course with an active requirement: the scopes of its audience, in the order
    the requirements were made; :data:`rules.EVERYONE` when one of them covers everyone."""
    found: dict[str, list[tuple[str, str | None]]] = {}
    for course_id, kind, value in db.session.execute(
        sa.select(AssignmentRule.course_id, AssignmentRule.scope_kind, AssignmentRule.scope_value)
        .where(AssignmentRule.active, AssignmentRule.required)
        .order_by(AssignmentRule.id)
    ):
        found.setdefault(course_id, []).append((kind, value))
    return {
        cid: rules.EVERYONE if any(_everyone(*s) for s in scopes) else tuple(dict.fromkeys(scopes))
        for cid, scopes in found.items()
    }


def _everyone(kind: str, value: str | None) -> bool:
    return kind == "all" or (kind == "role" and value == "employee")


def course_ids_in(root: Path) -> list[str]:
    """The courses whose files are under ``root`` (its ``courses/`` folders), sorted."""
    courses = root / "courses"
    return sorted(p.name for p in courses.iterdir() if p.is_dir()) if courses.is_dir() else []


def is_published(course_id: str, files: dict[str, bytes]) -> bool:
    """Whether ``files`` are exactly the version last published from files (compared by a
    hash of their bytes, without parsing)."""
    published = latest_from_files(course_id)
    return published is not None and published.content_hash == tree_hash(files)


def unpublished_courses(root: Path) -> list[str]:
    """Courses whose files under ``root`` differ from the version last published from
    files (or were never published): what ``flask lms content sync`` would try to publish.
    Reads files and versions, writes nothing."""
    return [cid for cid in course_ids_in(root) if not is_published(cid, read_tree(root, cid))]


def company_keys_used() -> dict[str, list[tuple[str, int]]]:
    """The company settings the current versions' text uses, each with where (path, line),
    in the order of lms.content.company.SETTINGS."""
    found: dict[str, list[tuple[str, int]]] = {}
    for version in current_versions():
        for key, places in content_company.used_keys(stored_course(version).sources).items():
            found.setdefault(key, []).extend(places)
    return {s.key: found[s.key] for s in content_company.SETTINGS if s.key in found}
