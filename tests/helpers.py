"""Helpers shared by the tests: the app factory for tests, sign-in, page text, quiz forms."""

import re
from pathlib import Path

import sqlalchemy as sa
from flask import g
from flask.testing import FlaskClient

from lms import create_app
from lms.extensions import db
from lms.models import QuizAttempt
from lms.models import User
from lms.services import quiz as quiz_service

DATA = Path(__file__).parent / "data"
TEST_CONTENT = DATA / "content"
PASSWORD = "correct horse battery staple"


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
        "CONTENT_SYNC_ON_START": False,
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


def text_of(response) -> str:
    """The visible text of an HTML response, whitespace collapsed, for assertions."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def latest_attempt(user) -> QuizAttempt:
    db.session.expire_all()
    return db.session.scalar(sa.select(QuizAttempt).where(QuizAttempt.user_id == user.id)
                             .order_by(QuizAttempt.id.desc()).limit(1))


def answer_form(attempt: QuizAttempt, right: bool = True) -> dict[str, list[str]]:
    """The form a learner would post: every drawn question answered right (or wrong),
    using display positions as the page does."""
    quiz = quiz_service.course_for(attempt).quiz(attempt.lang)
    form = {}
    for drawn in attempt.questions:
        question = quiz.question(drawn["id"])
        positions = [str(i) for i, answer_id in enumerate(drawn["answers"])
                     if (answer_id in question.correct_ids) == right]
        form[f"q-{question.id}"] = positions if right else positions[:1]
    return form


def read_all_modules(client, course_id: str, module_ids) -> None:
    for module_id in module_ids:
        client.get(f"/training/{course_id}/modules/{module_id}")
        response = client.post(f"/training/{course_id}/modules/{module_id}", data={"view": ""})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
