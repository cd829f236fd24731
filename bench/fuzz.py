"""Send naughty values into every route as every role: no answer may be a server error.

``python -m bench.fuzz [--examples 5000] [--db sqlite|postgresql|both] [--seed N]``

The routes come from the app's URL map (each rule's converters and methods). A crawl of the
pages each role can reach supplies what a real browser would send: real values for path
parameters, the query keys of links and GET forms, and the fields of every POST form (with
their file inputs). Hypothesis then draws requests that mix those real values with naughty
ones: the Big List of Naughty Strings, NUL bytes, malformed percent-encoding, invalid UTF-8,
surrogates, RTL marks, huge integers, far dates, non-ASCII digits. Every answer with a
status of 500 or more (or an exception behind one) is a failure.

``tests/web/test_fuzz_routes.py`` runs a few seeded examples per route × method × role on
both databases; this module's command runs a longer campaign on a fresh database and prints
every distinct failure. The strategies live only here, so both exercise the same requests.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import time
import traceback
from collections import Counter
from collections import defaultdict
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote
from urllib.parse import urlsplit

from flask import Flask
from flask import got_request_exception
from hypothesis import HealthCheck
from hypothesis import Phase
from hypothesis import given
from hypothesis import seed as hypothesis_seed
from hypothesis import settings
from hypothesis import strategies as st
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule

ROOT = Path(__file__).resolve().parent.parent
STRINGS = ROOT / "tests" / "data" / "strings"
TEST_CONTENT = ROOT / "tests" / "data" / "content"
PASSWORD = "fuzz: correct horse battery staple"

#: The roles a request is sent as; ``anonymous`` is not signed in.
ROLES = ("anonymous", "employee", "hr", "marketing", "lead", "admin")
#: API routes (the clearance API, SCIM) take a bearer token instead of a session.
API_CALLERS = ("no token", "token")
TOKEN_ROUTES = ("/api/", "/scim/")

# ---------------------------------------------------------------- the naughty values

#: Values aimed at known weak spots: what PostgreSQL text cannot store, what int() and
#: date arithmetic choke on, digits that are not ASCII, bidi controls, surrogates.
SPECIAL = [
    "\x00", "a\x00b", "\x00\x00", "%00", "\x01", "\x7f", "\r\n", "\t",
    "\u202e", "\u200f", "\u2066x\u2069", "\u200b", "\ufeff", "\ufffd", "\ud800", "\udfff",
    "\ud83d\ude00", "²", "１", "٣", "๓", "-1", "0", "-0", "+1", "1e309", "nan", "inf",
    "2147483648", "9223372036854775807", "9223372036854775808", "99999999999999999999",
    "9" * 5000, "1" * 200, "9999-12-31", "0001-01-01", "10000-01-01", "2024-02-30",
    "9999-12-31T23:59:59", "-0001-01-01", "x" * 300, "a" * 5000, "../../etc/passwd",
    "..", ".", "/", "//evil.example", "\\", "__none__", "q-", "<script>alert(1)</script>",
    "' OR 1=1 --", "{{7*7}}", "%s%s%s", "e\u0301", "Ω", "中文", "עברית",
]  # fmt: skip

#: Raw percent-encoding that no encoder produces: truncated, invalid hex, overlong UTF-8,
#: UTF-8 surrogates, beyond U+10FFFF, bare continuation bytes.
MALFORMED = [
    "%",
    "%zz",
    "%0",
    "%%",
    "%ff%fe",
    "%ED%A0%80",
    "%ED%B0%80",
    "%C0%80",
    "%C0%AF",
    "%E2%82",
    "%F4%90%80%80",
    "%80",
    "%FE%FF",
    "a%00b",
    "%2e%2e%2f",
]

#: File contents for upload fields: empty, NUL, UTF-16 with a BOM, Latin-1, a header only.
FILES = [
    b"", b"\x00", b"\x00" * 64, b"\xff\xfe" + "employee_id,email,name\n".encode("utf-16-le"),
    "employee_id;email;name\nE1;ä@example.com;Jürgen\n".encode("latin-1"),
    b"employee_id,email,name\n", b"employee_id,email,name\nE\x001,a@example.com,A\n",
    b"::Q1:: 2+2 {=4 ~5}\n", b"::Q:: {", b"\xed\xa0\x80", "\u202e\n".encode(),
]  # fmt: skip


@cache
def naughty_strings() -> list[str]:
    """:data:`SPECIAL`, the Big List of Naughty Strings, then real multilingual text."""
    strings = json.loads((STRINGS / "blns.json").read_text(encoding="utf-8"))
    real = json.loads((STRINGS / "real-multilingual-strings.json").read_text(encoding="utf-8"))
    strings += [c["text"] for c in real["long_compounds"]]
    strings += [text for text in real["udhr_article1"].values() if isinstance(text, str)]
    strings += [p[key] for p in real["normalization_pairs"] for key in ("nfc", "nfd")]
    return list(dict.fromkeys(SPECIAL + strings))


def encode(value: str, safe: str = "") -> str:
    """Percent-encode as a browser would, except that surrogates pass (as CESU-8 bytes)."""
    return quote(value.encode("utf-8", "surrogatepass"), safe=safe)


def big_numbers() -> st.SearchStrategy[str]:
    return st.one_of(
        st.integers(min_value=2**31 - 2, max_value=2**70),
        st.integers(min_value=-(2**70), max_value=-1),
    ).map(str)


def naughty_text() -> st.SearchStrategy[str]:
    """Text values as a person or an attacker might type them."""
    return st.one_of(
        st.sampled_from(SPECIAL),
        st.sampled_from(naughty_strings()),
        st.text(max_size=12),
        big_numbers(),
    )


def raw_value(known: Iterable[str] = (), safe: str = "") -> st.SearchStrategy[str]:
    """A percent-encoded value: often a known good one, else naughty or malformed."""
    choices = [naughty_text().map(lambda v: encode(v, safe)), st.sampled_from(MALFORMED)]
    known = sorted(set(known))
    if known:
        good = st.sampled_from(known).map(lambda v: encode(v, safe))
        choices = [good, good, *choices]
    return st.one_of(choices)


# ---------------------------------------------------------------- what the pages show


@dataclass
class Form:
    """A POST form found on a page: field name -> values seen, and the file inputs."""

    fields: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    files: set[str] = field(default_factory=set)


@dataclass
class Knowledge:
    """Everything the crawl learned, by route argument and by endpoint."""

    path_values: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    query_keys: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    query_values: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    forms: dict[str, Form] = field(default_factory=lambda: defaultdict(Form))
    visited: set[str] = field(default_factory=set)


class _PageParser(HTMLParser):
    """Links and forms (with their inputs, selects, textareas and buttons) of one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = {
                "action": a.get("action", ""),
                "method": a.get("method", "get"),
                "fields": defaultdict(set),
                "files": set(),
            }
            self.forms.append(self._form)
        elif self._form is None or not a.get("name") and tag != "option":
            return
        elif tag == "input" and a.get("type") == "file":
            self._form["files"].add(a["name"])
        elif tag in ("input", "button", "textarea"):
            self._form["fields"][a["name"]].add(a.get("value", ""))
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select:
            self._form["fields"][self._select].add(a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


# ---------------------------------------------------------------- the world


@dataclass
class Target:
    rule: Rule
    method: str
    role: str

    def __str__(self) -> str:
        return f"{self.method} {self.rule.rule} as {self.role}"


@dataclass(frozen=True)
class FuzzRequest:
    method: str
    path: str
    query: str
    form: tuple  # ((name, value), ...) of percent-encoded text
    files: tuple  # ((name, filename, bytes), ...)
    headers: tuple

    def url(self) -> str:
        return self.path + (f"?{self.query}" if self.query else "")


@dataclass
class Failure:
    target: str
    url: str
    status: int
    error: str
    body: str = ""
    count: int = 1

    def __str__(self) -> str:
        body = f"\n    body: {self.body}" if self.body else ""
        return f"{self.status} ×{self.count} {self.target}\n    {self.url}{body}\n    {self.error}"


_PARAM = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")


#: Where the crawl starts: the pages the menus lead to.
#: Routes that end the signed-in role's sign-ins: sign in again after each.
SIGN_OUTS = {"auth.logout", "auth.sign_out_everywhere"}
SEEDS = [
    "/login",
    "/training",
    "/hr/",
    "/hr/people",
    "/hr/roster",
    "/hr/assignments",
    "/hr/audit",
    "/author",
    "/admin/",
    "/guidelines",
    "/verify-handle",
]


class World:
    """An app with a user per role, data to reach deep pages, and what the crawl found."""

    def __init__(self, app: Flask, *, crawl_pages: int = 40):
        self.app = app
        self.crawl_pages = crawl_pages
        self.clients: dict[str, object] = {}
        self.cookies: dict[str, list] = {}
        self.users: dict[str, tuple[str, str]] = {}  # role -> (email, employee id)
        self.token = ""
        self.scim_token = ""  # SCIM's routes open with a token of their own scope
        self.decoy_token_id = ""  # the token the admin's revoke form may revoke
        self.known = Knowledge()
        self.adapter = app.url_map.bind("localhost")

    # --- set-up through the UI, as people would

    def build(self) -> World:
        self._make_users()
        for role in ROLES:
            self.clients[role] = self.app.test_client()
            if role != "anonymous":
                self._sign_in(role)
            self._crawl(role, SEEDS)
        # Deeper pages: an open quiz attempt, an uploaded roster's preview, a rule's button.
        self._crawl("employee", self._start_quiz())
        self._crawl("employee", [self._await_affirmation()])
        self._crawl("hr", [self._upload_roster(), self._add_rule(), self._exempt()])
        self._crawl("marketing", self._start_draft())
        invited, link = self._invite()
        self._crawl("anonymous", [link])
        self._crawl("hr", [f"/hr/people/{invited}"])
        self._crawl("admin", self._add_webhooks())
        self._crawl("employee", [self._register_handle()])
        self._crawl("hr", ["/hr/handles", "/hr/handles/lookups"])
        self._crawl("hr", [self._certify()])
        self._crawl("lead", self._manage_employee())
        self._crawl("admin", self._unseen_forms())
        for email, employee_id in self.users.values():
            self.known.path_values["identifier"] |= {email, employee_id}
        # Revoking a token is one of the admin's forms: aim it at a token of its own, or
        # the fuzz would revoke the tokens its API and SCIM requests carry.
        self.known.path_values["token_id"] = {self.decoy_token_id}
        return self

    def _make_users(self) -> None:
        """A user per role (all in one department, so the lead sees the employee) and an
        API token, in an app context of their own (the requests get theirs)."""
        from werkzeug.security import generate_password_hash

        from lms.extensions import db
        from lms.models import ApiToken
        from lms.models import Role
        from lms.models import User

        roles = {
            "employee": [],
            "hr": [Role.HR],
            "marketing": [Role.MARKETING],
            "lead": [Role.LEAD],
            "admin": [Role.ADMIN],
        }
        with self.app.app_context():
            for number, (name, granted) in enumerate(roles.items(), start=1):
                user = User(
                    employee_id=f"FZ{number:03d}",
                    email=f"fuzz-{name}@example.com",
                    name=f"Fuzz {name.title()}",
                    department="Sales",
                    country="DE",
                    preferred_language="en",
                )
                # A single-round hash: signing in is not what is fuzzed here.
                user.password_hash = generate_password_hash(PASSWORD, "pbkdf2:sha256:1")
                for role in granted:
                    user.grant(role)
                db.session.add(user)
                self.users[name] = (user.email, user.employee_id)
            row, self.token = ApiToken.issue("fuzz")
            db.session.add(row)
            row, self.scim_token = ApiToken.issue("fuzz scim", "scim")
            db.session.add(row)
            decoy, _ = ApiToken.issue("fuzz: to be revoked")
            db.session.add(decoy)
            db.session.commit()
            self.decoy_token_id = str(decoy.id)

    def _manage_employee(self) -> list[str]:
        """The lead becomes the marketer's manager, and the marketer overdue: the team
        page (``/team``) and both its reminder forms."""
        from datetime import timedelta

        import sqlalchemy as sa

        from lms.extensions import db
        from lms.models import Enrollment
        from lms.models import User
        from lms.models import utcnow
        from lms.queries import catalog
        from lms.services import person_status

        with self.app.app_context():
            lead = db.session.scalar(sa.select(User).where(User.email == self.users["lead"][0]))
            # Not the employee: other seeds certify and exempt them, and a report with
            # nothing overdue has no reminder buttons.
            employee = db.session.scalar(
                sa.select(User).where(User.email == self.users["marketing"][0])
            )
            assert lead is not None and employee is not None
            employee.manager_id = lead.id
            for course in catalog.required_courses()[:1]:
                enrollment = db.session.scalar(
                    sa.select(Enrollment).where(
                        Enrollment.user_id == employee.id,
                        Enrollment.course_id == course.id,
                        Enrollment.completed_at.is_(None),
                    )
                ) or Enrollment(
                    user_id=employee.id,
                    course_id=course.id,
                    reason="assigned",
                    assigned_at=utcnow() - timedelta(days=40),
                )
                enrollment.due_at = utcnow() - timedelta(days=10)
                db.session.add(enrollment)
            db.session.flush()
            person_status.refresh([employee.id])  # the write above went round the services
            db.session.commit()
        return ["/team"]

    def _sign_in(self, role: str) -> None:
        client = self.clients[role]
        response = client.post("/login", data={"email": self.users[role][0], "password": PASSWORD})
        if response.status_code != 302:
            raise RuntimeError(f"{role} cannot sign in: {response.status_code}")
        self.cookies[role] = list(client._cookies.items())

    def _restore(self, role: str) -> None:
        """Each request starts from the role's signed-in cookies (a fuzzed request may
        sign out or pile flash messages into the session)."""
        client = self.clients[role]
        client._cookies.clear()
        client._cookies.update(self.cookies.get(role, []))

    def _start_quiz(self) -> list[str]:
        """Read every module and start each course's quiz; the attempts' addresses."""
        client = self.clients["employee"]
        self._restore("employee")
        for url in sorted(self.known.visited):
            if self._match(url)[0] == "learn.module":
                client.post(url, data={"view": ""})
        attempts = []
        for course_id in sorted(self.known.path_values["course_id"]):
            response = client.post(self.adapter.build("learn.quiz", {"course_id": course_id}))
            attempts.append(response.headers.get("Location", ""))
        return attempts

    def _await_affirmation(self) -> str:
        """A pass awaiting its written attestation (the affirm page and its form): the
        employee passes an optional course made for it, a variant of the first course
        that asks for the attestation. Returns the affirm page's address."""
        import dataclasses
        import hashlib

        from lms.extensions import db
        from lms.queries import catalog
        from lms.services import content_store

        # Sorts after the real courses: the fixed requests take the smallest known value
        # of each path parameter, and must keep pairing a course with its own files.
        course_id = "zz-fuzz-affirm"
        with self.app.app_context():
            base = catalog.course_of(catalog.current_versions()[0])
            meta = dataclasses.replace(
                base.meta,
                id=course_id,
                required=False,
                min_seat_time_minutes=0,
                attempt_limit=None,
                attestation_required=True,
                attestation_statements={
                    base.meta.source_language: "I have read the {title}, version {version}."
                },
            )
            digest = hashlib.sha256(f"{course_id}\0{base.content_hash}".encode()).hexdigest()
            content_store.publish(dataclasses.replace(base, meta=meta, content_hash=digest))
            module_ids = base.module_ids
            db.session.remove()
        client = self.clients["employee"]
        self._restore("employee")
        for module_id in module_ids:
            path = self.adapter.build(
                "learn.module", {"course_id": course_id, "module_id": module_id}
            )
            client.get(path)
            client.post(path, data={"view": ""})
        started = client.post(self.adapter.build("learn.quiz", {"course_id": course_id}))
        attempt_url = started.headers.get("Location", "")
        submitted = client.post(attempt_url, data=self._right_answers(attempt_url))
        return submitted.headers.get("Location", "")

    def _right_answers(self, attempt_url: str) -> dict[str, list[str]]:
        """The attempt's form with every question answered right (display positions)."""
        from lms.extensions import db
        from lms.models import QuizAttempt
        from lms.services import quiz

        attempt_id = int(attempt_url.rstrip("/").rsplit("/", 1)[-1])
        with self.app.app_context():
            attempt = db.session.get(QuizAttempt, attempt_id)
            form = {
                f"q-{question.id}": [
                    str(i) for i, a in enumerate(answers) if a.id in question.correct_ids
                ]
                for question, answers in quiz.drawn_questions(attempt)
            }
            db.session.remove()
        return form

    def _start_draft(self) -> list[str]:
        """A draft (so publishing and discarding have forms) and a converted GIFT file
        (whose page has the form that saves it)."""
        client = self.clients["marketing"]
        self._restore("marketing")
        pages = []
        for course_id in sorted(self.known.path_values["course_id"]):
            values = {"course_id": course_id}
            client.post(self.adapter.build("author.add_language", values), data={"lang": "fr"})
            gift = self.adapter.build("author.gift", values)
            response = client.post(
                gift,
                content_type="multipart/form-data",
                data={
                    "file": (io.BytesIO(b"::Q1:: Two and two? {=four ~five}\n"), "q.gift"),
                    "lang": "en",
                    "title": "Fuzz",
                },
            )
            self._learn_page(gift, response.get_data(as_text=True))
            pages += [
                self.adapter.build(endpoint, values)
                for endpoint in ("author.course", "author.publish")
            ]
        return pages

    def _upload_roster(self) -> str:
        # Applying it adds one person; accounts made by hand (the fuzz users) stay active.
        content = (
            b"employee_id,email,name,department,country,manager,preferred_language,"
            b"hire_date,active\nFZ900,fuzz-new@example.com,New Person,Sales,DE,,,,\n"
        )
        self._restore("hr")
        response = self.clients["hr"].post(
            "/hr/roster",
            data={"file": (io.BytesIO(content), "r.csv")},
            content_type="multipart/form-data",
        )
        return response.headers.get("Location", "")

    def _invite(self) -> tuple[str, str]:
        """A person without a password (HR's page offers to invite them again) and their
        invitation's link (the page that sets a password): (employee id, link)."""
        from datetime import timedelta

        from lms.extensions import db
        from lms.models import PasswordLink
        from lms.models import User
        from lms.models import utcnow

        token = PasswordLink.new_token()
        with self.app.app_context():
            user = User(employee_id="FZ950", email="fuzz-invited@example.com", name="Fuzz Invited")
            db.session.add(user)
            db.session.flush()
            db.session.add(
                PasswordLink(
                    user_id=user.id,
                    kind="invitation",
                    status="sent",
                    token_hash=PasswordLink.digest(token),
                    password_mark=PasswordLink.mark_of(None),
                    expires_at=utcnow() + timedelta(days=7),
                )
            )
            db.session.commit()
        return "FZ950", f"/password/{token}"

    def _add_webhooks(self) -> list[str]:
        """Two webhook endpoints, one disabled (so both switches have forms), and a given-up
        delivery (whose page offers "send again"). They point at a closed loopback port, and
        nothing here runs the delivery job."""
        import sqlalchemy as sa

        from lms.extensions import db
        from lms.models import OutboxEvent
        from lms.models import WebhookDelivery
        from lms.models import WebhookEndpoint
        from lms.models import utcnow

        client = self.clients["admin"]
        self._restore("admin")
        for _ in range(2):
            client.post(
                "/admin/webhooks/new",
                data={
                    "url": "http://127.0.0.1:9/fuzz",
                    "events": "clearance.changed",
                    "allow_private": "y",
                },
            )
        with self.app.app_context():
            first, second = db.session.scalars(
                sa.select(WebhookEndpoint.id).order_by(WebhookEndpoint.id).limit(2)
            )
            event = OutboxEvent(kind="clearance.changed", payload={"employee_id": "FZ001"})
            db.session.add(event)
            db.session.flush()
            now = utcnow()
            delivery = WebhookDelivery(
                endpoint_id=first,
                event_id=event.id,
                kind=event.kind,
                status="failed",
                attempts=1,
                next_attempt_at=now,
                give_up_at=now,
                finished_at=now,
            )
            db.session.add(delivery)
            db.session.commit()
            delivery_id = delivery.id
        client.post(f"/admin/webhooks/{second}/disable")
        return [
            "/admin/webhooks",
            f"/admin/webhooks/{first}",
            f"/admin/webhooks/{second}",
            f"/admin/webhooks/deliveries/{delivery_id}",
        ]

    def _add_rule(self) -> str:
        form = self.known.forms.get("hr.assignments_index")
        courses = sorted(form.fields.get("course_id", ())) if form else []
        self._restore("hr")
        self.clients["hr"].post(
            "/hr/assignments",
            data={
                "course_id": (courses or [""])[-1],
                "scope_kind": "department",
                "scope_value": "Sales",
                "due_kind": "after_assignment",
                "due_days": "30",
            },
        )
        return "/hr/assignments"

    def _exempt(self) -> str:
        """An exemption of the employee from a required course, so their page offers to
        end it."""
        form = self.known.forms.get("hr.assignments_index")
        courses = sorted(form.fields.get("course_id", ())) if form else []
        employee = self.users["employee"][1]
        self._restore("hr")
        self.clients["hr"].post(
            f"/hr/people/{employee}/exemptions",
            data={
                "course_id": (courses or [""])[-1],
                "reason": "Fuzz leave",
                "ends_on": "2099-01-31",
            },
        )
        return f"/hr/people/{employee}"

    def _register_handle(self) -> str:
        """A social media handle, so its owner's and HR's pages offer to remove it."""
        self._restore("employee")
        self.clients["employee"].post(
            "/training/handles",
            data={"platform": "x", "handle": "@fuzz_handle", "display_name": "Fuzz"},
        )
        return "/training/handles"

    def _certify(self) -> str:
        """A certification of the employee, so HR's page of them offers its certificate,
        its public check and the revocation form."""
        from datetime import timedelta

        import sqlalchemy as sa

        from lms.extensions import db
        from lms.models import Certification
        from lms.models import CourseVersion
        from lms.models import User
        from lms.models import utcnow

        email, employee_id = self.users["employee"]
        with self.app.app_context():
            person = db.session.scalars(sa.select(User).where(User.email == email)).one()
            version = db.session.scalars(sa.select(CourseVersion).limit(1)).one()
            now = utcnow()
            db.session.add(
                Certification(
                    user_id=person.id,
                    course_id=version.course_id,
                    course_version_id=version.id,
                    major=version.major,
                    minor=version.minor,
                    issued_at=now,
                    expires_at=now + timedelta(days=365),
                )
            )
            db.session.commit()
        return f"/hr/people/{employee_id}"

    # --- the crawl

    def _unseen_forms(self) -> list[str]:
        """Pages of routes that take a POST whose form no link led to (GET shows it)."""
        pages = []
        for rule in self.app.url_map.iter_rules():
            if {"GET", "POST"} <= rule.methods and rule.endpoint not in self.known.forms:
                values = {
                    name: min(self.known.path_values.get(name, {""})) for name in rule.arguments
                }
                try:
                    pages.append(self.adapter.build(rule.endpoint, values))
                except Exception:  # a value the converter refuses: nothing to learn
                    continue
        return pages

    def _match(self, url: str):
        parts = urlsplit(url)
        try:
            rule, values = self.adapter.match(parts.path, method="GET", return_rule=True)
        except HTTPException:
            return None, {}
        return rule.endpoint, values

    def _crawl(self, role: str, seeds: list[str]) -> None:
        """Follow links from ``seeds`` (a few pages per endpoint) and learn their forms."""
        client = self.clients[role]
        queue = [url for url in seeds if url]
        per_endpoint: dict[str, int] = defaultdict(int)
        seen: set[str] = set()
        while queue and len(seen) < self.crawl_pages:
            url = queue.pop(0)
            endpoint, values = self._match(url)
            if url in seen or endpoint is None or per_endpoint[endpoint] >= 2:
                continue
            seen.add(url)
            per_endpoint[endpoint] += 1
            self._restore(role)
            response = client.get(url)
            body = response.get_data()  # also ends a streamed export (PDFs and ZIPs: bytes)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            html = body.decode()
            self.known.visited.add(url)
            for name, value in values.items():
                self.known.path_values[name].add(str(value))
            queue += self._learn_page(url, html)

    def _learn_page(self, url: str, html: str) -> list[str]:
        parser = _PageParser()
        parser.feed(html)
        links = []
        for href in parser.links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            links.append(href)
            linked, _ = self._match(href)
            self._learn_query(linked, parts.query)
        for form in parser.forms:
            path = urlsplit(form["action"] or url).path  # no action: the page itself
            try:
                rule, values = self.adapter.match(
                    path, method=form["method"].upper(), return_rule=True
                )
            except HTTPException:
                continue
            if form["method"].lower() == "get":
                for name, seen in form["fields"].items():
                    self.known.query_keys[rule.endpoint].add(name)
                    self.known.query_values[name] |= seen
                continue
            found = self.known.forms[rule.endpoint]
            for name, seen in form["fields"].items():
                found.fields[name] |= seen
            found.files |= form["files"]
            for name, value in values.items():
                self.known.path_values[name].add(str(value))
        return links

    def _learn_query(self, endpoint: str | None, query: str) -> None:
        from urllib.parse import parse_qsl

        if endpoint is None:
            return
        for key, value in parse_qsl(query, keep_blank_values=True):
            self.known.query_keys[endpoint].add(key)
            self.known.query_values[key].add(value)

    # --- targets and requests

    def targets(self) -> list[Target]:
        targets = []
        for rule in sorted(self.app.url_map.iter_rules(), key=lambda r: r.rule):
            roles = API_CALLERS if rule.rule.startswith(TOKEN_ROUTES) else ROLES
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                targets += [Target(rule, method, role) for role in roles]
        return targets

    def requests(self, target: Target) -> st.SearchStrategy[FuzzRequest]:
        """Requests for one route, method and role, drawn by Hypothesis."""
        rule, method = target.rule, target.method
        endpoint = rule.endpoint
        form = self.known.forms.get(endpoint, Form()) if method == "POST" else Form()
        keys = sorted(self.known.query_keys.get(endpoint, set()) | {"page", "next", "lang"})
        return st.builds(
            FuzzRequest,
            method=st.just(method),
            path=self._path(rule),
            query=self._query(keys),
            form=self._form(form),
            files=self._files(form),
            headers=self._headers(target.role, self._token_for(rule)),
        )

    def _token_for(self, rule: Rule) -> str:
        return self.scim_token if rule.rule.startswith("/scim/") else self.token

    def _path(self, rule: Rule) -> st.SearchStrategy[str]:
        """The rule's path, each parameter a drawn value (see :func:`raw_value`)."""
        pieces = [
            st.just(piece) if isinstance(piece, str) else raw_value(*piece)
            for piece in self._path_pieces(rule)
        ]
        return st.tuples(*pieces).map("".join)

    def _path_with(self, rule: Rule, value: Callable[[set[str], str], str]) -> str:
        """The rule's path with each parameter ``value(known values, safe characters)``."""
        return "".join(
            piece if isinstance(piece, str) else value(*piece) for piece in self._path_pieces(rule)
        )

    def _path_pieces(self, rule: Rule) -> list:
        """Literal text, and (known values, characters left unencoded) per parameter."""
        pieces: list = []
        position = 0
        for match in _PARAM.finditer(rule.rule):
            pieces.append(rule.rule[position : match.start()])
            safe = "/" if match["converter"] == "path" else ""
            pieces.append((self.known.path_values.get(match["name"], set()), safe))
            position = match.end()
        pieces.append(rule.rule[position:])
        return pieces

    def explicit(self, target: Target) -> list[FuzzRequest]:
        """One request per weak spot, sent to every target before the drawn ones: a huge
        number, then NUL, in every path parameter; NUL in every query and form value; far
        dates and numbers no integer column holds in the query, with a 5,000-digit number
        or a superscript digit in every form field."""
        rule, method = target.rule, target.method
        known = self._path_with(rule, lambda known, safe: encode(min(known, default="x"), safe))
        huge = self._path_with(rule, lambda known, safe: "99999999999999999999")
        nul = self._path_with(rule, lambda known, safe: "a%00b")
        form = self.known.forms.get(rule.endpoint, Form()) if method == "POST" else Form()
        keys = sorted(self.known.query_keys.get(rule.endpoint, set()) | {"page"})
        token = self._token_for(rule)
        headers = (("Authorization", f"Bearer {token}"),) if target.role == "token" else ()

        def request(path: str, query_value: str | None, form_value: str) -> FuzzRequest:
            query = "" if query_value is None else "&".join(f"{k}={query_value}" for k in keys)
            return FuzzRequest(
                method,
                path,
                query,
                tuple((name, form_value) for name in sorted(form.fields)),
                tuple((name, "r.csv", b"\x00") for name in sorted(form.files)),
                headers,
            )

        requests = [
            request(huge, None, ""),
            request(nul, None, ""),
            request(known, "a%00b", "a%00b"),
            request(known, "9999-12-31", "9" * 5000),
            request(known, "9223372036854775807", encode("²")),
        ]
        return list(dict.fromkeys(requests))  # without parameters, the first two are one

    def _query(self, keys: list[str]) -> st.SearchStrategy[str]:
        values = self.known.query_values
        pair = st.sampled_from(keys).flatmap(
            lambda key: raw_value(values.get(key, ())).map(lambda v: f"{encode(key)}={v}")
        )
        odd = st.one_of(raw_value(), st.sampled_from(["=", "&", "&&", "a=1&a=2", "=x"]))
        return st.lists(st.one_of(pair, pair, odd), max_size=4).map("&".join)

    def _form(self, form: Form) -> st.SearchStrategy[tuple]:
        fields = [
            st.one_of(st.none(), raw_value(sorted(seen)).map(lambda v, n=name: (n, v)))
            for name, seen in sorted(form.fields.items())
        ]
        extra = st.lists(st.tuples(raw_value(), raw_value()), max_size=2)
        return st.tuples(st.tuples(*fields), extra).map(
            lambda drawn: tuple(f for f in drawn[0] if f is not None) + tuple(drawn[1])
        )

    def _files(self, form: Form) -> st.SearchStrategy[tuple]:
        content = st.one_of(st.sampled_from(FILES), st.binary(max_size=64))
        filename = st.one_of(st.sampled_from(["roster.csv", "q.gift", "a.txt"]), naughty_text())
        return st.tuples(
            *(st.tuples(st.just(name), filename, content) for name in sorted(form.files))
        )

    def _headers(self, role: str, token: str) -> st.SearchStrategy[tuple]:
        language = st.one_of(
            st.none(),
            st.sampled_from(["he", "zh-CN,zh;q=0.9", "*", "x" * 300, "de;q=nan", "pt-BR;q=1e309"]),
        )
        auth = st.none()
        if role == "token":
            auth = st.one_of(
                st.just(f"Bearer {token}"),
                st.sampled_from(
                    ["Bearer ", "Bearer \x00", "bearer " + "x" * 5000, "Basic Og==", "Bearer ä"]
                ),
            )
        return st.tuples(language, auth).map(
            lambda h: tuple(
                (name, value)
                for name, value in zip(("Accept-Language", "Authorization"), h, strict=True)
                if value is not None
            )
        )

    # --- sending

    def send(self, target: Target, request: FuzzRequest):
        role = target.role if target.role in ROLES else "anonymous"
        self._restore(role)
        client = self.clients[role]
        options = {"method": request.method, "headers": list(request.headers)}
        if request.files:
            data = {}
            for name, value in request.form:
                data.setdefault(_plain(name), []).append(_plain(value))
            for name, filename, content in request.files:
                data[name] = (io.BytesIO(content), filename.replace("\x00", "%00"))
            options.update(data=data, content_type="multipart/form-data")
        elif request.method == "POST":
            options.update(
                data="&".join(f"{k}={v}" for k, v in request.form).encode(),
                content_type="application/x-www-form-urlencoded",
            )
        response = client.open(request.url(), **options)
        if target.rule.endpoint in SIGN_OUTS and role != "anonymous":
            self._sign_in(role)  # signing out ends the sign-in on the server too
        return response


def _plain(encoded: str) -> str:
    """Multipart fields are sent as text: undo the percent-encoding, losing surrogates."""
    from urllib.parse import unquote

    return unquote(encoded, errors="replace")


# ---------------------------------------------------------------- running


class Recorder:
    """Collects server errors, one entry per route, role and kind of error."""

    def __init__(self, app: Flask):
        self.app = app
        self.requests = 0
        #: How often each route and method answered each status: what the fuzz reached.
        self.statuses: Counter[tuple[str, int]] = Counter()
        self._failures: dict[tuple, Failure] = {}
        self._exception: BaseException | None = None

    @property
    def failures(self) -> list[Failure]:
        return list(self._failures.values())

    def __enter__(self) -> Recorder:
        got_request_exception.connect(self._caught, self.app)
        self._propagate = self.app.config.get("PROPAGATE_EXCEPTIONS")
        # Exceptions must reach the error handlers as on a real server (a test app would
        # raise them into the client instead).
        self.app.config["PROPAGATE_EXCEPTIONS"] = False
        return self

    def __exit__(self, *exc) -> None:
        got_request_exception.disconnect(self._caught, self.app)
        self.app.config["PROPAGATE_EXCEPTIONS"] = self._propagate

    def _caught(self, sender, exception, **extra) -> None:
        self._exception = exception

    def check(self, world: World, target: Target, request: FuzzRequest) -> None:
        self._exception = None
        try:
            response = world.send(target, request)
            status, body = response.status_code, response.get_data().decode("utf-8", "replace")
        except Exception as error:  # raised past the app: the test client's own doing
            status, body, self._exception = 599, "", error
        finally:
            _end_transaction(world.app)
        self.requests += 1
        self.statuses[f"{target.method} {target.rule.rule}", status] += 1
        if status < 500:
            return
        error = _describe(self._exception) if self._exception else "(no exception)"
        key = (str(target), error.split("\n")[0])
        if key in self._failures:
            self._failures[key].count += 1
        else:
            self._failures[key] = Failure(
                str(target), request.url(), status, error, _excerpt(request, body)
            )


def _end_transaction(app: Flask) -> None:
    """A real server removes the session after each request; the test client may share
    the test's app context, so end whatever the request left open."""
    from flask import has_app_context

    from lms.extensions import db

    if has_app_context():
        db.session.rollback()


def _describe(error: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(error.__traceback__) if "/lms/" in f.filename]
    where = f"{frames[-1].filename.split('/lms/')[-1]}:{frames[-1].lineno}" if frames else "?"
    return f"{type(error).__name__} at lms/{where}: {str(error)[:200]}"


def _excerpt(request: FuzzRequest, body: str) -> str:
    form = "&".join(f"{k}={v}" for k, v in request.form)[:200]
    files = ", ".join(f"{n}={f!r}:{c[:20]!r}" for n, f, c in request.files)
    return " ".join(filter(None, [form and f"form {form}", files and f"files {files}"]))


def _drawn(
    check: Callable, requests: st.SearchStrategy, examples: int, seed: int | None
) -> Callable:
    """A Hypothesis test sending ``examples`` drawn requests; a failure is recorded, not
    raised, so nothing is shrunk and every distinct error is reported."""

    @settings(
        max_examples=examples,
        derandomize=seed is None,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(request=requests)
    def run(request):
        check(request)

    return run if seed is None else hypothesis_seed(seed)(run)


def fuzz(
    world: World,
    examples: int,
    seed: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> Recorder:
    """Per target, the :meth:`World.explicit` requests then ``examples`` drawn ones;
    seeded, so two runs send the same requests."""
    with Recorder(world.app) as recorder:
        for target in world.targets():
            for request in world.explicit(target):
                recorder.check(world, target, request)
            if examples:
                _drawn(
                    lambda request, t=target: recorder.check(world, t, request),
                    world.requests(target),
                    examples,
                    seed,
                )()
            if progress:
                progress(
                    f"{target}: {recorder.requests} requests, {len(recorder.failures)} failure(s)"
                )
    return recorder


# ---------------------------------------------------------------- the command


def _app(url: str) -> Flask:
    import logging

    from lms import create_app

    logging.disable(logging.CRITICAL)  # the 500s are reported below, not logged
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "AUTO_MIGRATE": False,
            "CONTENT_ROOT": str(TEST_CONTENT),
        }
    )


def campaign(url: str, examples: int, seed: int | None) -> list[Failure]:
    from lms.extensions import db
    from lms.services import content_store

    app = _app(url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        content_store.sync(TEST_CONTENT)
    # Each request gets its own app context, as on a server (one shared context would
    # keep the first request's user and session for all).
    world = World(app).build()
    print(f"{url}: {len(world.targets())} targets × {examples} examples", flush=True)
    started = time.perf_counter()
    recorder = fuzz(
        world,
        examples,
        seed,
        progress=lambda line: print(
            f"  {time.perf_counter() - started:6.1f} s  {line}", flush=True
        ),
    )
    with app.app_context():
        db.drop_all()
    print("Answers per route (every role):")
    routes = sorted({route for route, _ in recorder.statuses})
    for route in routes:
        counts = sorted((status, n) for (r, status), n in recorder.statuses.items() if r == route)
        print(f"  {route:<55} " + "  ".join(f"{status}×{n}" for status, n in counts))
    return recorder.failures


def main(argv: list[str] | None = None) -> int:
    from bench.db import DEFAULT_PG_SERVER

    parser = argparse.ArgumentParser(
        prog="python -m bench.fuzz", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--examples", type=int, default=200, help="requests per route × method × role (default 200)"
    )
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seed", type=int, help="a random seed (default: derandomized)")
    parser.add_argument(
        "--postgresql-url",
        default=_fuzz_database(DEFAULT_PG_SERVER),
        help="a database the fuzzer may empty (default %(default)s)",
    )
    args = parser.parse_args(argv)
    urls = []
    if args.db in ("sqlite", "both"):
        urls.append(f"sqlite:///{ROOT / 'bench' / 'fuzz.db'}")
    if args.db in ("postgresql", "both"):
        _create_database(args.postgresql_url)
        urls.append(args.postgresql_url)
    failures = []
    for url in urls:
        found = campaign(url, args.examples, args.seed)
        print(f"{url}: {len(found)} distinct server error(s)")
        failures += found
    for failure in failures:
        print(failure)
    return 1 if failures else 0


def _fuzz_database(server_url: str) -> str:
    import sqlalchemy as sa

    return sa.make_url(server_url).set(database="lms_fuzz").render_as_string(False)


def _create_database(url: str) -> None:
    import sqlalchemy as sa

    target = sa.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
        )
        if not exists:
            conn.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
    admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
