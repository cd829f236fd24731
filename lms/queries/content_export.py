"""Writing published versions (or drafts) back to ``courses/`` and ``quizzes/`` files.

Published bytes are stored with every version, so importing files and exporting them
again reproduces them byte for byte; content edited in the browser goes back into git.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from lms.content.files import read_tree
from lms.queries import catalog
from lms.queries import workspaces


@dataclass
class Exported:
    course_id: str
    label: str  # the version number, or "draft"
    files: int


@dataclass
class ExportReport:
    courses: list[Exported] = field(default_factory=list)
    #: Files already in the output folders that the export does not contain: left alone,
    #: but an import of that folder would read them too.
    stale: list[str] = field(default_factory=list)


def export(out: Path, course_id: str | None = None, drafts: bool = False) -> ExportReport:
    """Write every course (or ``course_id``) under ``out``: its draft when ``drafts`` and
    it has one, else its current published version. Raises LookupError for an unknown id."""
    ids = [v.course_id for v in catalog.current_versions()]
    if course_id is not None:
        if course_id not in ids:
            raise LookupError(course_id)
        ids = [course_id]
    report = ExportReport()
    for cid in ids:
        ws = workspaces.workspace(cid)
        assert ws is not None, "every id is of a published course"
        use_draft = drafts and ws.draft is not None
        files = ws.files if use_draft else catalog.version_files(ws.version)
        _write(out, files)
        report.courses.append(
            Exported(cid, "draft" if use_draft else ws.version.version, len(files))
        )
        report.stale += sorted(set(read_tree(out, cid)) - set(files))
    return report


def _write(out: Path, files: dict[str, bytes]) -> None:
    root = out.resolve()
    for path, data in files.items():
        target = (root / path).resolve()
        if not target.is_relative_to(root):  # stored paths are relative; never trust blindly
            raise ValueError(f"refusing to write outside {root}: {path}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
