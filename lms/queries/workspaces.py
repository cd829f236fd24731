"""What authors work on and look back at: a course's draft or current version, and its
history of published versions."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from lms.content.course_files import source_language
from lms.extensions import db
from lms.i18n import current_language
from lms.models import CourseDraft
from lms.models import CourseVersion
from lms.models import User
from lms.queries import catalog


@dataclass(frozen=True)
class Workspace:
    """What authors work on: the draft if there is one, else the published version."""

    course_id: str
    version: CourseVersion  # the current published version
    draft: CourseDraft | None
    files: dict[str, bytes]

    @property
    def stale(self) -> bool:
        """A newer version was published after the draft was started."""
        return self.draft is not None and self.draft.base_version_id != self.version.id

    @property
    def source_language(self) -> str:
        return source_language(self.course_id, self.files)

    @property
    def title(self) -> str:
        """The published title in the reader's language (else the source language's)."""
        return catalog.course_of(self.version).meta.title(current_language())


@dataclass(frozen=True)
class VersionInfo:
    version: CourseVersion
    kind: str  # first, minor or major
    publisher: str | None


def workspace(course_id: str) -> Workspace | None:
    """None when the course has never been published."""
    version = catalog.latest_version(course_id)
    if version is None:
        return None
    draft = db.session.get(CourseDraft, course_id)
    files = draft.file_map() if draft else catalog.version_files(version)
    return Workspace(course_id, version, draft, files)


def overview() -> list[Workspace]:
    """Every published course with its draft, if any."""
    drafts = {d.course_id: d for d in db.session.scalars(sa.select(CourseDraft))}
    return [
        Workspace(v.course_id, v, drafts.get(v.course_id), {}) for v in catalog.current_versions()
    ]


def find_version(course_id: str, label: str) -> CourseVersion | None:
    """The version numbered ``label`` ("1.2")."""
    major, _, minor = label.partition(".")
    if not (major.isdigit() and minor.isdigit()):
        return None
    return db.session.scalar(
        sa.select(CourseVersion).where(
            CourseVersion.course_id == course_id,
            CourseVersion.major == int(major),
            CourseVersion.minor == int(minor),
        )
    )


def history(course_id: str) -> list[VersionInfo]:
    """Every version, newest first, with whether it was a major or a minor step."""
    rows = db.session.execute(
        sa.select(CourseVersion, User.name)
        .outerjoin(User, User.id == CourseVersion.published_by_id)
        .where(CourseVersion.course_id == course_id)
        .order_by(CourseVersion.major, CourseVersion.minor)
    ).all()
    infos, previous = [], None
    for version, name in rows:
        kind = (
            "first" if previous is None else "major" if version.major > previous.major else "minor"
        )
        infos.append(VersionInfo(version, kind, name))
        previous = version
    return infos[::-1]


def previous_version(course_id: str, version: CourseVersion) -> CourseVersion | None:
    return db.session.scalar(
        sa.select(CourseVersion)
        .where(
            CourseVersion.course_id == course_id,
            sa.tuple_(CourseVersion.major, CourseVersion.minor)
            < sa.tuple_(version.major, version.minor),
        )
        .order_by(CourseVersion.major.desc(), CourseVersion.minor.desc())
        .limit(1)
    )
