"""Deterministic benchmark data: ``python -m bench.generate --employees 100000``.

Writes into ``--database-url`` (default: ``DATABASE_URL``, else ``bench/bench-<N>.db``),
which it first resets (drops), so it refuses databases whose name lacks "bench" unless
``--force``. The schema comes from the app's own migrations (``flask_migrate.upgrade``
inside ``create_app``) and the bundled course is published by the app's content sync;
two optional courses are published as variants of it, so there are 3 courses.

People and their learning records go in with bulk statements (COPY on PostgreSQL,
``executemany`` on SQLite); the clearance table is then filled by one INSERT … SELECT
from the certifications, applying the same rules as :mod:`lms.rules.clearance`, and a
random sample is checked against the app's own :func:`lms.services.clearance.evaluate`.

Deterministic: the same seed, size and day give the same rows (only the computation
time of the clearances, the API token and the learners' password salt differ). Dates are laid out
relative to today (midnight UTC), so that "valid", "expired" and "overdue" mean what they
say on the day the benchmark runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import random
import sys
import time
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from bench.db import BENCH_DIR
from bench.db import BulkWriter
from bench.db import dialect_of
from bench.db import reset_database
from lms.models.certification import CODE_ALPHABET

if TYPE_CHECKING:
    import flask

SEED = 20251123
#: Bumped whenever the generated data changes shape, so the runner regenerates.
GENERATOR_VERSION = 6
REQUIRED_COURSE = "social-media-policy"  # the bundled course
#: The two optional courses, published as variants of the bundled one, and the share of
#: employees enrolled in each.
EXTRA_COURSES = [
    ("brand-voice-basics", "Brand voice basics", 0.30),
    ("crisis-comms-essentials", "Crisis communication essentials", 0.15),
]

#: The eight supported languages and how common each is as a preference.
LANGUAGES = {
    "en": 0.45,
    "de": 0.10,
    "fr": 0.10,
    "es": 0.10,
    "pt_BR": 0.08,
    "ja": 0.07,
    "zh_Hans": 0.06,
    "he": 0.04,
}
#: Fifteen countries, with the language most people there prefer.
COUNTRIES = {
    "US": "en",
    "GB": "en",
    "DE": "de",
    "FR": "fr",
    "ES": "es",
    "BR": "pt_BR",
    "JP": "ja",
    "CN": "zh_Hans",
    "IL": "he",
    "IN": "en",
    "CA": "en",
    "MX": "es",
    "NL": "en",
    "SE": "en",
    "AU": "en",
}
COUNTRY_WEIGHTS = [18, 8, 9, 7, 6, 6, 6, 5, 3, 8, 5, 4, 3, 3, 9]
DEPARTMENTS = [
    "Engineering",
    "Sales",
    "Marketing",
    "Customer Support",
    "Finance",
    "Human Resources",
    "Legal",
    "Operations",
    "Product",
    "Design",
    "Research",
    "Communications",
    "Procurement",
    "IT",
    "Security",
    "Facilities",
    "Data & Analytics",
    "Partnerships",
    "Quality",
    "Executive Office",
]
DEPARTMENT_WEIGHTS = [16, 14, 7, 12, 5, 3, 2, 8, 6, 3, 4, 2, 2, 4, 2, 2, 3, 2, 2, 1]
FIRST = [
    "Alex",
    "Sam",
    "Maria",
    "Jonas",
    "Aiko",
    "Wei",
    "Noa",
    "Lucas",
    "Emma",
    "Omar",
    "Priya",
    "Chen",
    "Sofia",
    "Yuki",
    "David",
    "Lea",
    "Mateo",
    "Hannah",
    "Ravi",
    "Ines",
    "Tomás",
    "Amira",
    "Kenji",
    "Olivia",
    "Ethan",
    "Zoe",
    "Felix",
    "Nadia",
    "Hugo",
    "Mei",
]
LAST = [
    "Smith",
    "Müller",
    "Garcia",
    "Tanaka",
    "Wang",
    "Cohen",
    "Silva",
    "Martin",
    "Rossi",
    "Kim",
    "Patel",
    "Dubois",
    "Schmidt",
    "Sato",
    "Lopez",
    "Nguyen",
    "Levi",
    "Novak",
    "Jensen",
    "Costa",
    "Khan",
    "Berg",
    "Moreau",
    "Ito",
    "Fischer",
    "Santos",
    "Weber",
    "Li",
    "Haddad",
    "Andersson",
]

#: Where each person stands on the required course (shares of everyone; leavers included,
#: the clearance SQL then says "inactive" for them).
REQUIRED_MIX = [
    ("cleared", 0.78),
    ("renewal_due", 0.06),
    ("expired", 0.05),
    ("in_progress", 0.07),
    ("not_started", 0.035),
    ("revoked", 0.005),
]
LEAVER_SHARE = 0.03
MANAGER_SHARE = 0.06

#: The module-page benchmark signs in as one of these per language.
LEARNER_PASSWORD = "bench-learner-password"


def learner_email(lang: str) -> str:
    return f"bench-learner-{lang.lower().replace('_', '-')}@bench.example"


META_TABLE = "bench_generated"  # one row in the scratch database: what made it


def app_with_bundled_courses(url: str) -> flask.Flask:
    """An app on the new, empty database ``url``: its schema migrated and the bundled
    courses published (what a deploy does first)."""
    import logging

    from lms import create_app
    from lms.services import content_store

    logging.getLogger("alembic").setLevel(logging.WARNING)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "AUTO_MIGRATE": True,
            "SECRET_KEY": "bench-generate",
            "SQLALCHEMY_ENGINE_OPTIONS": {},
        }
    )
    with app.app_context():
        content_store.sync(Path(app.config["CONTENT_ROOT"]))
    return app


def read_meta(url: str, table: str = META_TABLE) -> dict | None:
    """What a generator recorded in ``url`` (in ``table``), or None (no such database or
    table)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return json.loads(conn.scalar(sa.text(f"SELECT meta FROM {table}")))
    except (sa.exc.SQLAlchemyError, TypeError, ValueError):
        return None
    finally:
        engine.dispose()


def _write_meta(engine: sa.Engine, meta: dict) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE TABLE {META_TABLE} (meta TEXT NOT NULL)"))
        conn.execute(
            sa.text(f"INSERT INTO {META_TABLE} (meta) VALUES (:m)"), {"m": json.dumps(meta)}
        )


# --- the generator --------------------------------------------------------------------


@dataclasses.dataclass
class CourseInfo:
    id: str
    version_id: int
    major: int
    minor: int
    required: bool
    module_ids: list[str]
    module_seconds: dict[str, int]
    languages: set[str]
    source_language: str
    validity_days: int
    due_days: int
    pass_mark: int
    draws: list[tuple[list, dict, dict, float]]  # questions, passing, failing answers, score
    #: Per draw, its attempt_responses as (question id, right, chosen, rest score): passed
    #: and failed, as lms.services.responses would write them.
    responses: list[tuple[list[tuple], list[tuple]]]
    version: str
    content_hash: str
    #: lang -> (statement's language, statement): the written attestation behind each
    #: certification, as the affirm page shows it; empty when the course asks for none.
    statements: dict[str, tuple[str, str]]


def _course_info(version, course, rng: random.Random) -> CourseInfo:
    from lms.rules.attempts import draw_questions

    quiz = course.quiz(course.meta.source_language)
    by_id = {q.id: q for q in quiz.questions}
    draws = []
    for _ in range(32):
        questions = draw_questions(quiz, rng)
        passing = {q["id"]: sorted(by_id[q["id"]].correct_ids) for q in questions}
        failing = dict(passing)
        wrong = 0
        for q in questions[: max(1, len(questions) // 3)]:
            others = [a.id for a in by_id[q["id"]].answers if not a.correct]
            if others:
                failing[q["id"]] = [others[0]]
                wrong += 1
        fail_score = round(100 * (len(questions) - wrong) / len(questions), 2)
        draws.append((questions, passing, failing, fail_score))
    src = course.meta.source_language
    meta = course.meta
    statements = {
        lang: meta.attestation_statement(lang, version.version)
        for lang in LANGUAGES
        if meta.attestation_required
    }
    return CourseInfo(
        id=course.id,
        version_id=version.id,
        major=version.major,
        minor=version.minor,
        required=version.required,
        module_ids=course.module_ids,
        module_seconds={m.id: m.reading_seconds for m in course.modules[src]},
        languages=set(course.languages),
        source_language=src,
        validity_days=course.meta.validity_days,
        due_days=course.meta.due_days,
        pass_mark=course.meta.pass_mark,
        draws=draws,
        responses=[
            (_responses(q, passing, by_id), _responses(q, failing, by_id))
            for q, passing, failing, _score in draws
        ],
        version=version.version,
        content_hash=version.content_hash,
        statements=statements,
    )


def _responses(questions: list, answers: dict, by_id: dict) -> list[tuple]:
    """(question id, right, chosen, rest score) per drawn question, graded by the app's
    own rule."""
    from lms.rules.grading import question_points

    points = {
        q["id"]: question_points(
            by_id[q["id"]].kind, by_id[q["id"]].correct_ids, frozenset(answers[q["id"]])
        )
        for q in questions
    }
    total, others = sum(points.values()), len(questions) - 1
    return [
        (
            qid,
            value >= 1.0,
            ",".join(sorted(answers[qid])),
            (total - value) / others if others else None,
        )
        for qid, value in points.items()
    ]


def _publish_variants(log) -> None:
    """Two optional courses, made from the bundled one (new id, title, not required)."""
    from lms.extensions import db
    from lms.queries import catalog
    from lms.services import content_store

    base = catalog.course_of(catalog.latest_version(REQUIRED_COURSE))
    for course_id, title, _share in EXTRA_COURSES:
        if catalog.latest_version(course_id) is not None:
            continue
        meta = dataclasses.replace(
            base.meta,
            id=course_id,
            required=False,
            titles={lang: title for lang in base.meta.titles},
            descriptions={"en": f"{title} (benchmark course)."},
        )
        digest = hashlib.sha256(f"{course_id}\0{base.content_hash}".encode()).hexdigest()
        variant = dataclasses.replace(base, meta=meta, content_hash=digest)
        content_store.publish(variant, origin="editor")
        log(f"  published {course_id} {meta.version} (variant of {REQUIRED_COURSE})")
    db.session.commit()


class _Rows:
    """Row buffers and id counters for everything the generator writes."""

    def __init__(self):
        self.users: list[tuple] = []
        self.roles: list[tuple] = []
        self.lead_departments: list[tuple] = []
        self.enrollments: list[tuple] = []
        self.progress: list[tuple] = []
        self.attempts: list[tuple] = []
        self.responses: list[tuple] = []
        self.certs: list[tuple] = []
        self.attestations: list[tuple] = []
        self.names: dict[int, str] = {}
        self.next = {"enrollment": 1, "progress": 1, "attempt": 1, "cert": 1}

    def take(self, kind: str) -> int:
        n = self.next[kind]
        self.next[kind] = n + 1
        return n


USER_COLS = (
    "id",
    "employee_id",
    "email",
    "name",
    "department",
    "country",
    "manager_id",
    "preferred_language",
    "hire_date",
    "active",
    "roster_managed",
    "password_hash",
    "created_at",
)
ENROLLMENT_COLS = (
    "id",
    "user_id",
    "course_id",
    "reason",
    "assigned_at",
    "due_at",
    "completed_at",
    "last_attempt_at",
)
PROGRESS_COLS = (
    "id",
    "enrollment_id",
    "module_id",
    "course_version_id",
    "lang",
    "started_at",
    "completed_at",
    "seconds_spent",
    "counted_until",
)
ATTEMPT_COLS = (
    "id",
    "enrollment_id",
    "user_id",
    "course_id",
    "course_version_id",
    "lang",
    "status",
    "questions",
    "answers",
    "score",
    "passed",
    "started_at",
    "submitted_at",
)
RESPONSE_COLS = (
    "attempt_id",
    "question_id",
    "course_id",
    "course_version_id",
    "lang",
    "correct",
    "chosen",
    "rest_score",
)
ATTESTATION_COLS = (
    "id",
    "certification_id",
    "attempt_id",
    "user_id",
    "course_id",
    "course_version_id",
    "version",
    "content_hash",
    "lang",
    "statement",
    "typed_name",
    "ip_address",
    "attested_at",
)
CERT_COLS = (
    "id",
    "user_id",
    "course_id",
    "course_version_id",
    "major",
    "minor",
    "attempt_id",
    "issued_at",
    "expires_at",
    "status",
    "verification_code",
)


class _People:
    def __init__(
        self, rng: random.Random, rows: _Rows, courses: dict[str, CourseInfo], today: datetime
    ):
        self.rng, self.rows, self.courses, self.today = rng, rows, courses, today

    def code(self, cert_id: int) -> str:
        """A verification code in the app's form, unique by construction (the id, in the
        code's alphabet, after 16 seeded random characters): one per certificate."""
        chars = [self.rng.choice(CODE_ALPHABET) for _ in range(16)]
        for _ in range(8):
            cert_id, digit = divmod(cert_id, len(CODE_ALPHABET))
            chars.append(CODE_ALPHABET[digit])
        return "-".join("".join(chars[i : i + 4]) for i in range(0, 24, 4))

    def at(self, days_ago: float) -> datetime:
        """A moment ``days_ago`` days before today's midnight, to the second."""
        return self.today - timedelta(seconds=int(days_ago * 86400))

    def lang_for(self, course: CourseInfo, lang: str) -> str:
        return lang if lang in course.languages else course.source_language

    def progress(
        self,
        enrollment_id: int,
        course: CourseInfo,
        lang: str,
        start: datetime,
        end: datetime,
        done: int,
        partial: bool = False,
    ) -> None:
        span = max(60, int((end - start).total_seconds()))
        for position, module_id in enumerate(course.module_ids[: done + partial]):
            started = start + timedelta(seconds=int(span * position / (done + 1)))
            finished = position < done
            seconds = int(course.module_seconds[module_id] * self.rng.uniform(0.6, 1.6))
            completed = started + timedelta(seconds=seconds) if finished else None
            self.rows.progress.append(
                (
                    self.rows.take("progress"),
                    enrollment_id,
                    module_id,
                    course.version_id,
                    self.lang_for(course, lang),
                    started,
                    completed,
                    seconds if finished else 0,
                    completed,
                )
            )

    def attempt(
        self,
        enrollment_id: int,
        user_id: int,
        course: CourseInfo,
        lang: str,
        started: datetime,
        passed: bool,
    ) -> int:
        draw = self.rng.randrange(len(course.draws))
        questions, passing, failing, fail_score = course.draws[draw]
        attempt_id = self.rows.take("attempt")
        attempt_lang = self.lang_for(course, lang)
        self.rows.responses.extend(
            (attempt_id, qid, course.id, course.version_id, attempt_lang, right, chosen, rest)
            for qid, right, chosen, rest in course.responses[draw][0 if passed else 1]
        )
        submitted = started + timedelta(seconds=self.rng.randint(180, 900))
        self.rows.attempts.append(
            (
                attempt_id,
                enrollment_id,
                user_id,
                course.id,
                course.version_id,
                self.lang_for(course, lang),
                "submitted",
                questions,
                passing if passed else failing,
                100.0 if passed else fail_score,
                passed,
                started,
                submitted,
            )
        )
        return attempt_id

    def completed_run(
        self,
        user_id: int,
        course: CourseInfo,
        lang: str,
        issued_days_ago: float,
        reason: str,
        cert_status: str = "active",
    ) -> datetime:
        """Enrolled, read every module, passed the quiz (maybe after a fail), certified."""
        rng = self.rng
        issued = self.at(issued_days_ago)
        assigned = issued - timedelta(days=rng.randint(2, 25), seconds=rng.randint(0, 86399))
        enrollment_id = self.rows.take("enrollment")
        self.rows.enrollments.append(
            (
                enrollment_id,
                user_id,
                course.id,
                reason,
                assigned,
                assigned + timedelta(days=course.due_days),
                issued,
                issued - timedelta(seconds=600),
            )
        )
        reading_end = issued - timedelta(seconds=rng.randint(1800, 3 * 86400))
        self.progress(enrollment_id, course, lang, assigned, reading_end, len(course.module_ids))
        if rng.random() < 0.2:
            self.attempt(
                enrollment_id,
                user_id,
                course,
                lang,
                reading_end + timedelta(seconds=60),
                passed=False,
            )
        attempt_id = self.attempt(
            enrollment_id, user_id, course, lang, issued - timedelta(seconds=600), passed=True
        )
        expires = issued + timedelta(days=course.validity_days)
        cert_id = self.rows.take("cert")
        self.rows.certs.append(
            (
                cert_id,
                user_id,
                course.id,
                course.version_id,
                course.major,
                course.minor,
                attempt_id,
                issued,
                expires,
                cert_status,
                self.code(cert_id),
            )
        )
        if course.statements:  # affirmed in writing before it was issued, as the app asks
            used, statement = course.statements[self.lang_for(course, lang)]
            self.rows.attestations.append(
                (
                    len(self.rows.attestations) + 1,
                    cert_id,
                    attempt_id,
                    user_id,
                    course.id,
                    course.version_id,
                    course.version,
                    course.content_hash,
                    used,
                    statement,
                    self.rows.names[user_id],
                    None,
                    issued,
                )
            )
        return expires

    def open_run(
        self,
        user_id: int,
        course: CourseInfo,
        lang: str,
        reason: str,
        assigned: datetime,
        due: datetime | None,
        modules_done: int,
        failed_attempt: bool = False,
    ) -> None:
        enrollment_id = self.rows.take("enrollment")
        last_attempt = None
        if modules_done:
            end = min(self.today, assigned + timedelta(days=self.rng.randint(1, 20)))
            self.progress(
                enrollment_id,
                course,
                lang,
                assigned,
                end,
                modules_done,
                partial=modules_done < len(course.module_ids),
            )
            if failed_attempt and modules_done == len(course.module_ids):
                last_attempt = end + timedelta(seconds=120)
                self.attempt(enrollment_id, user_id, course, lang, last_attempt, passed=False)
        self.rows.enrollments.append(
            (enrollment_id, user_id, course.id, reason, assigned, due, None, last_attempt)
        )

    def required_course(self, user_id: int, lang: str, group: str) -> None:
        rng, course = self.rng, self.courses[REQUIRED_COURSE]
        n_modules = len(course.module_ids)
        if group == "cleared":
            self.completed_run(user_id, course, lang, rng.uniform(1, 334), "required")
        elif group == "renewal_due":
            expires = self.completed_run(user_id, course, lang, rng.uniform(336, 363), "required")
            opened = expires - timedelta(days=30)
            self.open_run(
                user_id,
                course,
                lang,
                "renewal",
                min(opened, self.today),
                expires,
                rng.randint(0, 3),
            )
        elif group == "expired":
            expires = self.completed_run(user_id, course, lang, rng.uniform(370, 600), "required")
            self.open_run(
                user_id,
                course,
                lang,
                "renewal",
                expires - timedelta(days=30),
                expires,
                rng.choice([0, 0, 1, 2, 4]),
            )
        elif group == "in_progress":
            assigned = self.at(rng.uniform(1, 60))
            done = rng.randint(1, n_modules)
            self.open_run(
                user_id,
                course,
                lang,
                "required",
                assigned,
                assigned + timedelta(days=course.due_days),
                done,
                failed_attempt=rng.random() < 0.3,
            )
        elif group == "not_started":
            assigned = self.at(rng.uniform(0.5, 45))
            self.open_run(
                user_id,
                course,
                lang,
                "required",
                assigned,
                assigned + timedelta(days=course.due_days),
                0,
            )
        elif group == "revoked":
            self.completed_run(
                user_id, course, lang, rng.uniform(30, 300), "required", cert_status="revoked"
            )
            self.open_run(
                user_id,
                course,
                lang,
                "required",
                self.at(rng.uniform(1, 20)),
                self.today + timedelta(days=course.due_days),
                0,
            )

    def optional_course(self, user_id: int, course: CourseInfo, lang: str) -> None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.45:
            self.completed_run(user_id, course, lang, rng.uniform(1, 340), "self")
        elif roll < 0.60:
            self.completed_run(user_id, course, lang, rng.uniform(370, 700), "self")  # expired
        else:
            self.open_run(
                user_id,
                course,
                lang,
                "self",
                self.at(rng.uniform(1, 120)),
                None,
                rng.randint(0, len(course.module_ids) - 1),
            )


def _build_people(
    employees: int,
    seed: int,
    courses: dict[str, CourseInfo],
    today: datetime,
    now: datetime,
    password_hash: str,
) -> _Rows:
    rng = random.Random(seed)
    rows = _Rows()
    people = _People(rng, rows, courses, today)
    countries = list(COUNTRIES)
    groups = [g for g, _ in REQUIRED_MIX]
    group_weights = [w for _, w in REQUIRED_MIX]
    langs, lang_weights = list(LANGUAGES), list(LANGUAGES.values())
    n_managers = max(len(DEPARTMENTS), int(employees * MANAGER_SHARE))
    managers_by_dept: dict[str, list[int]] = {d: [] for d in DEPARTMENTS}
    extras = [(courses[cid], share) for cid, _title, share in EXTRA_COURSES]

    for i in range(1, employees + 1):
        if i <= len(DEPARTMENTS):  # department heads first: nobody above them
            dept = DEPARTMENTS[i - 1]
            manager = None
        else:
            dept = rng.choices(DEPARTMENTS, DEPARTMENT_WEIGHTS)[0]
            pool = managers_by_dept[dept]
            manager = rng.choice(pool) if pool else DEPARTMENTS.index(dept) + 1
        if i <= n_managers:
            managers_by_dept[dept].append(i)
        country = rng.choices(countries, COUNTRY_WEIGHTS)[0]
        roll = rng.random()
        if roll < 0.6:
            lang = COUNTRIES[country]
        elif roll < 0.9:
            lang = rng.choices(langs, lang_weights)[0]
        else:
            lang = None  # no preference: the browser's Accept-Language decides
        first, last = rng.choice(FIRST), rng.choice(LAST)
        rows.names[i] = f"{first} {last}"
        active = rng.random() >= LEAVER_SHARE
        hired = today.date() - timedelta(days=rng.randint(1, 15 * 365))
        rows.users.append(
            (
                i,
                f"E{i:06d}",
                f"{_ascii(first)}.{_ascii(last)}.{i}@example.com".lower(),
                f"{first} {last}",
                dept,
                country,
                manager,
                lang,
                hired,
                active,
                True,
                None,
                today - timedelta(days=rng.randint(0, 400)),
            )
        )
        group = rng.choices(groups, group_weights)[0]
        people.required_course(i, lang or "en", group)
        for course, share in extras:
            if rng.random() < share:
                people.optional_course(i, course, lang or "en")

    # Roles: an admin, a few HR people and marketing, every department head a lead.
    rows.roles.append((1, "admin"))
    for uid in range(2, 2 + max(2, employees // 5000)):
        rows.roles.append((uid, "hr"))
    for uid in range(1, len(DEPARTMENTS) + 1):
        rows.roles.append((uid, "lead"))
        rows.lead_departments.append((uid, DEPARTMENTS[uid - 1]))  # the one they head
    rows.roles.append((len(DEPARTMENTS) + 1, "marketing"))

    # One learner per language for the module-page benchmark: signed in, enrolled (open)
    # in every course, every module started (so no request makes a first-view write, and
    # concurrent first views cannot race): the page serves reading, as it does most often.
    for n, lang in enumerate(LANGUAGES, start=employees + 1):
        rows.users.append(
            (
                n,
                f"BENCH-{lang}",
                learner_email(lang),
                f"Bench learner {lang}",
                "Marketing",
                "US",
                None,
                lang,
                date(2020, 1, 1),
                True,
                False,
                password_hash,
                today,
            )
        )
        for course in courses.values():
            enrollment_id = rows.next["enrollment"]
            people.open_run(
                n,
                course,
                lang,
                "required" if course.required else "self",
                today - timedelta(days=1),
                today + timedelta(days=course.due_days) if course.required else None,
                0,
            )
            people.progress(
                enrollment_id, course, lang, today - timedelta(days=1), today, done=0, partial=True
            )
            for module_id in course.module_ids[1:]:  # the first came from progress()
                rows.progress.append(
                    (
                        rows.take("progress"),
                        enrollment_id,
                        module_id,
                        course.version_id,
                        people.lang_for(course, lang),
                        today - timedelta(hours=12),
                        None,
                        0,
                        None,
                    )
                )
    return rows


def _search_terms(users: list[tuple]):
    """The people directory's index rows, by the app's own rule (lms.rules.search_terms)."""
    from lms.rules.search_terms import terms_of

    for user_id, employee_id, email, name, *_ in users:
        for term in sorted(terms_of(name, email, employee_id)):
            yield (user_id, term)


def _ascii(name: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()


# --- clearance in SQL -----------------------------------------------------------------


def clearance_sql(dialect: str, course: CourseInfo) -> list[str]:
    """Statements filling ``clearances`` from ``certifications`` with one INSERT … SELECT.

    The same decision as :func:`lms.rules.clearance.evaluate` for the case the generator
    makes: one required course with one published version and no recertification
    deadline. Per person: the best valid certification (active, unexpired; longest-lived
    wins) clears them until it expires; otherwise the course is ``expired`` (an active one
    lapsed), ``revoked`` (only revoked ones) or ``not_certified``; leavers are not cleared,
    with ``inactive`` first among the reasons.
    """
    if dialect == "postgresql":

        def iso(col):
            return f"""to_char({col}, 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"')"""

        def as_json(expr):
            return f"CAST({expr} AS json)"

        version = "b.major::text || '.' || b.minor::text"
        latest_version = "l.major::text || '.' || l.minor::text"
        active_true = "u.active"
    else:

        def iso(col):
            return f"replace(substr({col}, 1, 19), ' ', 'T') || '+00:00'"

        def as_json(expr):
            return expr

        version = "b.major || '.' || b.minor"
        latest_version = "l.major || '.' || l.minor"
        active_true = "u.active = 1"
    current = f"{course.major}.{course.minor}"
    cid = course.id
    status = (
        "CASE WHEN b.user_id IS NOT NULL THEN 'cleared' "
        "WHEN a.n_active > 0 THEN 'expired' "
        "WHEN a.n > 0 THEN 'revoked' ELSE 'not_certified' END"
    )
    certified = (
        f"CASE WHEN b.user_id IS NOT NULL THEN {version} "
        f"WHEN l.user_id IS NOT NULL THEN {latest_version} END"
    )

    def q(expr):  # a JSON string, or null
        return f"COALESCE('\"' || {expr} || '\"', 'null')"

    course_json = (
        f'\'{{"course_id": "{cid}", "status": "\' || s.status || \'", '
        f"\"valid_until\": ' || {q(iso('s.expires_at'))} || ', "
        f"\"certified_version\": ' || {q('s.certified')} || ', "
        f'"current_version": "{current}"}}\''
    )
    course_reason = f'\'{{"code": "\' || s.status || \'", "course_id": "{cid}", "until": null}}\''
    inactive_reason = '\'{"code": "inactive", "course_id": null, "until": null}\''
    reasons = (
        f"'[' || CASE WHEN s.active THEN '' ELSE {inactive_reason} END"
        f" || CASE WHEN s.status = 'cleared' THEN '' "
        f"ELSE CASE WHEN s.active THEN '' ELSE ', ' END || {course_reason} END || ']'"
    )
    where = f"course_id = '{cid}'"
    return [
        # Three small per-person tables first: joining window-function subqueries directly
        # makes SQLite rescan them per person (7.5 s for 10,000 people instead of 0.2 s).
        f"""CREATE TEMPORARY TABLE bench_best AS
            SELECT user_id, major, minor, expires_at FROM (
              SELECT user_id, major, minor, expires_at,
                     ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY expires_at DESC, id) AS rn
              FROM certifications
              WHERE {where} AND status = 'active' AND expires_at > :now) x WHERE rn = 1""",
        f"""CREATE TEMPORARY TABLE bench_latest AS
            SELECT user_id, major, minor FROM (
              SELECT user_id, major, minor,
                     ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY issued_at DESC, id DESC)
                     AS rn
              FROM certifications WHERE {where}) x WHERE rn = 1""",
        f"""CREATE TEMPORARY TABLE bench_counts AS
            SELECT user_id, COUNT(*) AS n,
                   SUM(CASE WHEN status = 'active' THEN 1 ELSE 0 END) AS n_active
            FROM certifications WHERE {where} GROUP BY user_id""",
        "CREATE UNIQUE INDEX bench_best_user ON bench_best (user_id)",
        "CREATE UNIQUE INDEX bench_latest_user ON bench_latest (user_id)",
        "CREATE UNIQUE INDEX bench_counts_user ON bench_counts (user_id)",
        f"""
INSERT INTO clearances (user_id, cleared, valid_until, reasons, courses, computed_at)
SELECT s.user_id,
       CASE WHEN s.active AND s.status = 'cleared' THEN {_true(dialect)}
            ELSE {_false(dialect)} END,
       CASE WHEN s.active AND s.status = 'cleared' THEN s.expires_at END,
       {as_json(reasons)},
       {as_json("'[' || " + course_json + " || ']'")},
       :now
FROM (
  SELECT u.id AS user_id, {active_true} AS active, {status} AS status,
         b.expires_at AS expires_at, {certified} AS certified
  FROM users u
  LEFT JOIN bench_best b ON b.user_id = u.id
  LEFT JOIN bench_latest l ON l.user_id = u.id
  LEFT JOIN bench_counts a ON a.user_id = u.id
) s""",
        "DROP TABLE bench_best",
        "DROP TABLE bench_latest",
        "DROP TABLE bench_counts",
    ]


def _true(dialect):
    return "TRUE" if dialect == "postgresql" else "1"


def _false(dialect):
    return "FALSE" if dialect == "postgresql" else "0"


def _verify_sample(app, now: datetime, rng: random.Random, employees: int, n: int = 300) -> int:
    """Compare the stored clearance of ``n`` random people with the app's own evaluation."""
    from lms.extensions import db
    from lms.models import Clearance
    from lms.models import User
    from lms.queries import catalog
    from lms.services import clearance

    required = catalog.required_courses()
    ids = rng.sample(range(1, employees + 1), min(n, employees))
    for uid in ids:
        user = db.session.get(User, uid)
        result = clearance.evaluate(user, now, required)
        row = db.session.get(Clearance, uid)
        expected = {
            "cleared": result.cleared,
            "valid_until": result.valid_until,
            "reasons": [clearance._reason_json(r) for r in result.reasons],
            "courses": [clearance._course_json(s) for s in result.courses],
        }
        stored = {
            "cleared": row.cleared,
            "valid_until": row.valid_until,
            "reasons": row.reasons,
            "courses": row.courses,
        }
        if expected != stored:
            raise SystemExit(
                f"clearance of user {uid} disagrees with the app's rules:\n"
                f"  stored   {stored}\n  expected {expected}"
            )
    return len(ids)


# --- entry points ---------------------------------------------------------------------


def generate(url: str, employees: int, seed: int = SEED, force: bool = False, log=print) -> dict:
    """Reset ``url`` and fill it; returns counts, timings and the plain API token."""
    from werkzeug.security import generate_password_hash

    from lms.extensions import db
    from lms.models import ApiToken
    from lms.queries import catalog

    timings: dict[str, float] = {}
    started = time.perf_counter()

    def lap(name: str, since: float) -> float:
        now_ = time.perf_counter()
        timings[name] = round(now_ - since, 3)
        log(f"  {name}: {timings[name]:.2f} s")
        return now_

    dialect = dialect_of(url)
    log(f"generating {employees:,} employees into {sa.make_url(url).render_as_string()}")
    t = time.perf_counter()
    reset_database(url, force=force)
    t = lap("reset database", t)

    app = app_with_bundled_courses(url)
    t = lap("schema (migrations) and bundled course (content sync)", t)
    now = datetime.now(UTC).replace(microsecond=0)
    today = now.replace(hour=0, minute=0, second=0)
    with app.app_context():
        _publish_variants(log)
        rng = random.Random(seed)
        courses = {}
        for version in catalog.current_versions():
            courses[version.course_id] = _course_info(version, catalog.course_of(version), rng)
        required = [c for c in courses.values() if c.required]
        if [c.id for c in required] != [REQUIRED_COURSE] or any(
            v.recertify_by for v in catalog.current_versions()
        ):
            raise SystemExit(
                "the generator expects exactly one required course "
                f"({REQUIRED_COURSE}) with one version"
            )
        t = lap("two more courses", t)

        password_hash = generate_password_hash(LEARNER_PASSWORD)
        rows = _build_people(
            employees,
            seed,
            courses,
            today.replace(tzinfo=None),
            now.replace(tzinfo=None),
            password_hash,
        )
        t = lap("build rows in memory", t)

        token_row, token = ApiToken.issue("benchmark")
        writer = BulkWriter(db.engine, db.metadata)
        try:
            writer.insert("users", USER_COLS, rows.users)
            writer.insert("person_search_terms", ("user_id", "term"), _search_terms(rows.users))
            writer.insert("user_roles", ("user_id", "role"), rows.roles)
            writer.insert("lead_departments", ("user_id", "department"), rows.lead_departments)
            writer.insert("enrollments", ENROLLMENT_COLS, rows.enrollments)
            writer.insert("module_progress", PROGRESS_COLS, rows.progress)
            writer.insert("quiz_attempts", ATTEMPT_COLS, rows.attempts)
            writer.insert("attempt_responses", RESPONSE_COLS, rows.responses)
            writer.insert("certifications", CERT_COLS, rows.certs)
            writer.insert("attestations", ATTESTATION_COLS, rows.attestations)
            writer.insert(
                "api_tokens",
                ("name", "token_hash", "created_at"),
                [(token_row.name, token_row.token_hash, now.replace(tzinfo=None))],
            )
            writer.fix_sequences(
                [
                    "users",
                    "enrollments",
                    "module_progress",
                    "quiz_attempts",
                    "certifications",
                    "attestations",
                ]
            )
            writer.commit()
            t = lap("bulk insert", t)
            cur = writer.raw.cursor()
            naive_now = now.replace(tzinfo=None)
            for sql in clearance_sql(dialect, courses[REQUIRED_COURSE]):
                if ":now" not in sql:
                    cur.execute(sql)
                elif dialect == "postgresql":
                    cur.execute(sql.replace(":now", "%(now)s"), {"now": naive_now})
                else:
                    cur.execute(sql, {"now": naive_now.strftime("%Y-%m-%d %H:%M:%S.%f")})
            cur.close()
            writer.commit()
            t = lap("clearances (INSERT ... SELECT)", t)
            from lms.services import person_status  # the app's own set-based statement

            person_status.refresh_everyone()
            db.session.commit()
            db.session.remove()
            t = lap("person_course_status (the app's INSERT ... SELECT)", t)
            if dialect == "postgresql":
                writer.raw.driver_connection.autocommit = True
                writer.execute("VACUUM ANALYZE")  # what autovacuum would have done by now
                writer.raw.driver_connection.autocommit = False
                t = lap("VACUUM ANALYZE", t)
            else:  # SQLite keeps no statistics by itself: what `ANALYZE` after a load gives
                writer.execute("ANALYZE")
                writer.commit()
                t = lap("ANALYZE", t)
        finally:
            counts = dict(writer.counts)
            writer.close()
        db.session.remove()
        checked = _verify_sample(app, now, random.Random(seed + 1), employees)
        db.session.remove()
        t = lap(f"check {checked} clearances against lms.services.clearance", t)
        counts["clearances"] = db.session.scalar(sa.text("SELECT COUNT(*) FROM clearances"))
        cleared = db.session.scalar(
            sa.text(
                "SELECT COUNT(*) FROM clearances WHERE cleared"
                if dialect == "postgresql"
                else "SELECT COUNT(*) FROM clearances WHERE cleared = 1"
            )
        )
        head = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
        db.session.remove()
        timings["total"] = round(time.perf_counter() - started, 3)
        meta = {
            "url": sa.make_url(url).render_as_string(),
            "employees": employees,
            "seed": seed,
            "generator_version": GENERATOR_VERSION,
            "day": today.date().isoformat(),
            "schema_head": head,
            "counts": counts,
            "cleared": cleared,
            "timings_s": timings,
            "courses": sorted(courses),
            "token_sha256": token_row.token_hash,
        }
        _write_meta(db.engine, meta)
        db.engine.dispose()

    (BENCH_DIR / ".token").write_text(token + "\n")
    log("  rows: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    log(
        f"  cleared: {cleared:,} of {counts['clearances']:,} "
        f"({100 * cleared / max(1, counts['clearances']):.1f}%)"
    )
    log(f"  total: {timings['total']:.2f} s; API token written to bench/.token")
    return {**meta, "token": token}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help="default: $DATABASE_URL, else sqlite:///bench/bench-<N>.db",
    )
    parser.add_argument(
        "--force", action="store_true", help="reset a database even though its name lacks 'bench'"
    )
    args = parser.parse_args(argv)
    url = args.database_url
    if not url:
        from bench.db import default_url

        url = default_url("sqlite", args.employees)
    generate(url, args.employees, args.seed, force=args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
