"""Publishing minor and major versions, recertification, history, diffs and rollback."""

from datetime import timedelta

import sqlalchemy as sa

from lms.extensions import db
from lms.models import CourseDraft
from lms.models import CourseVersion
from lms.models import User
from lms.models import utcnow
from lms.queries import catalog
from lms.services import clearance
from tests.helpers import COURSE
from tests.helpers import COURSE_YML
from tests.helpers import EN_MODULE
from tests.helpers import certify_through_pages
from tests.helpers import draft_text
from tests.helpers import events
from tests.helpers import publish
from tests.helpers import save
from tests.helpers import text_of

CHANGED = "---\ntitle: Say who you work for\n---\n\nAlways disclose that you work for us.\n"


def api_status(client, employee, token) -> dict:
    return client.get(
        f"/api/v1/clearance/{employee.employee_id}", headers={"Authorization": f"Bearer {token}"}
    ).json


def latest() -> CourseVersion:
    db.session.expire_all()
    return catalog.latest_version(COURSE)


def test_publish_page_shows_the_changes_and_the_next_numbers(author):
    save(author, EN_MODULE, CHANGED)
    page = author.get(f"/author/{COURSE}/publish")
    text = text_of(page)
    assert "becomes 1.1" in text and "becomes 2.0" in text
    html = page.get_data(as_text=True)
    assert "<del>When you post about our products, say that you work for us.</del>" in html
    assert "<ins>Always disclose that you work for us.</ins>" in html
    assert 'value="30"' in html  # the grace period defaults to course.yml's


def test_minor_publish_keeps_certifications_valid(app, author, employee, marketer, token):
    certify_through_pages(app.test_client(), employee)
    save(author, EN_MODULE, CHANGED)
    response = publish(author, "minor")
    assert response.status_code == 302
    version = latest()
    assert version.version == "1.1" and version.recertify_by is None
    assert version.origin == "editor" and version.published_by_id == marketer.id
    assert 'version: "1.1"' in catalog.version_files(version)[COURSE_YML].decode()
    assert catalog.course_of(version).meta.version == "1.1"  # files and DB agree
    assert db.session.get(CourseDraft, COURSE) is None  # the draft became the version
    body = api_status(app.test_client(), employee, token)
    assert body["cleared"] is True and body["courses"][0]["status"] == "cleared"
    event = events("content.published")[-1]
    assert event.actor_id == marketer.id
    assert event.after["version"] == "1.1" and event.after["kind"] == "minor"
    assert event.after["grace_days"] is None


def test_major_publish_forces_recertification_after_the_grace_period(
    app, author, employee, marketer, token, runner
):
    certify_through_pages(app.test_client(), employee)
    save(author, EN_MODULE, CHANGED)
    response = publish(author, "major", grace_days=14)
    assert response.status_code == 302
    version = latest()
    assert version.version == "2.0"
    assert abs(version.recertify_by - (utcnow() + timedelta(days=14))) < timedelta(minutes=5)
    event = events("content.published")[-1]
    assert (event.after["kind"], event.after["grace_days"], event.actor_id) == (
        "major",
        14,
        marketer.id,
    )

    body = api_status(app.test_client(), employee, token)  # within the grace period
    assert body["cleared"] is True and body["courses"][0]["status"] == "grace"
    user = db.session.get(User, employee.id)
    after_grace = version.recertify_by + timedelta(seconds=1)
    assert clearance.current(user, now=after_grace).cleared is False
    assert clearance.current(user, now=after_grace).courses[0]["status"] == "superseded"

    # The deadline passes in the database; the nightly refresh records it.
    version.recertify_by = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert runner.invoke(args=["lms", "clearance-refresh"]).exit_code == 0
    body = api_status(app.test_client(), employee, token)
    assert body["cleared"] is False and body["courses"][0]["status"] == "superseded"


def test_major_publish_asks_recertification_of_learners(app, author, employee):
    from tests.helpers import sign_in

    certify_through_pages(app.test_client(), employee)
    save(author, EN_MODULE, CHANGED)
    publish(author, "major", grace_days=30)
    learner = app.test_client()
    sign_in(learner, employee)
    learner.get("/training")
    from lms.services import learning

    assert learning.open_enrollment(db.session.get(User, employee.id), COURSE).reason == "recertify"


def test_publishing_refuses_a_draft_with_errors(author):
    save(author, COURSE_YML, draft_text(COURSE_YML).replace("pass_mark: 80", "pass_mark: 0"))
    page = author.get(f"/author/{COURSE}/publish")
    assert "cannot be published until these errors are fixed" in text_of(page)
    response = publish(author, "minor")
    assert response.status_code == 400
    assert "Nothing was published" in text_of(response)
    assert latest().version == "1.0"
    assert db.session.get(CourseDraft, COURSE) is not None


def test_major_needs_a_grace_period(author):
    save(author, EN_MODULE, CHANGED)
    response = publish(author, "major")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="grace_days-error"' in html and "grace_days-help grace_days-error" in html
    assert latest().version == "1.0"


def test_publish_without_a_draft_says_so(author):
    assert "no draft to publish" in text_of(author.get(f"/author/{COURSE}/publish"))
    assert publish(author, "minor").status_code == 400
    assert latest().version == "1.0"


def test_history_and_diff_per_file(author):
    save(author, EN_MODULE, CHANGED)
    publish(author, "minor")
    history = text_of(author.get(f"/author/{COURSE}/versions"))
    assert "1.1" in history and "Minor" in history and "Mia Marketing" in history
    diff = author.get(f"/author/{COURSE}/versions/1.1")
    html = diff.get_data(as_text=True)
    text = text_of(diff)
    assert "changes since 1.0" in text and "Module “say-who-you-are” · English" in text
    assert "Course settings (course.yml)" in text  # the version line changed too
    assert '<span class="visually-hidden">Added</span>' in html
    assert '<span class="visually-hidden">Removed</span>' in html
    assert author.get(f"/author/{COURSE}/versions/9.9").status_code == 404


def test_rollback_publishes_the_old_content_as_a_new_version(author, marketer):
    original = catalog.version_files(latest())[EN_MODULE]
    save(author, EN_MODULE, CHANGED)
    publish(author, "minor")
    confirm = text_of(author.get(f"/author/{COURSE}/versions/1.0/rollback"))
    assert "Roll back to version 1.0" in confirm
    response = author.post(
        f"/author/{COURSE}/versions/1.0/rollback", data={"kind": "minor", "submit": "Publish"}
    )
    assert response.status_code == 302
    version = latest()
    assert version.version == "1.2" and version.origin == "rollback"
    files = catalog.version_files(version)
    assert files[EN_MODULE] == original
    assert 'version: "1.2"' in files[COURSE_YML].decode()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CourseVersion)) == 3
    event = events("content.rolled_back")[-1]
    assert event.actor_id == marketer.id
    assert event.after == {"version": "1.2", "restored": "1.0", "kind": "minor", "grace_days": None}
    assert events("content.published")[-1].after["origin"] == "rollback"


def test_rollback_to_the_current_version_is_refused(author):
    response = author.post(
        f"/author/{COURSE}/versions/1.0/rollback", data={"kind": "minor", "submit": "Publish"}
    )
    assert response.status_code == 400
    assert latest().version == "1.0"
