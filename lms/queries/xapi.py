"""xAPI 1.0.3 statements for the quiz events of the outbox, and whether a send run has
work. A statement is the same however often it is built (its id derives from the
event's), so a statement sent again is one statement at the LRS.

- ``attempt.started`` → *attempted* the course's quiz;
- ``attempt.submitted`` → *completed*, then *passed* or *failed*, with the result.

The actor is an account (``homePage``: our ``BASE_URL``; ``name``: the employee id), never
an e-mail address; the object is the quiz as an activity (an assessment) inside the course
(``contextActivities.parent``); ``context.registration`` names the attempt and
``context.revision`` the course version.
"""

import uuid
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from lms.extensions import db
from lms.models import CourseVersion
from lms.models import OutboxEvent
from lms.models import User
from lms.models import XapiProgress
from lms.models import XapiSend
from lms.models import utcnow
from lms.queries import catalog

VERSION = "1.0.3"
#: The outbox kinds that become statements.
KINDS = ("attempt.started", "attempt.submitted")
VERBS = {
    name: {"id": f"http://adlnet.gov/expapi/verbs/{name}", "display": {"en-US": name}}
    for name in ("attempted", "completed", "passed", "failed")
}
ASSESSMENT = "http://adlnet.gov/expapi/activities/assessment"
COURSE = "http://adlnet.gov/expapi/activities/course"


def configured() -> bool:
    return bool(current_app.config["XAPI_LRS_URL"])


def statements(event: OutboxEvent) -> list[dict]:
    """The statements ``event`` becomes, in the order they are sent."""
    data = event.payload
    person = db.session.get_one(User, event.user_id)
    assert event.course_id is not None
    context = _context(event.course_id, data)
    target = _quiz_activity(event.course_id, data)
    actor = {
        "objectType": "Agent",
        "account": {"homePage": _base(), "name": person.employee_id},
    }

    def statement(verb: str, at: str, result: dict | None = None) -> dict:
        found = {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{_base()}/xapi/{event.id}/{verb}")),
            "actor": actor,
            "verb": VERBS[verb],
            "object": target,
            "context": context,
            "timestamp": at,
        }
        return found | ({"result": result} if result is not None else {})

    if event.kind == "attempt.started":
        return [statement("attempted", data["started_at"])]
    duration = datetime.fromisoformat(data["submitted_at"]) - datetime.fromisoformat(
        data["started_at"]
    )
    result = {
        "score": {
            "scaled": round(data["score"] / 100, 4),
            "raw": data["points"],
            "min": 0,
            "max": data["questions"],
        },
        "success": data["passed"],
        "completion": True,
        "duration": iso_duration(duration),
    }
    at = data["submitted_at"]
    verdict = "passed" if data["passed"] else "failed"
    return [statement("completed", at, result), statement(verdict, at, result)]


def iso_duration(length: timedelta) -> str:
    """An ISO 8601 duration (``PT1H2M3S``; hundredths of seconds at most, as xAPI keeps)."""
    total = max(length.total_seconds(), 0.0)
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    text = "PT"
    if hours:
        text += f"{int(hours)}H"
    if minutes:
        text += f"{int(minutes)}M"
    return text + f"{round(seconds, 2):g}S"


def work_waiting(now: datetime, settle: timedelta, stale: timedelta) -> bool:
    """Whether a send run has anything to do: configured, and new events since the last
    look, a look-again window ``settle`` old, a send due, or one left sending for
    ``stale``. A few indexed reads: the schedule asks every minute."""
    if not configured():
        return False
    newest = db.session.scalar(sa.select(sa.func.max(OutboxEvent.id))) or 0
    progress = db.session.get(XapiProgress, 1)
    real_now = utcnow()
    if progress is None:
        return newest > 0
    if progress.scanned_event_id < newest:
        return True
    if (
        progress.settled_event_id < progress.seen_event_id
        and progress.seen_at is not None
        and progress.seen_at <= real_now - settle
    ):
        return True
    waiting = sa.select(XapiSend.id).where(
        sa.or_(
            sa.and_(XapiSend.status == "pending", XapiSend.next_attempt_at <= now),
            sa.and_(XapiSend.status == "sending", XapiSend.claimed_at < real_now - stale),
        )
    )
    return db.session.scalar(waiting.limit(1)) is not None


def _base() -> str:
    return current_app.config["BASE_URL"].rstrip("/")


def _quiz_activity(course_id: str, data: dict) -> dict:
    course = _course(course_id, data["version"])
    quiz = course.quiz(data["lang"]) if course else None
    name = {_tag(quiz.lang): quiz.title} if quiz else {"en": course_id}
    return {
        "objectType": "Activity",
        "id": f"{_base()}/training/{course_id}/quiz",
        "definition": {"name": name, "type": ASSESSMENT},
    }


def _context(course_id: str, data: dict) -> dict:
    course = _course(course_id, data["version"])
    lang = title_lang = data["lang"]
    if course is not None and lang not in course.meta.titles:
        title_lang = course.meta.source_language  # the title people saw: the source's
    title = course.meta.title(title_lang) if course else course_id
    return {
        "registration": str(
            uuid.uuid5(uuid.NAMESPACE_URL, f"{_base()}/attempts/{data['attempt_id']}")
        ),
        "revision": data["version"],
        "platform": "brand-ambassador-lms",
        "language": _tag(lang),
        "contextActivities": {
            "parent": [
                {
                    "objectType": "Activity",
                    "id": f"{_base()}/training/{course_id}",
                    "definition": {"name": {_tag(title_lang): title}, "type": COURSE},
                }
            ]
        },
    }


def _course(course_id: str, version: str):
    major, minor = (int(n) for n in version.split("."))
    row = db.session.scalar(
        sa.select(CourseVersion).where(
            CourseVersion.course_id == course_id,
            CourseVersion.major == major,
            CourseVersion.minor == minor,
        )
    )
    return catalog.course_of(row) if row is not None else None


def _tag(lang: str) -> str:
    """A BCP 47 tag (``zh-Hans``, ``pt-BR``) from our language names."""
    return lang.replace("_", "-")
