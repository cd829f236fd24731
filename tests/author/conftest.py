"""Fixtures for the authoring tests: a marketing author, signed in on their own client."""

import pytest

from lms.models import Role
from tests.helpers import PASSWORD

COURSE = "policy-basics"
EN_MODULE = f"courses/{COURSE}/en/01-say-who-you-are.md"
HE_MODULE = f"courses/{COURSE}/he/01-say-who-you-are.md"
EN_QUIZ = f"quizzes/{COURSE}/en.md"
COURSE_YML = f"courses/{COURSE}/course.yml"


def sign_in(client, user) -> None:
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


@pytest.fixture
def marketer(make_user):
    return make_user(roles=[Role.MARKETING], name="Mia Marketing", email="mia@example.com")


@pytest.fixture
def author(app, marketer):
    """A test client signed in as the marketing author."""
    client = app.test_client()
    sign_in(client, marketer)
    return client


def edit_url(path: str) -> str:
    return f"/author/{COURSE}/files/{path}"
