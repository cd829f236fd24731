"""Authoring in the browser: drafts, validation, publishing and rollback.

A course has at most one draft: its whole file set as exact bytes, started from the
current published version. Learners only ever read published versions, so nothing in a
draft reaches them until it is published. Publishing writes the new version number into
the draft's course.yml, so the files and the database agree, and freezes it through
:mod:`lms.services.content_store` (which writes the ``content.published`` audit event and
refreshes clearances for required courses).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

from babel import Locale
from babel import UnknownLocaleError
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from lms import content
from lms import services
from lms.content import translation_status
from lms.content.aiken import aiken_to_quiz
from lms.content.course_files import FileRef
from lms.content.course_files import course_yml_path
from lms.content.course_files import describe
from lms.content.course_files import encode_like
from lms.content.course_files import text_for_editing
from lms.content.course_files import translated_path
from lms.content.course_files import with_translation_of
from lms.content.course_files import with_version
from lms.content.course_files import without_translation_of
from lms.content.files import LOCALE
from lms.content.files import NotUtf8
from lms.content.files import decode_upload
from lms.content.files import revision_of
from lms.content.files import tree_hash
from lms.content.gift import ConversionResult
from lms.content.gift import gift_to_quiz
from lms.content.gift import parse_gift
from lms.content.loader import build_course
from lms.content.meta import parse_meta
from lms.content.modules import parse_module
from lms.content.quiz import parse_quiz
from lms.extensions import db
from lms.models import CourseDraft
from lms.models import CourseDraftFile
from lms.models import CourseVersion
from lms.models import User
from lms.models import utcnow
from lms.queries import catalog
from lms.queries import workspaces
from lms.queries.workspaces import Workspace
from lms.queries.workspaces import workspace
from lms.services import audit
from lms.services import content_store

KINDS = ("minor", "major")
MAX_GRACE_DAYS = 3650


class Refused(services.Refused):
    """Nothing changed; ``problems`` lists the validation errors behind the refusal."""

    def __init__(self, message, problems: list[content.Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class Conflict(Refused):
    """The file changed since the author opened it (someone else saved it)."""


class TranslationsBehind(Refused):
    """A major version would serve these translations in the source language (they lack
    its change): publishing needs the author's explicit confirmation."""

    def __init__(self, message, behind: list[translation_status.Behind]) -> None:
        super().__init__(message)
        self.behind = behind


# Built courses by content hash: a file set always builds to the same result, so every
# server may keep its own copy; previews and the editor rebuild the same drafts often.
_built: dict[tuple[str, str], tuple[content.Course | None, list[content.Problem]]] = {}
_BUILT_MAX = 32
_built_lock = threading.Lock()


def check(course_id: str, files: dict[str, bytes]):
    """(course or None, problems) for a file set: the validator learners' content passes."""
    key = (course_id, tree_hash(files))
    found = _built.get(key)
    if found is None:
        found = build_course(course_id, files)
        with _built_lock:
            while len(_built) >= _BUILT_MAX:
                _built.pop(next(iter(_built)))
            _built[key] = found
    return found


def fingerprint(data: bytes | None) -> str:
    """Identifies a file's bytes, so a save can tell that someone else saved in between."""
    return hashlib.sha256(data or b"").hexdigest()[:16]


def file_ref(ws: Workspace, path: str) -> FileRef | None:
    """The file ``path`` if the course has it."""
    return describe(ws.course_id, path) if path in ws.files else None


def source_path(ws: Workspace, ref: FileRef) -> str | None:
    """The source-language file a translation translates; None for a source file."""
    source = ws.source_language
    if ref.kind == "course" or ref.lang == source:
        return None
    return translated_path(ref, ws.course_id, source)


def save_file(
    ws: Workspace,
    path: str,
    text: str,
    actor: User,
    *,
    expected: str | None,
    mark_current: bool = False,
) -> None:
    """Store ``text`` as ``path`` in the draft (started if need be) and commit.

    ``expected`` is the :func:`fingerprint` the author started from; ``mark_current``
    sets ``translation_of`` to the source file's revision.
    """
    original = ws.files.get(path)
    if original is None or describe(ws.course_id, path) is None:
        raise Refused(_l("This course has no such file."))
    if expected is not None and expected != fingerprint(original):
        raise Conflict(
            _l(
                "Someone else saved this file after you opened it. Saving again "
                "replaces their text with yours; open the file again to see theirs."
            )
        )
    if mark_current:
        text = with_translation_of(text, _source_revision(ws, path))
    _store(ws, {path: encode_like(text, original)}, actor)


def _source_revision(ws: Workspace, path: str) -> str:
    ref = describe(ws.course_id, path)
    source = source_path(ws, ref) if ref else None
    if source is None or source not in ws.files:
        raise Refused(
            _l(
                "Only a translation can be marked as current, and its source "
                "language file must exist."
            )
        )
    return revision_of(ws.files[source])


def _store(ws: Workspace, changes: dict[str, bytes], actor: User) -> None:
    draft = ws.draft or _start_draft(ws, actor)
    existing = {f.path: f for f in draft.files}
    for path, data in changes.items():
        if path in existing:
            existing[path].data = data
        else:
            draft.files.append(CourseDraftFile(path=path, data=data))
    draft.updated_at, draft.updated_by_id = utcnow(), actor.id
    db.session.commit()


def _start_draft(ws: Workspace, actor: User) -> CourseDraft:
    draft = CourseDraft(
        course_id=ws.course_id,
        base_version_id=ws.version.id,
        created_by_id=actor.id,
        updated_by_id=actor.id,
        files=[CourseDraftFile(path=p, data=d) for p, d in ws.files.items()],
    )
    db.session.add(draft)
    try:
        db.session.flush()
    except IntegrityError:  # another author started one at the same moment: use theirs
        db.session.rollback()
        theirs = db.session.get(CourseDraft, ws.course_id)
        if theirs is None:
            raise
        return theirs
    return draft


def discard_draft(course_id: str) -> bool:
    """Delete the draft and commit; False when there was none."""
    draft = db.session.get(CourseDraft, course_id)
    if draft is None:
        return False
    db.session.delete(draft)
    db.session.commit()
    return True


def add_language(ws: Workspace, lang: str, actor: User) -> list[str]:
    """Copy every source module and the quiz to ``lang`` as untranslated draft files (no
    ``translation_of``), commit, and return their paths. Existing files are kept."""
    _check_language(lang)
    source = ws.source_language
    if lang == source:
        raise Refused(_l("That is the source language of this course."))
    changes = {}
    for path, data in sorted(ws.files.items()):
        ref = describe(ws.course_id, path)
        if ref is None or ref.lang != source or ref.kind not in ("module", "quiz"):
            continue
        target = translated_path(ref, ws.course_id, lang)
        text = text_for_editing(data)
        if target not in ws.files and text is not None:
            changes[target] = encode_like(without_translation_of(text), data)
    if not changes:
        raise Refused(_l("This language already has every module and the quiz."))
    _store(ws, changes, actor)
    return sorted(changes)


def _check_language(lang: str) -> None:
    try:
        known = LOCALE.match(lang) and Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        known = None
    if not known:
        raise Refused(_l("Enter a language code such as de, pt_BR or zh_Hans."))


def convert_gift(data: bytes, title: str, pool: int | None) -> ConversionResult:
    """A Moodle GIFT file as our quiz Markdown, with every question left out reported."""
    return _convert(data, lambda text: gift_to_quiz(parse_gift(text), title, pool))


def convert_aiken(data: bytes, title: str, pool: int | None) -> ConversionResult:
    """An Aiken file as our quiz Markdown, with every question left out reported."""
    return _convert(data, lambda text: aiken_to_quiz(text, title, pool))


def _convert(data: bytes, convert) -> ConversionResult:
    try:
        text = decode_upload(data)
    except NotUtf8 as exc:
        if exc.utf16:
            raise Refused(_l("The file is UTF-16: save it as UTF-8 and upload it again.")) from exc
        raise Refused(
            _l(
                "The file is not UTF-8 (line %(line)d): save it as UTF-8 and upload it again.",
                line=exc.line,
            )
        ) from exc
    try:
        result = convert(text)
    except ValueError as exc:
        raise Refused(str(exc)) from exc
    if not result.converted and not result.skipped:
        raise Refused(_l("The file holds no questions."))
    return result


def save_quiz(ws: Workspace, lang: str, markdown: str, actor: User) -> str:
    """Store ``markdown`` as the quiz in ``lang`` in the draft, commit; return its path."""
    _check_language(lang)
    path = f"quizzes/{ws.course_id}/{lang}.md"
    _store(ws, {path: encode_like(markdown, ws.files.get(path))}, actor)
    return path


# --- Versions ----------------------------------------------------------------------------


def next_number(latest: CourseVersion, kind: str) -> str:
    return f"{latest.major + 1}.0" if kind == "major" else f"{latest.major}.{latest.minor + 1}"


def _prepare(ws: Workspace, files: dict[str, bytes], kind: str, grace_days: int | None):
    """(course, files) numbered as the next ``kind`` version; Refused if not valid."""
    files = _numbered(ws, files, kind, grace_days)
    return _valid(ws.course_id, files), files


def _numbered(
    ws: Workspace, files: dict[str, bytes], kind: str, grace_days: int | None
) -> dict[str, bytes]:
    """``files`` with the next ``kind`` version number in course.yml."""
    if kind not in KINDS:
        raise Refused(_l("Choose a minor or a major version."))
    if kind == "major" and (grace_days is None or not 0 <= grace_days <= MAX_GRACE_DAYS):
        raise Refused(_l("The grace period must be from 0 to %(max)d days.", max=MAX_GRACE_DAYS))
    yml = course_yml_path(ws.course_id)
    if yml in files:
        files = {**files, yml: with_version(files[yml], next_number(ws.version, kind))}
    return files


def _valid(course_id: str, files: dict[str, bytes]) -> content.Course:
    course, problems = check(course_id, files)
    errors = [p for p in problems if p.severity == "error"]
    if course is None or errors:
        raise Refused(_l("Nothing was published: fix the errors first."), errors)
    return course


def _publish(ws: Workspace, course, files, kind, grace_days, actor, origin) -> CourseVersion:
    version = content_store.publish(
        course,
        actor,
        files=files,
        origin=origin,
        grace_days=grace_days if kind == "major" else None,
    )
    if version is None:
        raise Refused(
            _l(
                "Someone else published this course at the same moment. Reload the "
                "page and try again."
            )
        )
    return version


def publish_draft(
    ws: Workspace, kind: str, grace_days: int | None, actor: User | None
) -> CourseVersion:
    """Publish the draft as the next minor or major version (which consumes the draft)."""
    if ws.draft is None:
        raise Refused(_l("There is no draft to publish."))
    course, files = _prepare(ws, ws.files, kind, grace_days)
    db.session.delete(ws.draft)  # committed with the version, or rolled back with it
    return _publish(ws, course, files, kind, grace_days, actor, "editor")


def plan_publish(
    ws: Workspace, kind: str, grace_days: int | None, *, accept_behind: bool = False
) -> dict:
    """Check that the draft can be published as the next ``kind`` version and say exactly
    what would be published, as JSON for a job's parameters; change nothing.

    The job publishes that plan later with :func:`publish_planned`. The draft's hash
    pins the files the author saw: edits made after the button was pressed are not
    published by it.

    :raise TranslationsBehind: a major version with out-of-date translations, unless
        ``accept_behind`` (the author confirmed that their learners read the source).
    """
    if ws.draft is None:
        raise Refused(_l("There is no draft to publish."))
    plan = _plan(ws, ws.files, kind, grace_days, accept_behind)
    return plan | {"draft_hash": tree_hash(ws.files)}


def plan_rollback(
    ws: Workspace,
    target: CourseVersion,
    kind: str,
    grace_days: int | None,
    *,
    accept_behind: bool = False,
) -> dict:
    """Like :func:`plan_publish`, for publishing ``target``'s files again (a rollback)."""
    if target.id == ws.version.id:
        raise Refused(_l("This is already the current version."))
    files = catalog.version_files(target)
    return _plan(ws, files, kind, grace_days, accept_behind) | {"restore": target.version}


def behind_if_published(
    course_id: str, files: dict[str, bytes], kind: str
) -> list[translation_status.Behind]:
    """The translations learners would not read (the source language instead) if
    ``files`` were published now as the next ``kind`` version; [] when not valid."""
    course = check(course_id, files)[0]
    if course is None:
        return []
    return translation_status.behind(catalog.as_next_version(course, kind))


def _plan(
    ws: Workspace,
    files: dict[str, bytes],
    kind: str,
    grace_days: int | None,
    accept_behind: bool,
) -> dict:
    """The files are validated as they are (the build the publish page made already, kept
    by :func:`check`); renumbered, they are built again by the job. Renumbering changes
    only the version in course.yml, so it cannot make valid files invalid, and the
    content hash of the files to publish is the hash of their bytes, known at once."""
    numbered = _numbered(ws, files, kind, grace_days)
    _valid(ws.course_id, files)
    behind = behind_if_published(ws.course_id, files, kind) if kind == "major" else []
    if behind and not accept_behind:
        raise TranslationsBehind(
            _l(
                "Nothing was published: %(count)d translation(s) are out of date. Confirm "
                "that their learners read the source language until they are updated.",
                count=len(behind),
            ),
            behind,
        )
    return {
        "course_id": ws.course_id,
        "kind": kind,
        "grace_days": grace_days if kind == "major" else None,
        "version": next_number(ws.version, kind),
        "base_version_id": ws.version.id,
        "content_hash": tree_hash(numbered),
    }


def publish_planned(plan: dict, actor: User | None) -> tuple[CourseVersion, bool]:
    """Operation: publish as :func:`plan_publish` or :func:`plan_rollback` planned, once.

    Returns (version, published now). Run a second time (a retry after the first run
    committed, or a duplicate job) it finds the planned content already current and
    publishes nothing.

    :raise Refused: the draft changed or went away, or another version was published,
        since the plan was made.
    """
    course_id = plan["course_id"]
    latest = catalog.latest_version(course_id)
    if latest is not None and latest.content_hash == plan["content_hash"]:
        return latest, False
    ws = workspace(course_id)
    if ws is None or ws.version.id != plan["base_version_id"]:
        raise Refused(
            _l(
                "Someone else published this course after the button was pressed, so "
                "nothing was published. Reload the page and try again."
            )
        )
    if "restore" in plan:
        target = workspaces.find_version(course_id, plan["restore"])
        if target is None:
            raise Refused(_l("This course has no such version."))
        return rollback(ws, target, plan["kind"], plan["grace_days"], actor), True
    if ws.draft is None or tree_hash(ws.files) != plan["draft_hash"]:
        raise Refused(
            _l(
                "The draft changed after Publish was pressed, so nothing was published. "
                "Review the draft and publish again."
            )
        )
    version = publish_draft(ws, plan["kind"], plan["grace_days"], actor)
    return version, True


def rollback(
    ws: Workspace, target: CourseVersion, kind: str, grace_days: int | None, actor: User | None
) -> CourseVersion:
    """Publish ``target``'s files again, as a NEW version; the history stays intact."""
    if target.id == ws.version.id:
        raise Refused(_l("This is already the current version."))
    course, files = _prepare(ws, catalog.version_files(target), kind, grace_days)
    audit.record(
        "content.rolled_back",
        actor=actor,
        course_id=ws.course_id,
        before={"version": ws.version.version},
        after={
            "version": course.meta.version,
            "restored": target.version,
            "kind": kind,
            "grace_days": grace_days if kind == "major" else None,
        },
    )
    return _publish(ws, course, files, kind, grace_days, actor, "rollback")


# --- The editor ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FileCheck:
    """One file as the editor shows it: its problems within the whole draft, the rendered
    preview (``module``, ``quiz`` or ``meta``), and for a translation its status."""

    ref: FileRef
    problems: list[content.Problem]  # in this file
    other_errors: int
    other_warnings: int
    preview: content.Module | content.Quiz | content.CourseMeta | None
    source_path: str | None = None
    translation: str | None = None  # a translation_status status


def check_file(ws: Workspace, path: str, text: str) -> FileCheck:
    """Validate the draft with ``text`` as ``path`` and render ``text`` for the preview
    through the same parser and renderer learners' content goes through.

    :raise LookupError: no such file may exist in the course (the view answers 404 first).
    """
    ref = describe(ws.course_id, path)
    if ref is None:
        raise LookupError(f"{path} is not a file of course {ws.course_id}")
    data = encode_like(text, ws.files.get(path))
    files = {**ws.files, path: data}
    problems = check(ws.course_id, files)[1]
    others = [p for p in problems if p.path != path]
    source = source_path(ws, ref)
    translation = None
    if source in files:
        assert ref.lang is not None, "a translation has a language"
        translation = translation_status.cell(
            ref.lang, path, files, revision_of(files[source])
        ).status
    return FileCheck(
        ref,
        [p for p in problems if p.path == path],
        sum(p.severity == "error" for p in others),
        sum(p.severity == "warning" for p in others),
        _render(ws.course_id, ref, text_for_editing(data) or "", data),
        source,
        translation,
    )


def _render(course_id: str, ref: FileRef, text: str, data: bytes):
    if ref.kind == "course":
        return parse_meta(text, ref.path, course_id)[0]
    assert ref.lang is not None, "module, guidelines and quiz paths name their language"
    revision = revision_of(data)
    if ref.kind == "quiz":
        return parse_quiz(text, ref.path, ref.lang, revision)[0]
    name = (ref.position or 0, ref.item or "guidelines")
    return parse_module(text, ref.path, ref.lang, name, revision)[0]
