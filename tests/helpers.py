"""Helpers shared by the tests, the one module they import besides the code under test.

Sections: the app and signing in; the learner's path; authoring; the roster; a sample
course as files (for the content engine). Fixtures live in the conftest.py files.
"""

import contextvars
import csv
import io
import json
import re
import shutil
import socket
import subprocess
import tempfile
import threading
from contextlib import contextmanager
from datetime import timedelta
from email import message_from_bytes
from email import policy
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path

import requests
import sqlalchemy as sa
from flask import current_app
from flask import g
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from lms import create_app
from lms.content import revision_of
from lms.extensions import db
from lms.models import AuditEvent
from lms.models import Certification
from lms.models import QuizAttempt
from lms.models import User
from lms.models import utcnow
from lms.queries import catalog
from lms.queries import workspaces
from lms.services import authoring
from lms.services import clearance
from lms.services import quiz as quiz_service

DATA = Path(__file__).parent / "data"
TEST_CONTENT = DATA / "content"
PASSWORD = "correct horse battery staple"
#: The course in the test content.
COURSE = "policy-basics"


# -- The app and signing in ------------------------------------------------------------


class FreshRequestClient(FlaskClient):
    """Requests share the test's app context (so tests can use ``db.session``); drop what
    extensions cache on ``g`` so that each request starts as on a real server."""

    def open(self, *args, **kwargs):
        for key in ("_flask_babel", "_login_user"):
            g.pop(key, None)
        return super().open(*args, **kwargs)


def build_app(url: str, content_root: Path = TEST_CONTENT, **config):
    """The app as the tests run it: on ``url``, serving ``content_root``, CSRF off."""
    settings = {
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "AUTO_MIGRATE": False,
        "CONTENT_ROOT": str(content_root),
    }
    settings.update(config)
    app = create_app(settings)
    app.test_client_class = FreshRequestClient
    return app


class Auth:
    """Sign in and out through the real login form."""

    def __init__(self, client):
        self.client = client

    def login(self, user: User, password: str = PASSWORD):
        return self.client.post("/login", data={"email": user.email, "password": password})

    def logout(self):
        return self.client.post("/logout")


def csrf_token_of(page: str) -> str:
    """The CSRF token a page's form carries, to post as that form would."""
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def text_of(response) -> str:
    """The visible text of an HTML response, whitespace collapsed, for assertions."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def sign_in(client, user) -> None:
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def at_once(app, work, count: int = 2) -> list:
    """Run ``work()`` in ``count`` threads that start together, each with its own app
    context and connection (two servers doing it at the same moment); returns what each
    returned. Needs ``@pytest.mark.fresh_database``: the threads commit."""
    start = threading.Barrier(count)
    results, errors = [], []

    def server():
        try:
            with app.app_context():
                start.wait()
                results.append(work())
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=server) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    return results


def csv_rows(response) -> list[dict]:
    """The rows of a CSV download (UTF-8 with its byte order mark) as dicts."""
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:])))


def each_request_alone(app):
    """The app as a server runs it: each request in an empty context, so it gets its own
    application context and database session, as it would in production (the test's own
    application context would otherwise be shared by every request)."""

    def wsgi(environ, start_response):
        return contextvars.Context().run(app, environ, start_response)

    return wsgi


def events(action: str) -> list[AuditEvent]:
    """The audit events of one kind, oldest first."""
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


# -- E-mail ----------------------------------------------------------------------------


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts (the ``smtp`` fixture)."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()
        self.port = 0

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"

    def to(self, address: str) -> list:
        """The messages sent to ``address``, oldest first."""
        return [message for rcpts, message in self.messages if address in rcpts]


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def smtp_server():
    """A real SMTP server (aiosmtpd) on loopback for the duration; yields its :class:`Inbox`."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    try:
        yield inbox
    finally:
        controller.stop()


def mail_settings(inbox: Inbox) -> dict:
    """App settings that send mail to ``inbox``."""
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": inbox.port,
        "MAIL_SENDER": "lms@example.com",
        "BASE_URL": "https://lms.example.com",
    }


# -- Webhooks --------------------------------------------------------------------------


class Receiver:
    """A real HTTP server on 127.0.0.1 that webhooks are sent to (the ``receiver``
    fixture). It keeps every request (``path``, ``headers`` named in lower case, ``body``)
    and answers each
    with the next of ``answers`` (a status, or (302, location)), then 200."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answers: list = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/lms"

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.requests.append(
                        {"path": self.path, "headers": _lower(self.headers), "body": body}
                    )
                    answer = receiver.answers.pop(0) if receiver.answers else 200
                status, location = answer if isinstance(answer, tuple) else (answer, None)
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                """Quiet: the tests read the requests received, not the server's log."""

        return Handler

    def bodies(self) -> list[dict]:
        """The JSON of each request received, oldest first."""
        with self.lock:
            return [json.loads(r["body"]) for r in self.requests]

    def ids(self) -> list[str]:
        with self.lock:
            return [r["headers"]["webhook-id"] for r in self.requests]


def _lower(headers) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


@contextmanager
def webhook_receiver():
    receiver = Receiver()
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
        thread.join(5)


# -- The learner's path ----------------------------------------------------------------


def latest_attempt(user) -> QuizAttempt:
    db.session.expire_all()
    return db.session.scalar(
        sa.select(QuizAttempt)
        .where(QuizAttempt.user_id == user.id)
        .order_by(QuizAttempt.id.desc())
        .limit(1)
    )


def answer_form(attempt: QuizAttempt, right: bool = True) -> dict[str, list[str]]:
    """The form a learner would post: every drawn question answered right (or wrong),
    using display positions as the page does."""
    quiz = quiz_service.course_for(attempt).quiz(attempt.lang)
    form = {}
    for drawn in attempt.questions:
        question = quiz.question(drawn["id"])
        positions = [
            str(i)
            for i, answer_id in enumerate(drawn["answers"])
            if (answer_id in question.correct_ids) == right
        ]
        form[f"q-{question.id}"] = positions if right else positions[:1]
    return form


def read_all_modules(client, course_id: str, module_ids, seconds: int = 0) -> None:
    """Read each module, pressing "Done" ``seconds`` after the page was served."""
    for module_id in module_ids:
        read_module(client, course_id, module_id, seconds)


def read_module(client, course_id: str, module_id: str, seconds: int = 0) -> None:
    """Open a module and press "Done" as a reader who spent ``seconds`` on the page: the
    page's signed view time, signed again as if the page had been served that long ago."""
    url = f"/training/{course_id}/modules/{module_id}"
    html = client.get(url).get_data(as_text=True)
    found = re.search(r'name="view" value="([^"]+)"', html)
    token = served_earlier(found.group(1), seconds) if found and seconds else ""
    response = client.post(url, data={"view": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def served_earlier(token: str, seconds: int) -> str:
    """A module page's view token (lms.learn.views) moved ``seconds`` into the past."""
    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="module-view")
    enrollment_id, module_id, served = serializer.loads(token)
    return serializer.dumps([enrollment_id, module_id, served - seconds])


# -- Authoring -------------------------------------------------------------------------

EN_MODULE = f"courses/{COURSE}/en/01-say-who-you-are.md"
HE_MODULE = f"courses/{COURSE}/he/01-say-who-you-are.md"
EN_QUIZ = f"quizzes/{COURSE}/en.md"
COURSE_YML = f"courses/{COURSE}/course.yml"


def edit_url(path: str) -> str:
    return f"/author/{COURSE}/files/{path}"


def draft_text(path: str, course_id: str = COURSE) -> str:
    db.session.expire_all()
    return workspaces.workspace(course_id).files[path].decode()


def save(client, path: str, text: str, **extra):
    """Post the editor form as the page would, with the file's current fingerprint."""
    db.session.expire_all()
    ws = workspaces.workspace(COURSE)
    data = {"text": text, "base": authoring.fingerprint(ws.files[path]), "save": "Save draft"}
    data.update(extra)
    return client.post(edit_url(path), data=data)


def publish(client, kind: str, grace_days: int | None = None):
    data = {"kind": kind, "submit": "Publish"}
    if grace_days is not None:
        data["grace_days"] = str(grace_days)
    return client.post(f"/author/{COURSE}/publish", data=data)


def certify_through_pages(client, employee) -> None:
    """``employee`` passes the current version of the course, through the learner pages."""
    sign_in(client, employee)
    pass_course(client, employee)
    client.post("/logout")


def pass_course(client, employee) -> None:
    """The signed-in ``employee`` reads every module and passes the quiz; when the course
    asks for a written attestation, they affirm it as the pages lead them to."""
    read_all_modules(client, COURSE, ["say-who-you-are", "keep-secrets"])
    client.post(f"/training/{COURSE}/quiz")
    attempt = latest_attempt(employee)
    response = client.post(f"/training/attempts/{attempt.id}", data=answer_form(attempt))
    assert response.status_code == 302
    if response.headers["Location"].endswith(f"/training/attempts/{attempt.id}/affirm"):
        assert affirm(client, attempt, employee.name).status_code == 302


def affirm(client, attempt: QuizAttempt, name: str, ticked: bool = True, **fields):
    """Post the attestation form of ``attempt`` as the page would (the box ticked)."""
    data = {"name": name, "lang": "en", **fields}
    if ticked:
        data["affirm"] = "y"
    return client.post(f"/training/attempts/{attempt.id}/affirm", data=data)


#: What a course asks learners to affirm, appended to the test course's course.yml by
#: :func:`attesting_content` (English and Hebrew; other languages fall back to English).
ATTESTATION_YML = """\
attestation:
  required: true
  statement:
    en: "I have read the {title}, version {version}, and I will follow it."
    he: "קראתי את {title}, גרסה {version}, ואפעל לפיה."
"""


def attesting_content(root: Path) -> Path:
    """A copy of the test content under ``root`` whose course asks for a written
    attestation; returns the new content root."""
    copy = root / "content"
    shutil.copytree(TEST_CONTENT, copy)
    yml = copy / COURSE_YML
    yml.write_text(yml.read_text(encoding="utf-8") + ATTESTATION_YML, encoding="utf-8")
    return copy


# -- Every language translated --------------------------------------------------------

#: The languages the UI ships besides English, each translating the test course.
OTHER_LANGUAGES = ("de", "es", "fr", "he", "ja", "pt_BR", "zh_Hans")
#: A sentence in each language, to tell a translation from the English text on a page.
IN_LANGUAGE = {
    "de": "Sagen Sie, dass Sie bei uns arbeiten.",
    "es": "Di que trabajas con nosotros.",
    "fr": "Dites que vous travaillez chez nous.",
    "he": "ציינו שאתם עובדים אצלנו.",
    "ja": "当社で働いていることを明記してください。",
    "pt_BR": "Diga que você trabalha conosco.",
    "zh_Hans": "请说明你在我们公司工作。",
}


def translated_content(root: Path) -> Path:
    """The test content under ``root`` with both modules and the quiz translated into
    every other language, each translation current (its ``translation_of`` is the
    revision of the English file), and the course's title and description in all eight."""
    shutil.copytree(TEST_CONTENT, root, dirs_exist_ok=True)
    base = root / "courses" / COURSE
    for folder in ("he", "zh_Hans"):  # replaced by the translations below
        shutil.rmtree(base / folder)
    titles = "".join(f"  {lang}: Policy basics ({lang})\n" for lang in OTHER_LANGUAGES)
    descriptions = "".join(f"  {lang}: {IN_LANGUAGE[lang]}\n" for lang in OTHER_LANGUAGES)
    yml = (base / "course.yml").read_text()
    yml = yml.replace("  he: יסודות המדיניות\n  zh_Hans: 政策基础\n", titles)
    yml = yml.replace("required:", f"description:\n  en: Say who you are.\n{descriptions}required:")
    (base / "course.yml").write_text(yml)
    english_quiz = (root / EN_QUIZ).read_bytes()
    for lang, sentence in IN_LANGUAGE.items():
        for name in ("01-say-who-you-are.md", "02-keep-secrets.md"):
            source = (base / "en" / name).read_bytes()
            front = f"title: {name[3:-3]} ({lang})\ntranslation_of: {revision_of(source)}"
            write_tree(base / lang, {name: f"---\n{front}\n---\n\n{sentence}\n"})
        quiz = english_quiz.decode().replace("## ", f"## ({lang}) ")
        quiz = quiz.replace("---\n\n", f"translation_of: {revision_of(english_quiz)}\n---\n\n", 1)
        write_tree(root / "quizzes" / COURSE, {f"{lang}.md": quiz})
    return root


# -- The roster ------------------------------------------------------------------------

HEADER = "employee_id,email,name,department,country,manager,preferred_language,hire_date,active"
#: Three people; Ben's manager (E3) appears after him, Cy's manager is named by email.
GOOD_ROWS = [
    "E1,Ana@Example.com,Ana Boss,Executive,us,,en,2020-01-01,true",
    "E2,ben@example.com,Ben Report,Sales,DE,E3,de,2021-02-03,yes",
    "E3,cy@example.com,Cy Middle,Sales,DE,ana@example.com,pt-BR,2019-05-06,",
]


def roster_text(rows=GOOD_ROWS, header=HEADER, newline="\n") -> str:
    return newline.join([header, *rows]) + newline


def write_roster(tmp_path: Path, rows=GOOD_ROWS, name="roster.csv", **kw) -> Path:
    path = tmp_path / name
    path.write_text(roster_text(rows, **kw), encoding="utf-8")
    return path


def user(employee_id: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.employee_id == employee_id))


def counts() -> tuple[int, int]:
    """(users, audit events): what an import that changes nothing must leave alone."""
    db.session.expire_all()
    return (
        db.session.scalar(sa.select(sa.func.count(User.id))),
        db.session.scalar(sa.select(sa.func.count(AuditEvent.id))),
    )


def certify(
    person: User, *, expires_in=timedelta(days=365), status="active", issued_ago=timedelta(0)
) -> None:
    """Give ``person`` a certification in the required test course (by default valid:
    cleared), and bring their clearance up to date."""
    version = catalog.latest_version(COURSE)
    now = utcnow()
    db.session.add(
        Certification(
            user_id=person.id,
            course_id=version.course_id,
            course_version_id=version.id,
            major=version.major,
            minor=version.minor,
            issued_at=now - issued_ago,
            expires_at=now + expires_in,
            status=status,
        )
    )
    clearance.refresh(person, now)
    db.session.commit()


# -- A sample course as files, for the content engine (no app, no database) ------------
# A valid course as a dict of path -> text: en (source), he and zh_Hans modules, en and
# zh_Hans quizzes. Its names start with SAMPLE_ so they do not mix with the test content's.

SAMPLE_COURSE = "social-media-policy"

SAMPLE_COURSE_YML = """\
id: social-media-policy
version: "1.0"
source_language: en
title:
  en: Social media policy
  zh_Hans: 社交媒体政策
  he: מדיניות הרשתות החברתיות
description:
  en: What you may say about the company online, and how.
required: true
pass_mark: 80
validity_days: 365
"""

SAMPLE_EN_MODULES = {
    "01-why-it-matters.md": "---\ntitle: Why it matters\n---\n\nEvery employee is a voice.\n",
    "02-what-to-share.md": (
        '---\ntitle: What to share\n---\n\n!!! tip "Before you post"\n'
        "    Ask yourself.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    ),
    "10-checklist.md": "---\ntitle: Checklist\n---\n\n## Check {#check}\n\n- one\n- two\n",
}
SAMPLE_HE_BODIES = ["כל עובד הוא קול.", "שאל את עצמך.", "רשימה."]
SAMPLE_ZH_BODIES = ["每位员工都是公司的声音。", "发帖之前先问问自己。", "清单。"]

SAMPLE_EN_QUIZ = """\
---
title: Social media policy quiz
pool: 2
---

## A friend asks when the phone ships. What do you answer? {#launch-date .single}

Optional scenario text.

- [ ] Give the date.
  > Unannounced dates are confidential.
- [x] Say you can't discuss it.
  > Right.
- [ ] Ignore the question.

> The explanation.

## Which must you never post? {#never-post .multiple}

- [x] A customer's order details.
- [x] Unpublished sales figures.
- [ ] The published annual report.

## A disclaimer lets you share secrets. {#disclaimer-limits .true-false}

- [ ] True
- [x] False
"""

SAMPLE_ZH_QUIZ_BODY = """
## 朋友问新手机什么时候发货？ {#launch-date .single}

- [ ] 告诉日期。
- [x] 说不能谈论。
- [ ] 不理会。

## 哪些绝不能发布？ {#never-post .multiple}

- [x] 客户订单。
- [x] 未公布的销售数字。
- [ ] 已公布的年报。

## 免责声明可以分享机密。 {#disclaimer-limits .true-false}

- [ ] 对
- [x] 错
"""


def sample_files() -> dict[str, str]:
    """A valid course: en (source) and he modules, zh_Hans modules and quiz; he has no quiz."""
    base = f"courses/{SAMPLE_COURSE}"
    files = {
        f"{base}/course.yml": SAMPLE_COURSE_YML,
        f"quizzes/{SAMPLE_COURSE}/en.md": SAMPLE_EN_QUIZ,
    }
    translations = zip(SAMPLE_EN_MODULES.items(), SAMPLE_HE_BODIES, SAMPLE_ZH_BODIES, strict=True)
    for (name, text), he, zh in translations:
        files[f"{base}/en/{name}"] = text
        rev = revision_of(text.encode())
        files[f"{base}/he/{name}"] = f"---\ntitle: כותרת\ntranslation_of: {rev}\n---\n\n{he}\n"
        files[f"{base}/zh_Hans/{name}"] = f"---\ntitle: 标题\ntranslation_of: {rev}\n---\n\n{zh}\n"
    rev = revision_of(SAMPLE_EN_QUIZ.encode())
    files[f"quizzes/{SAMPLE_COURSE}/zh_Hans.md"] = (
        f"---\ntitle: 测验\npool: 2\ntranslation_of: {rev}\n---\n{SAMPLE_ZH_QUIZ_BODY}"
    )
    return files


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write ``files`` (relative path -> text or bytes) under ``root``; returns ``root``."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content if isinstance(content, bytes) else content.encode()
        path.write_bytes(data)
    return root


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing ``needle``."""
    return next(i for i, line in enumerate(text.split("\n"), 1) if needle in line)


# -- A real OpenID provider (company sign-in) --------------------------------------------

OIDC_PROVIDER_DIR = Path(__file__).parent / "oidc"


class OidcProvider:
    """oauth2-mock-server, run by ``tests/oidc/provider.mjs`` as a process of its own on
    127.0.0.1 (a free port), with the control endpoint that script describes."""

    def __init__(self) -> None:
        self.errors = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            ["node", "provider.mjs"],
            cwd=OIDC_PROVIDER_DIR,
            stdout=subprocess.PIPE,
            stderr=self.errors,
            text=True,
        )
        first_line = self.process.stdout.readline()  # type: ignore[union-attr]
        if not first_line:
            self.errors.seek(0)
            raise RuntimeError(f"the OpenID provider did not start: {self.errors.read()!r}")
        self.issuer: str = json.loads(first_line)["issuer"]

    @staticmethod
    def missing() -> str | None:
        """Why the provider cannot run on this machine, or None. Installs it from the
        committed lock file when node is there and it is not (what .ci/run does first)."""
        if shutil.which("node") is None or shutil.which("npm") is None:
            return "node is not installed: company sign-in is tested against a real provider"
        if not (OIDC_PROVIDER_DIR / "node_modules" / "oauth2-mock-server").is_dir():
            install = ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"]
            done = subprocess.run(install, cwd=OIDC_PROVIDER_DIR, capture_output=True, text=True)
            if done.returncode != 0:
                return f"`npm ci --prefix tests/oidc` failed: {done.stderr.strip()[-300:]}"
        return None

    def next(self, claims: dict, **spoil) -> None:
        """Who the provider signs in from now on, and how its next ID token is spoiled
        (``nonce=``, ``aud=``, ``iss=``, ``expired=True``, ``tamper=<email>``,
        ``foreign_key=True``)."""
        self._control("POST", "next", json={"claims": claims, "spoil": spoil})

    def rotate_keys(self) -> str:
        """A new signing key, published beside the old one; returns its kid."""
        return self._control("POST", "rotate")["kid"]

    def jwks_fetches(self) -> int:
        return self._control("GET", "stats")["jwks_fetches"]

    def _control(self, method: str, name: str, **kwargs) -> dict:
        response = requests.request(method, f"{self.issuer}/_test/{name}", timeout=10, **kwargs)
        response.raise_for_status()
        return response.json()

    def sign_in(self, client, start: str = "/login/sso"):
        """The browser's way through company sign-in: our start page, the provider's
        authorization endpoint (which signs the person in at once), back to our callback.
        Returns the callback's response."""
        return client.get(self.authorize(client, start))

    def authorize(self, client, start: str = "/login/sso") -> str:
        """Start a sign-in and return the callback URL the provider sends the browser to."""
        response = client.get(start)
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        assert response.location.startswith(f"{self.issuer}/authorize?")
        answer = requests.get(response.location, allow_redirects=False, timeout=10)
        assert answer.status_code in (302, 303), answer.text
        return answer.headers["Location"]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()
        self.errors.close()
