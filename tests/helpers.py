"""Helpers shared by the HTTP tests."""

import sqlalchemy as sa

from lms.extensions import db
from lms.models import QuizAttempt
from lms.services import quiz as quiz_service


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
