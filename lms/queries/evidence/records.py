"""What a pack holds, read in batches: certifications, attempts, audit events and the
published files studied. Every reader walks its rows by id in pages (keyset), so memory
stays flat at any size and no cursor is held open while other queries run."""

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from markupsafe import Markup

from lms import content
from lms.content.files import tree_hash
from lms.extensions import db
from lms.models import AttemptResponse
from lms.models import Attestation
from lms.models import AuditEvent
from lms.models import Certification
from lms.models import CourseVersion
from lms.models import CourseVersionFile
from lms.models import QuizAttempt
from lms.models import User
from lms.models.types import iso
from lms.queries import catalog
from lms.queries import seat_time

#: Rows read per page.
BATCH = 500


@dataclass(frozen=True)
class Selection:
    """Which certifications a pack is about: one, one person's, or those issued in a
    period to a department (``department`` None: the whole company)."""

    kind: str  # "certification", "person" or "period"
    certification_id: int | None = None
    user_id: int | None = None
    department: str | None = None
    issued_from: datetime | None = None
    issued_before: datetime | None = None  # exclusive

    def conditions(self) -> list:
        """Conditions on :class:`Certification` (joined with its :class:`User`)."""
        if self.kind == "certification":
            return [Certification.id == self.certification_id]
        if self.kind == "person":
            return [Certification.user_id == self.user_id]
        found: list = []
        if self.department is not None:
            found.append(User.department == self.department)
        if self.issued_from is not None:
            found.append(Certification.issued_at >= self.issued_from)
        if self.issued_before is not None:
            found.append(Certification.issued_at < self.issued_before)
        return found

    def certifications(self) -> sa.Select:
        return (
            sa.select(Certification.id)
            .join(User, User.id == Certification.user_id)
            .where(*self.conditions())
        )

    def people(self) -> sa.Select:
        """The ids of the people the pack is about (one row each): walked by
        :func:`people_pages` in id order, each person found by the index on
        certifications (person, course)."""
        if self.kind == "person":
            return sa.select(User.id).where(User.id == self.user_id)
        held = (
            sa.select(Certification.id)
            .where(Certification.user_id == User.id, *self.conditions())
            .exists()
        )
        return sa.select(User.id).where(held)

    def as_json(self) -> dict:
        return {
            "kind": self.kind,
            "certification_id": self.certification_id,
            "department": self.department,
            "issued_from": iso(self.issued_from),
            "issued_before": iso(self.issued_before),
        }


def count(selection: Selection) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(selection.certifications().subquery())
        )
        or 0
    )


def _pages(query: sa.Select, key) -> Iterator[list]:
    """``query``'s rows in pages of :data:`BATCH`, by ``key`` ascending (keyset)."""
    last = None
    while True:
        page = query.order_by(key).limit(BATCH)
        if last is not None:
            page = page.where(key > last)
        rows = list(db.session.execute(page).all())
        if not rows:
            return
        yield rows
        last = rows[-1][0]


# --- Published versions and their files -----------------------------------------------


@dataclass
class VersionFiles:
    """A published version's files as hashes: each file's SHA-256 and whether the files
    stored now still give the hash recorded when it was published."""

    version: CourseVersion
    sha256: dict[str, str]
    recomputed_hash: str

    @property
    def matches(self) -> bool:
        return self.recomputed_hash == self.version.content_hash


class Versions:
    """Published versions met while building a pack, each read and hashed once (a pack
    meets a handful: memory holds hashes, not files)."""

    def __init__(self) -> None:
        self.seen: dict[int, VersionFiles] = {}
        self.studied: dict[int, set[str]] = {}  # version id -> paths studied
        self._texts: dict[tuple[int, str], dict] = {}

    def get(self, version_id: int) -> VersionFiles:
        found = self.seen.get(version_id)
        if found is None:
            version = db.session.get_one(CourseVersion, version_id)
            files = catalog.version_files(version)
            found = self.seen[version_id] = VersionFiles(
                version,
                {path: hashlib.sha256(data).hexdigest() for path, data in files.items()},
                tree_hash(files),
            )
        return found

    def course(self, version_id: int) -> content.Course:
        return catalog.stored_course(self.get(version_id).version)

    def quiz_texts(self, version_id: int, lang: str) -> dict[str, tuple[str, dict[str, str]]]:
        """The quiz in ``lang`` as plain text, question id -> (prompt, answer id -> text):
        made once per version and language (stripping tags per attempt was most of the
        time of a large pack)."""
        key = (version_id, lang)
        found = self._texts.get(key)
        if found is None:
            quiz = self.course(version_id).quiz(lang)
            found = self._texts[key] = {
                q.id: (_text(q.prompt_html), {a.id: _text(a.html) for a in q.answers})
                for q in quiz.questions
            }
        return found

    def note(self, version_id: int, path: str) -> str:
        """Remember that ``path`` of this version was studied; returns its SHA-256."""
        self.studied.setdefault(version_id, set()).add(path)
        return self.get(version_id).sha256.get(path, "")


def file_bytes(version: CourseVersion, path: str) -> bytes:
    """One file of a published version, byte for byte (or its normalised source)."""
    data = db.session.scalar(
        sa.select(CourseVersionFile.data).where(
            CourseVersionFile.version_id == version.id, CourseVersionFile.path == path
        )
    )
    if data is not None:
        return bytes(data)
    return catalog.version_files(version)[path]


# --- Attempts -------------------------------------------------------------------------


def _text(html: str) -> str:
    return Markup(html).striptags()


def _attempt_pages(selection: Selection) -> Iterator[list]:
    """Pages of ``(id, QuizAttempt, employee id)``: a person's every attempt; otherwise
    the attempts that certified, page by page of certifications (never one statement
    comparing every attempt with every certification of the period)."""
    query = sa.select(QuizAttempt.id, QuizAttempt, User.employee_id).join(
        User, User.id == QuizAttempt.user_id
    )
    if selection.kind == "person":
        yield from _pages(query.where(QuizAttempt.user_id == selection.user_id), QuizAttempt.id)
        return
    certifying = selection.certifications().add_columns(Certification.attempt_id)
    for page in _pages(certifying, Certification.id):
        ids = [attempt_id for _, attempt_id in page if attempt_id is not None]
        if ids:
            yield list(
                db.session.execute(query.where(QuizAttempt.id.in_(ids)).order_by(QuizAttempt.id))
            )


def attempt_records(selection: Selection, versions: Versions) -> Iterator[list[dict]]:
    """The selection's attempts, a page at a time, each with its questions as drawn and
    the answers given."""
    for rows in _attempt_pages(selection):
        ids = [row[0] for row in rows]
        right = {
            (a, q): c
            for a, q, c in db.session.execute(
                sa.select(
                    AttemptResponse.attempt_id, AttemptResponse.question_id, AttemptResponse.correct
                ).where(AttemptResponse.attempt_id.in_(ids))
            )
        }
        yield [_attempt(a, employee_id, versions, right) for _, a, employee_id in rows]


def _attempt(attempt: QuizAttempt, employee_id: str, versions: Versions, right: dict) -> dict:
    course = versions.course(attempt.course_version_id)
    quiz = course.quiz(attempt.lang)
    given = attempt.answers or {}
    questions = []
    plain = versions.quiz_texts(attempt.course_version_id, attempt.lang)
    for position, drawn in enumerate(attempt.questions, start=1):
        prompt, texts = plain.get(drawn["id"], ("", {}))
        chosen = list(given.get(drawn["id"], []))
        questions.append(
            {
                "position": position,
                "question_id": drawn["id"],
                "prompt": prompt,
                "shown": [{"id": i, "text": texts.get(i, "")} for i in drawn["answers"]],
                "chosen": chosen,
                "chosen_text": [texts.get(i, "") for i in chosen],
                "correct": right.get((attempt.id, drawn["id"])),
            }
        )
    return {
        "id": attempt.id,
        "employee_id": employee_id,
        "course_id": attempt.course_id,
        "version": versions.get(attempt.course_version_id).version.version,
        "content_hash": versions.get(attempt.course_version_id).version.content_hash,
        "lang": attempt.lang,
        "quiz_file": quiz.path,
        "quiz_sha256": versions.note(attempt.course_version_id, quiz.path),
        "status": attempt.status,
        "started_at": iso(attempt.started_at),
        "submitted_at": iso(attempt.submitted_at),
        "score": None if attempt.score is None else round(attempt.score, 2),
        "pass_mark": course.meta.pass_mark,
        "passed": attempt.passed,
        "questions": questions,
    }


# --- Certifications -------------------------------------------------------------------


def certification_records(
    selection: Selection, versions: Versions, now: datetime
) -> Iterator[list[dict]]:
    """The selection's certifications, a page at a time, each with the person, the files
    studied (language, SHA-256, seat time per module), the attempt and the attestation."""
    query = (
        sa.select(Certification.id, Certification, User, QuizAttempt, Attestation)
        .join(User, User.id == Certification.user_id)
        .outerjoin(QuizAttempt, QuizAttempt.id == Certification.attempt_id)
        .outerjoin(Attestation, Attestation.certification_id == Certification.id)
        .where(*selection.conditions())
    )
    for rows in _pages(query, Certification.id):
        attempts = [a for _, _, _, a, _ in rows if a is not None]
        readings = seat_time.by_enrollment(a.enrollment_id for a in attempts)
        issued = _issued_events({c.user_id for _, c, _, _, _ in rows})
        yield [
            _certification(c, person, attempt, attestation, readings, issued, versions, now)
            for _, c, person, attempt, attestation in rows
        ]


def _issued_events(user_ids: set[int]) -> dict[int, dict]:
    """What ``certification.issued`` recorded (the languages studied), by certification."""
    found = {}
    for after in db.session.scalars(
        sa.select(AuditEvent.after).where(
            AuditEvent.action == "certification.issued",
            AuditEvent.subject_user_id.in_(sorted(user_ids)),
        )
    ):
        if after and "certification_id" in after:
            found[after["certification_id"]] = after
    return found


def _certification(
    cert: Certification,
    person: User,
    attempt: QuizAttempt | None,
    attestation: Attestation | None,
    readings: dict,
    issued: dict,
    versions: Versions,
    now: datetime,
) -> dict:
    course = versions.course(cert.course_version_id)
    published = versions.get(cert.course_version_id)
    studied = readings.get(attempt.enrollment_id, []) if attempt else []
    by_module = {r.module_id: r for r in studied}
    recorded = issued.get(cert.id, {})
    quiz_lang = recorded.get("lang") or (attempt.lang if attempt else course.meta.source_language)
    langs = recorded.get("module_langs") or {r.module_id: r.lang for r in studied}
    modules = []
    for module_id in course.module_ids:
        module = course.module(langs.get(module_id, quiz_lang), module_id)
        if module is None:
            continue
        reading = by_module.get(module_id)
        modules.append(
            {
                "module_id": module_id,
                "lang": module.lang,
                "file": module.path,
                "sha256": versions.note(cert.course_version_id, module.path),
                "seconds": reading.seconds if reading else 0,
                "seat_time": seat_time.duration(reading.seconds if reading else 0),
                "started_at": iso(reading.started_at) if reading else None,
                "completed_at": iso(reading.completed_at) if reading else None,
                "read_on_version": (
                    versions.get(reading.course_version_id).version.version if reading else None
                ),
            }
        )
    quiz = course.quiz(quiz_lang)
    listed = {m["module_id"] for m in modules}
    seconds = sum(r.seconds for r in studied if r.module_id in listed)
    return {
        "certification_id": cert.id,
        "employee_id": person.employee_id,
        "name": person.name,
        "email": person.email,
        "department": person.department,
        "course_id": cert.course_id,
        "version": cert.version,
        "issued_at": iso(cert.issued_at),
        "expires_at": iso(cert.expires_at),
        "status": _status(cert, now),
        "content_hash": published.version.content_hash,
        "files_match_published_hash": published.matches,
        "quiz_lang": quiz_lang,
        "quiz_file": quiz.path,
        "quiz_sha256": versions.note(cert.course_version_id, quiz.path),
        "modules": modules,
        "seat_time_seconds": seconds,
        "seat_time": seat_time.duration(seconds),
        "attempt_id": cert.attempt_id,
        "score": None if attempt is None or attempt.score is None else round(attempt.score, 2),
        "pass_mark": course.meta.pass_mark,
        "attestation": _attestation(attestation, published.version) if attestation else None,
    }


def _attestation(record: Attestation, version: CourseVersion) -> dict:
    return {
        "statement": record.statement,
        "lang": record.lang,
        "typed_name": record.typed_name,
        "attested_at": iso(record.attested_at),
        "ip_address": record.ip_address,
        "content_hash": record.content_hash,
        "matches_version": record.content_hash == version.content_hash,
    }


def _status(cert: Certification, now: datetime) -> str:
    if cert.status != "active":
        return cert.status
    return "expired" if cert.expires_at <= now else "active"


# --- Audit events ---------------------------------------------------------------------


def audit_events(selection: Selection) -> Iterator[list[dict]]:
    """The audit events about the selection's people, person after person, each
    person's in the order they were recorded (a page of people at a time, each person's
    events found by the index on the event's subject)."""
    actor, subject = so.aliased(User), so.aliased(User)
    query = (
        sa.select(AuditEvent.id, AuditEvent, subject.employee_id, actor.employee_id, actor.name)
        .join(subject, subject.id == AuditEvent.subject_user_id)
        .outerjoin(actor, actor.id == AuditEvent.actor_id)
        .order_by(AuditEvent.subject_user_id, AuditEvent.occurred_at, AuditEvent.id)
    )
    for people in _pages(selection.people(), User.id):
        ids = [person_id for (person_id,) in people]
        rows = db.session.execute(query.where(AuditEvent.subject_user_id.in_(ids))).all()
        yield [
            {
                "id": event.id,
                "occurred_at": iso(event.occurred_at),
                "action": event.action,
                "employee_id": employee_id,
                "actor_employee_id": actor_id,
                "actor_name": actor_name,
                "course_id": event.course_id,
                "before": event.before,
                "after": event.after,
            }
            for _, event, employee_id, actor_id, actor_name in rows
        ]


def departments() -> list[str]:
    """Every department anyone is in, leavers too (their evidence is kept)."""
    return list(
        db.session.scalars(
            sa.select(User.department)
            .where(User.department.is_not(None))
            .group_by(User.department)
            .order_by(User.department)
        )
    )
