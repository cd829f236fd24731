"""Importing the HR roster: who works here, from a CSV file exported by the HR system.

The whole file is read and checked first (:func:`check`): every bad row is reported with
its row number, and the plan says who is added, updated, deactivated and reactivated.
:func:`import_file` and :func:`apply_upload` then apply that plan in one transaction with
bulk statements, or change nothing at all when any row is bad. People are matched by
employee id, never by name; leavers are deactivated, never deleted; re-importing the same
file writes nothing, not even to the audit trail.

The file format is described in ``docs/roster.md``.
"""

import codecs
import csv
import hashlib
import io
import re
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields
from datetime import date
from datetime import datetime
from time import perf_counter
from typing import cast

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms import services
from lms.extensions import db
from lms.extensions import on_postgresql
from lms.i18n import preferred_language
from lms.models import AuditEvent
from lms.models import RosterUpload
from lms.models import User
from lms.models import utcnow
from lms.services import assignments
from lms.services import audit
from lms.services import bulk
from lms.services import users
from lms.services.users import FIELDS

COLUMNS = (
    "employee_id",
    "email",
    "name",
    "department",
    "country",
    "manager",
    "preferred_language",
    "hire_date",
    "active",
)
REQUIRED = ("employee_id", "email", "name")
MAX_LENGTH = {"employee_id": 64, "email": 254, "name": 200, "department": 120, "manager": 254}
TRUE = {"", "true", "yes", "y", "1"}
FALSE = {"false", "no", "n", "0"}
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
COUNTRY = re.compile(r"[A-Z]{2}")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # line breaks, tabs, NUL (PostgreSQL refuses NUL)
#: The PostgreSQL advisory lock that serialises roster applies (any 64-bit number that no
#: other part of the app uses: these are the bytes of "roster" as a number).
LOCK_KEY = int.from_bytes(b"roster", "big")
#: How often (in rows) checking a file reports its progress.
PROGRESS_EVERY = 5000

#: ``progress(phase, done, total)``: "checking" counts rows read, "writing" people written.
Progress = Callable[[str, int, int], None]


def _no_progress(_phase: str, _done: int, _total: int) -> None:
    """Nobody follows this apply (the CLI, a test): progress goes nowhere."""


Refused = services.Refused  # the import is refused and nothing changed


@dataclass(frozen=True, slots=True)
class Problem:
    """A bad row (or header, or byte): ``row`` is the line in the file, the header being 1."""

    row: int
    column: str | None
    message: object  # a lazy string: it is translated when shown

    def __str__(self) -> str:
        return f"{self.row}: {self.column or '-'}: {self.message}"


@dataclass(slots=True)
class Entry:
    """A row that passed its own checks; ``manager`` becomes the manager's employee id."""

    row: int
    employee_id: str
    email: str
    name: str
    department: str | None
    country: str | None
    manager: str | None
    preferred_language: str | None
    hire_date: date | None
    active: bool

    def values(self) -> dict:
        return {name: getattr(self, name) for name in FIELDS}


@dataclass(frozen=True, slots=True)
class Person:
    """An account as it is in the database before the import."""

    id: int
    employee_id: str
    email: str
    name: str
    department: str | None
    country: str | None
    manager_id: int | None
    preferred_language: str | None
    hire_date: date | None
    active: bool
    roster_managed: bool


@dataclass(frozen=True, slots=True)
class Update:
    person: Person
    entry: Entry
    changes: dict  # field -> (before, after)


@dataclass(frozen=True, slots=True)
class Leaver:
    person: Person
    reason: str  # "not_in_file" or "inactive_in_file"


@dataclass
class Preview:
    """What an import would do (or did, once ``applied``), and every bad row."""

    filename: str
    sha256: str
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    added: list[Entry] = field(default_factory=list)
    updated: list[Update] = field(default_factory=list)
    deactivated: list[Leaver] = field(default_factory=list)
    reactivated: list[Person] = field(default_factory=list)
    protected: list[Person] = field(default_factory=list)  # made by hand: active flag kept
    unchanged: int = 0
    check_seconds: float = 0.0
    apply_seconds: float | None = None
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def changes_anything(self) -> bool:
        return bool(self.added or self.updated or self.deactivated or self.reactivated)

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "added": len(self.added),
            "updated": len(self.updated),
            "deactivated": len(self.deactivated),
            "reactivated": len(self.reactivated),
            "unchanged": self.unchanged,
            "bad_rows": len({p.row for p in self.problems}),
        }

    @property
    def fingerprint(self) -> str:
        """A digest of the planned changes: apply refuses if they differ from the preview's."""
        digest = hashlib.sha256()
        for line in self._plan_lines():
            digest.update(line.encode() + b"\n")
        return digest.hexdigest()[:32]

    def _plan_lines(self) -> Iterator[str]:
        yield from (f"+{e.employee_id}|{e.values()}|{e.active}" for e in self.added)
        yield from (f"~{u.person.employee_id}|{sorted(u.changes.items())}" for u in self.updated)
        yield from (f"-{x.person.employee_id}" for x in self.deactivated)
        yield from (f"^{p.employee_id}" for p in self.reactivated)


# --- Reading the file ----------------------------------------------------------------


@dataclass
class _Parsed:
    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0
    ids: dict[str, int] = field(default_factory=dict)  # every employee id seen -> row
    emails: dict[str, tuple[int, str]] = field(default_factory=dict)  # -> (row, employee id)


def _parse(data: bytes, languages: list[str], progress: Progress = _no_progress) -> _Parsed:
    parsed = _Parsed()
    wide = _wide_encoding(data)
    if wide:  # every line would be "not UTF-8": one message that says what to do instead
        parsed.problems.append(
            Problem(
                1,
                None,
                _l(
                    "This file is %(encoding)s. Save it as UTF-8 (CSV UTF-8 in Excel) and upload "
                    "it again.",
                    encoding=wide,
                ),
            )
        )
        return parsed
    text, parsed.problems = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        columns = _header(reader, parsed)
        if columns is not None:
            _read_rows(reader, columns, parsed, languages, _reporting(data, progress))
    except csv.Error as error:
        parsed.problems.append(
            Problem(
                reader.line_num,
                None,
                _l("The file cannot be read as CSV from here on: %(error)s", error=str(error)),
            )
        )
    return parsed


def _decode(data: bytes) -> tuple[str, list[Problem]]:
    """The text (UTF-8, with or without a byte order mark) and a problem per line that has
    bytes that are not UTF-8."""
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        return data.decode("utf-8-sig", errors="replace"), _undecodable_lines(data)


def _wide_encoding(data: bytes) -> str | None:
    """ "UTF-16" or "UTF-32" when the file is in one of them (Excel's "Unicode text" is
    UTF-16): by its byte order mark, or, without one, by the NUL byte beside every ASCII
    character."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "UTF-32"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "UTF-16"
    sample = data[:4096]
    return "UTF-16" if len(sample) >= 8 and sample.count(0) * 3 >= len(sample) else None


def _undecodable_lines(data: bytes) -> list[Problem]:
    problems = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as error:
            problems.append(
                Problem(
                    number,
                    None,
                    _l(
                        "Byte 0x%(byte)02X (at position %(position)d of the line) is not UTF-8. "
                        "Save the file as UTF-8 (CSV UTF-8 in Excel).",
                        byte=line[error.start],
                        position=error.start + 1,
                    ),
                )
            )
    return problems


def _delimiter(text: str) -> str:
    """Comma, semicolon (Excel in many European locales) or tab, guessed from the header."""
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(first_line, delimiters=",;\t").delimiter
    except csv.Error:
        return ","


#: Column names without case, spaces, hyphens or underscores: "E-mail" and "Employee ID"
#: name ``email`` and ``employee_id``.
_COLUMN_KEYS = {name.replace("_", ""): name for name in COLUMNS}


def _normalise_column(name: str) -> str:
    key = re.sub(r"[\s\-_]+", "", name.strip().lower())
    return _COLUMN_KEYS.get(key, key)


def _header(reader, parsed: _Parsed) -> list[str] | None:
    """The column names in file order, or None (with problems) if the header is unusable."""
    names = next((row for row in reader if any(v.strip() for v in row)), None)
    if names is None:
        parsed.problems.append(Problem(1, None, _l("The file is empty.")))
        return None
    line = reader.line_num
    while names and not names[-1].strip():
        names = names[:-1]  # a trailing delimiter, as some spreadsheets write
    columns = [_normalise_column(n) for n in names]
    before = len(parsed.problems)
    for name, raw in zip(columns, names, strict=True):
        if name not in COLUMNS:
            parsed.problems.append(
                Problem(
                    line,
                    raw.strip() or "?",
                    _l("Unknown column. The columns are: %(columns)s.", columns=", ".join(COLUMNS)),
                )
            )
    for name in sorted({c for c in columns if columns.count(c) > 1 and c in COLUMNS}):
        parsed.problems.append(Problem(line, name, _l("This column appears more than once.")))
    for name in COLUMNS:
        if name not in columns:
            parsed.problems.append(Problem(line, name, _l("This column is missing.")))
    return columns if len(parsed.problems) == before else None


def _reporting(data: bytes, progress: Progress) -> Callable[[int], None]:
    """Report rows read every :data:`PROGRESS_EVERY` rows, out of the file's line count
    (an estimate: a quoted value may hold a line break)."""
    lines = max(data.count(b"\n"), 1)

    def report(rows: int) -> None:
        if rows % PROGRESS_EVERY == 0:
            progress("checking", rows, max(lines, rows))

    return report


def _read_rows(
    reader,
    columns: list[str],
    parsed: _Parsed,
    languages: list[str],
    report: Callable[[int], None],
) -> None:
    width = len(columns)
    previous = reader.line_num
    for values in reader:
        row, previous = previous + 1, reader.line_num
        if not any(v.strip() for v in values):
            continue  # blank line
        parsed.rows += 1
        report(parsed.rows)
        if len(values) != width and not (
            len(values) > width and not "".join(values[width:]).strip()
        ):
            parsed.problems.append(
                Problem(
                    row,
                    None,
                    _l(
                        "This row has %(found)d values; the header has %(expected)d.",
                        found=len(values),
                        expected=width,
                    ),
                )
            )
            continue
        raw = {name: value.strip() for name, value in zip(columns, values, strict=False)}
        entry, problems = _entry(row, raw, languages)
        problems += _duplicates(row, raw, parsed)
        parsed.problems += problems
        if entry is not None and not problems:
            parsed.entries.append(entry)


def _duplicates(row: int, raw: dict, parsed: _Parsed) -> list[Problem]:
    """Employee ids and emails must each appear once in the file."""
    problems = []
    employee_id, email = raw["employee_id"], raw["email"].lower()
    if employee_id:
        if employee_id in parsed.ids:
            problems.append(
                Problem(
                    row,
                    "employee_id",
                    _l("Duplicate employee id: also on row %(row)d.", row=parsed.ids[employee_id]),
                )
            )
        else:
            parsed.ids[employee_id] = row
    if email:
        if email in parsed.emails:
            problems.append(
                Problem(
                    row,
                    "email",
                    _l("Duplicate email: also on row %(row)d.", row=parsed.emails[email][0]),
                )
            )
        else:
            parsed.emails[email] = (row, employee_id)
    return problems


def _entry(row: int, raw: dict, languages: list[str]) -> tuple[Entry | None, list[Problem]]:
    """The row's values, cleaned, or the problems with them."""
    problems = [
        Problem(row, name, _l("This value is missing.")) for name in REQUIRED if not raw[name]
    ]
    problems += [
        Problem(row, name, _l("Longer than %(max)d characters.", max=limit))
        for name, limit in MAX_LENGTH.items()
        if len(raw[name]) > limit
    ]
    if CONTROL.search("".join(raw.values())):
        problems += [
            Problem(row, name, _l("Contains a line break or another control character."))
            for name, value in raw.items()
            if CONTROL.search(value)
        ]
    email = raw["email"].lower()
    country = raw["country"].upper()
    language = preferred_language(raw["preferred_language"], languages)
    hire_date = _date(raw["hire_date"])
    active = raw["active"].lower()
    manager = raw["manager"]
    checks = [
        ("email", email and not EMAIL.fullmatch(email), _l("Not an email address.")),
        (
            "country",
            country and not COUNTRY.fullmatch(country),
            _l("Not a two-letter ISO 3166 country code (such as DE or US)."),
        ),
        (
            "preferred_language",
            raw["preferred_language"] and language is None,
            _l("Not a language code (such as de, pt-BR, pt-PT or zh-Hant)."),
        ),
        (
            "hire_date",
            raw["hire_date"] and hire_date is None,
            _l("Not a date written as YYYY-MM-DD."),
        ),
        ("active", active not in TRUE | FALSE, _l("Use true or false (or yes/no, 1/0).")),
        (
            "manager",
            manager and (manager == raw["employee_id"] or manager.lower() == email),
            _l("An employee cannot be their own manager."),
        ),
    ]
    problems += [Problem(row, name, message) for name, bad, message in checks if bad]
    if problems:
        return None, problems
    return Entry(
        row,
        raw["employee_id"],
        email,
        raw["name"],
        raw["department"] or None,
        country or None,
        raw["manager"] or None,
        language,
        hire_date,
        active in TRUE,
    ), []


def _date(value: str) -> date | None:
    if not ISO_DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


# --- Comparing with the database -----------------------------------------------------


class _People:
    """Every account as it is now, indexed the ways the checks need (one query)."""

    def __init__(self):
        columns = [getattr(User, f.name) for f in fields(Person)]
        rows = db.session.execute(sa.select(*columns)).all()
        self.by_id = {row.id: Person(*row) for row in rows}
        self.by_employee_id = {p.employee_id: p for p in self.by_id.values()}
        self.by_email = {p.email.lower(): p for p in self.by_id.values()}

    def manager_of(self, person: Person) -> str | None:
        manager = self.by_id.get(person.manager_id) if person.manager_id else None
        return manager.employee_id if manager else None

    def values(self, person: Person) -> dict:
        values = {name: getattr(person, name) for name in FIELDS if name != "manager"}
        return values | {"manager": self.manager_of(person)}


def _cross_check(parsed: _Parsed, people: _People) -> list[Problem]:
    """Problems that need the other rows or the database: emails taken, managers."""
    problems = []
    for entry in parsed.entries:
        owner = people.by_email.get(entry.email)
        if owner is not None and owner.employee_id != entry.employee_id:
            problems.append(
                Problem(
                    entry.row,
                    "email",
                    _l(
                        "This email belongs to another employee (employee id %(other)s).",
                        other=owner.employee_id,
                    ),
                )
            )
        if entry.manager is not None:
            manager = _resolve_manager(entry.manager, parsed, people)
            if manager is None:
                problems.append(
                    Problem(
                        entry.row,
                        "manager",
                        _l(
                            "Manager not found: no employee id or email %(value)s in the file or "
                            "among existing accounts.",
                            value=entry.manager,
                        ),
                    )
                )
            elif manager == entry.employee_id:
                problems.append(
                    Problem(entry.row, "manager", _l("An employee cannot be their own manager."))
                )
            entry.manager = manager
    return problems + _cycles(parsed, people)


def _resolve_manager(value: str, parsed: _Parsed, people: _People) -> str | None:
    """The manager's employee id, from an employee id or an email (file first, then DB)."""
    if "@" in value:
        email = value.lower()
        if email in parsed.emails:
            return parsed.emails[email][1] or None
        person = people.by_email.get(email)
    else:
        if value in parsed.ids:
            return value
        person = people.by_employee_id.get(value)
    return person.employee_id if person else None


def _cycles(parsed: _Parsed, people: _People) -> list[Problem]:
    """A problem on each row whose manager chain loops back (A -> B -> A)."""
    in_file = {e.employee_id: e for e in parsed.entries}

    def manager(employee_id: str) -> str | None:
        if employee_id in in_file:
            return in_file[employee_id].manager
        person = people.by_employee_id.get(employee_id)
        return people.manager_of(person) if person else None

    done: set[str] = set()
    problems = []
    for start in in_file:
        path: list[str] = []
        on_path: set[str] = set()
        node: str | None = start
        while node is not None and node not in done and node not in on_path:
            path.append(node)
            on_path.add(node)
            node = manager(node)
        if node is not None and node in on_path:
            loop = path[path.index(node) :]
            chain = " → ".join([*loop, node])
            problems += [
                Problem(
                    in_file[e].row,
                    "manager",
                    _l("The manager chain loops: %(chain)s.", chain=chain),
                )
                for e in loop
                if e in in_file
            ]
        done.update(path)
    return problems


def _plan(preview: Preview, parsed: _Parsed, people: _People) -> None:
    bad_rows = {p.row for p in preview.problems}
    for entry in parsed.entries:
        if entry.row in bad_rows:
            continue
        person = people.by_employee_id.get(entry.employee_id)
        if person is None:
            preview.added.append(entry)
            continue
        _plan_existing(preview, person, entry, people)
    for person in people.by_id.values():
        if person.roster_managed and person.active and person.employee_id not in parsed.ids:
            preview.deactivated.append(Leaver(person, "not_in_file"))


def _plan_existing(preview: Preview, person: Person, entry: Entry, people: _People) -> None:
    before, after = people.values(person), entry.values()
    changes = {name: (before[name], after[name]) for name in FIELDS if before[name] != after[name]}
    if changes:
        preview.updated.append(Update(person, entry, changes))
    flips = person.active != entry.active
    if flips and not person.roster_managed:
        preview.protected.append(person)
    elif flips and entry.active:
        preview.reactivated.append(person)
    elif flips:
        preview.deactivated.append(Leaver(person, "inactive_in_file"))
    if not changes and (not flips or not person.roster_managed):
        preview.unchanged += 1


# --- The public operations -----------------------------------------------------------


def check(data: bytes, languages: list[str], filename: str = "") -> Preview:
    """Read and check the whole file against the database; change nothing.

    :param data: the file's bytes.
    :param languages: the interface languages (the app's ``LANGUAGES``): a preferred
        language naming one is stored as its id; any other language Babel knows is kept.
    :return: the plan, and every problem sorted by row.
    """
    started = perf_counter()
    preview, _people = _check(data, languages, filename)
    preview.check_seconds = perf_counter() - started
    return preview


def _check(
    data: bytes, languages: list[str], filename: str, progress: Progress = _no_progress
) -> tuple[Preview, _People]:
    preview = Preview(filename=filename, sha256=hashlib.sha256(data).hexdigest())
    parsed = _parse(data, languages, progress)
    progress("checking", parsed.rows, parsed.rows)
    people = _People()
    preview.rows = parsed.rows
    preview.problems = parsed.problems + _cross_check(parsed, people)
    if not preview.problems and not parsed.rows:
        preview.problems.append(
            Problem(
                1,
                None,
                _l("The file has no employee rows; importing it would deactivate everyone."),
            )
        )
    preview.problems.sort(
        key=lambda p: (p.row, COLUMNS.index(p.column) if p.column in COLUMNS else -1)
    )
    _plan(preview, parsed, people)
    return preview, people


def import_file(
    data: bytes,
    languages: list[str],
    *,
    filename: str = "",
    actor_id: int | None = None,
    now: datetime | None = None,
) -> Preview:
    """Check the file and, if no row is bad, apply it in one transaction and commit.

    :param actor_id: who imports (None for the system, e.g. a scheduled ``flask`` command).
    :return: the preview; ``applied`` says whether anything was written.
    :raise Refused: another import is being applied (PostgreSQL refuses at once; SQLite
        waits for it for the database's busy timeout, then checks and applies on top).
    """
    started = perf_counter()
    _lock()
    preview, people = _check(data, languages, filename)
    preview.check_seconds = perf_counter() - started
    if not preview.ok:
        db.session.rollback()
        return preview
    _apply(preview, people, actor_id, now or utcnow())
    return preview


def store_upload(data: bytes, filename: str, uploaded_by_id: int | None) -> RosterUpload:
    """Keep an uploaded file for its preview and its application; commit."""
    filename = filename.replace("\\", "/").rsplit("/", 1)[-1][:255] or "roster.csv"
    upload = RosterUpload(
        uploaded_by_id=uploaded_by_id,
        filename=filename,
        sha256=hashlib.sha256(data).hexdigest(),
        content=data,
    )
    db.session.add(upload)
    db.session.commit()
    return upload


def apply_upload(
    upload_id: int,
    languages: list[str],
    *,
    actor_id: int | None,
    fingerprint: str | None = None,
    now: datetime | None = None,
    progress: Progress = _no_progress,
) -> Preview:
    """Re-check a stored upload against the database as it is now and apply it, once.

    :param fingerprint: the preview's :attr:`Preview.fingerprint`; if the changes differ
        now (someone else imported meanwhile), nothing is applied.
    :param progress: told how far checking and writing are, in chunks, while this
        transaction is open (a job shows it; it must not write to this transaction).
    :raise Refused: already applied, another import is being applied, or the planned
        changes are not the ones previewed.
    :return: the preview; if it has problems, nothing changed.
    """
    now = now or utcnow()
    started = perf_counter()
    _lock()
    claimed = cast(
        sa.CursorResult,
        db.session.execute(  # typed as Result; is a CursorResult
            sa.update(RosterUpload)
            .where(RosterUpload.id == upload_id, RosterUpload.applied_at.is_(None))
            .values(applied_at=now)
            .execution_options(synchronize_session=False)
        ),
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        raise Refused(_l("This file was already applied; nothing changed."))
    upload = db.session.get_one(RosterUpload, upload_id)
    preview, people = _check(upload.content, languages, upload.filename, progress)
    preview.check_seconds = perf_counter() - started
    if preview.ok and fingerprint and fingerprint != preview.fingerprint:
        db.session.rollback()
        raise Refused(
            _l(
                "The accounts changed since this preview was made (another import?); "
                "nothing changed. Review the new preview."
            )
        )
    if not preview.ok:
        db.session.rollback()
        return preview
    _apply(preview, people, actor_id, now, progress)
    return preview


def recent_uploads(limit: int = 10) -> list[RosterUpload]:
    return list(
        db.session.scalars(sa.select(RosterUpload).order_by(RosterUpload.id.desc()).limit(limit))
    )


# --- Applying ------------------------------------------------------------------------


def _lock() -> None:
    """Make this transaction the only roster import being applied, on every server.

    Two imports that each read the accounts and then write their plan would leave a mix
    of both files (both add their joiners), so the lock is taken before anything is read,
    and lasts until the transaction ends (commit or rollback, even if the process dies).
    PostgreSQL: a transaction-level advisory lock, refused at once if another import holds
    it. SQLite: ``BEGIN IMMEDIATE`` takes the database's write lock, waiting for the
    busy timeout; the caller then reads the accounts as the other import left them.

    :raise Refused: another import holds the lock.
    """
    try:
        if on_postgresql():
            locked = db.session.scalar(
                sa.text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": LOCK_KEY}
            )
        else:
            locked = _begin_immediate()
    except sa.exc.OperationalError:  # SQLite: "database is locked" after the busy timeout
        locked = False
    if not locked:
        db.session.rollback()
        raise Refused(
            _l(
                "Another roster import is being applied; nothing changed. "
                "Try again when it has finished."
            )
        )


def _begin_immediate() -> bool:
    connection = db.session.connection()
    sqlite_connection = connection.connection.driver_connection
    assert sqlite_connection is not None, "the session's connection is open"
    if not sqlite_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    # else: the driver only opens a transaction before a write, so it holds the lock already.
    return True


def _apply(
    preview: Preview,
    people: _People,
    actor_id: int | None,
    now: datetime,
    progress: Progress = _no_progress,
) -> None:
    """Write the plan with bulk statements, audit it and commit, all in one transaction."""
    started = perf_counter()
    if preview.changes_anything:
        ids = {p.employee_id: p.id for p in people.by_id.values()}
        changes = len(preview.added) + len(preview.updated)
        changes += len(preview.deactivated) + len(preview.reactivated)
        progress("writing", 0, changes)
        users.insert_many(preview.added, ids, now)
        written = len(preview.added)
        progress("writing", written, changes)
        users.update_many([(u.person.id, u.entry, u.changes) for u in preview.updated], ids, now)
        written += len(preview.updated)
        progress("writing", written, changes)
        users.set_active_many(
            [(x.person.id, x.person.employee_id, x.reason) for x in preview.deactivated],
            [(p.id, p.employee_id) for p in preview.reactivated],
            now,
        )
        progress("writing", changes, changes)
        _write_audit(preview, ids, actor_id, now)
        # Newcomers and returners get what the assignment rules give them, in this transaction.
        joined = [ids[e.employee_id] for e in preview.added] + [
            ids[p.employee_id] for p in preview.reactivated
        ]
        if joined:
            assignments.assign_by_rules(user_ids=joined, now=now)
    db.session.commit()
    preview.applied = True
    preview.apply_seconds = perf_counter() - started


def _write_audit(
    preview: Preview, ids: dict[str, int], actor_id: int | None, now: datetime
) -> None:
    def event(action, subject_id, before, after):
        return {
            "occurred_at": now,
            "actor_id": actor_id,
            "action": action,
            "subject_user_id": subject_id,
            "course_id": None,
            "before": before,
            "after": after,
        }

    events = [
        event(
            "roster.user_added",
            ids[e.employee_id],
            None,
            _json(
                {k: v for k, v in e.values().items() if k not in users.PERSONAL_FIELDS}
                | {"manager_id": ids.get(e.manager) if e.manager else None, "active": e.active}
            ),
        )
        for e in preview.added
    ]
    events += [
        event("roster.user_updated", u.person.id, *users.trail(u.changes)) for u in preview.updated
    ]
    events += [
        event(
            "roster.user_deactivated",
            x.person.id,
            {"active": True},
            {"active": False, "reason": x.reason},
        )
        for x in preview.deactivated
    ]
    events += [
        event("roster.user_reactivated", p.id, {"active": False}, {"active": True})
        for p in preview.reactivated
    ]
    events.append(
        event(
            "roster.imported",
            None,
            None,
            {"filename": preview.filename, "sha256": preview.sha256} | preview.counts(),
        )
    )
    audit.refuse_personal_rows(events)
    bulk.insert(AuditEvent.__table__, events)


def _json(values: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}
