"""The quiz as a gate, through the learner's pages: it opens only after the course's
minimum time on the modules, and every attempt asks about every module, in an order of
questions and answers (true/false too) that changes from attempt to attempt."""

import re
import shutil

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.models import QuizAttempt
from tests.helpers import COURSE
from tests.helpers import TEST_CONTENT
from tests.helpers import answer_form
from tests.helpers import latest_attempt
from tests.helpers import read_all_modules
from tests.helpers import read_module
from tests.helpers import text_of

MODULES = ["say-who-you-are", "keep-secrets"]
#: The test quiz's questions and the module each assesses: keep-secrets has one question,
#: the true/false one, which a stratified draw of two must therefore always take.
QUESTION_MODULES = {
    "disclose": "say-who-you-are",
    "confidential": "say-who-you-are",
    "disclaimer": "keep-secrets",
    "press": "say-who-you-are",
}
MIN_MINUTES = 12
TOO_SOON = "Spend at least 12 minutes on the modules before you take the quiz."


@pytest.fixture(scope="module")
def content_root(tmp_path_factory):
    """The test course with a 12-minute minimum, no attempt limit, and a quiz that draws
    two questions, at least one from each module."""
    root = tmp_path_factory.mktemp("gate") / "content"
    shutil.copytree(TEST_CONTENT, root)
    course_yml = root / "courses" / COURSE / "course.yml"
    settings = course_yml.read_text().replace("attempt_limit: 2\n", "")
    course_yml.write_text(settings + f"min_seat_time_minutes: {MIN_MINUTES}\n")
    quiz = root / "quizzes" / COURSE / "en.md"
    text = quiz.read_text().replace("pool: 3\n", "draw:\n  questions: 2\n  per_module: 1\n")
    for question_id, module in QUESTION_MODULES.items():
        text = re.sub(
            rf"(\{{#{question_id} \.[a-z-]+\}})\n", rf"\1\n<!-- module: {module} -->\n", text
        )
    quiz.write_text(text)
    return root


def start(client):
    return client.post(f"/training/{COURSE}/quiz")


def attempts_of(user) -> int:
    query = sa.select(sa.func.count(QuizAttempt.id)).where(QuizAttempt.user_id == user.id)
    return db.session.scalar(query)


def test_the_quiz_refuses_until_the_minimum_time_is_spent_on_the_modules(client, auth, employee):
    auth.login(employee)
    read_all_modules(client, COURSE, MODULES)  # pressed "Done" at once on both
    page = text_of(client.get(f"/training/{COURSE}/quiz"))
    assert TOO_SOON in page and "You have spent 0 minutes on the modules so far." in page
    assert "2 questions" in page  # the draw's count
    assert "Start the quiz" not in page
    refused = start(client)
    assert refused.status_code == 200 and TOO_SOON in text_of(refused)
    assert attempts_of(employee) == 0


def test_time_on_each_module_adds_up_eleven_minutes_is_not_enough(client, auth, employee):
    auth.login(employee)
    read_module(client, COURSE, MODULES[0], seconds=7 * 60)
    read_module(client, COURSE, MODULES[1], seconds=4 * 60)
    page = text_of(client.get(f"/training/{COURSE}/quiz"))
    assert TOO_SOON in page and "You have spent 11 minutes on the modules so far." in page
    assert TOO_SOON in text_of(start(client)) and attempts_of(employee) == 0


def test_the_quiz_opens_once_the_minimum_is_met(client, auth, employee):
    auth.login(employee)
    read_module(client, COURSE, MODULES[0], seconds=7 * 60)
    read_module(client, COURSE, MODULES[1], seconds=5 * 60)
    page = text_of(client.get(f"/training/{COURSE}/quiz"))
    assert "Start the quiz" in page and TOO_SOON not in page
    response = start(client)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/training/attempts/{latest_attempt(employee).id}"
    )


def drawn_on_the_page(html: str) -> dict[str, list[str]]:
    """Question id -> the answer labels in the order shown, read from the attempt page."""
    shown: dict[str, list[str]] = {}
    for name, position, label in re.findall(
        r'<input[^>]*name="q-([a-z0-9-]+)" id="q-[a-z0-9-]+-(\d+)"[^>]*>\s*'
        r'<label class="form-check-label" for="[^"]+">(.*?)</label>',
        html,
        flags=re.S,
    ):
        shown.setdefault(name, []).append(label)
        assert len(shown[name]) == int(position) + 1
    return shown


def test_every_attempt_asks_about_every_module_and_shuffles_true_false(client, auth, employee):
    auth.login(employee)
    read_all_modules(client, COURSE, MODULES, seconds=MIN_MINUTES * 30)
    true_false_orders = set()
    for _ in range(20):
        response = start(client)
        assert response.status_code == 302, text_of(response)[:300]
        shown = drawn_on_the_page(client.get(response.headers["Location"]).get_data(as_text=True))
        assert len(shown) == 2
        assert {QUESTION_MODULES[q] for q in shown} == set(MODULES)
        true_false_orders.add(tuple(shown["disclaimer"]))
        attempt = latest_attempt(employee)
        failed = client.post(
            f"/training/attempts/{attempt.id}", data=answer_form(attempt, right=False)
        )
        assert failed.status_code == 302
    # Shown in every attempt, true first and false first: 2 in 2^19 that a fair shuffle
    # of 20 attempts never changes the order.
    assert true_false_orders == {("True", "False"), ("False", "True")}
