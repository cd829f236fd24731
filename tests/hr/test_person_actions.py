"""HR acts on one person from their page (assign a course, extend a due date) and on
everyone a directory search finds (a ``people_bulk`` job): audited, reflected in the
clearance API at once, CSRF-protected, HR only; a bulk job run twice changes nothing more."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms import jobs
from lms.extensions import db
from lms.models import Clearance
from lms.models import Enrollment
from lms.models import Job
from lms.models import PasswordLink
from lms.models import Role
from lms.models import utcnow
from tests.helpers import COURSE
from tests.helpers import PASSWORD
from tests.helpers import csrf_token_of
from tests.helpers import events
from tests.helpers import sign_in
from tests.helpers import text_of


@pytest.fixture
def hr_user(make_user):
    return make_user(roles=[Role.HR], name="Hanna Hr", employee_id="H1", department="HR")


@pytest.fixture
def hr(app, hr_user):
    client = app.test_client()
    sign_in(client, hr_user)
    return client


@pytest.fixture
def ann(make_user):
    return make_user(name="Ann Jones", employee_id="A1", department="Sales")


def open_enrolments(person) -> list[Enrollment]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(Enrollment).where(
                Enrollment.user_id == person.id, Enrollment.completed_at.is_(None)
            )
        )
    )


def in_days(days: int) -> str:
    return (utcnow() + timedelta(days=days)).date().isoformat()


def api_answer(client, token, person) -> dict:
    response = client.get(
        f"/api/v1/clearance/{person.employee_id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    return response.get_json()


def test_hr_assigns_a_course_to_one_person(hr, hr_user, ann, token):
    assert db.session.get(Clearance, ann.id) is None  # made without one
    page = hr.get("/hr/people/A1").get_data(as_text=True)
    assert "Act on this person" in page and "Assign the course" in page
    response = hr.post(
        "/hr/people/A1/assign",
        data={"course_id": COURSE, "due_date": in_days(10)},
        follow_redirects=True,
    )
    assert "Course assigned." in text_of(response)
    [enrolment] = open_enrolments(ann)
    assert enrolment.reason == "assigned" and enrolment.due_at.date().isoformat() == in_days(10)
    [event] = events("enrollment.assigned")
    assert event.actor_id == hr_user.id and event.subject_user_id == ann.id
    assert event.after == {"enrollment_id": enrolment.id, "due_at": event.after["due_at"]}
    assert event.after["due_at"].startswith(in_days(10))
    # The clearance is written in the same transaction; the API answers it at once.
    stored = db.session.get(Clearance, ann.id)
    assert stored is not None and stored.cleared is False
    answer = api_answer(hr, token, ann)
    assert answer["cleared"] is False and [c["course_id"] for c in answer["courses"]] == [COURSE]

    again = hr.post(
        "/hr/people/A1/assign",
        data={"course_id": COURSE, "due_date": in_days(20)},
        follow_redirects=True,
    )
    assert "enrolled in that course already" in text_of(again)
    assert len(open_enrolments(ann)) == 1


@pytest.mark.parametrize(
    "data, message",
    [
        ({"course_id": "no-such-course", "due_date": "2099-01-01"}, "Not a valid choice"),
        ({"course_id": COURSE, "due_date": "2001-01-01"}, "The due date has passed"),
        ({"course_id": COURSE, "due_date": "tomorrow"}, "Give the due date."),
        ({"course_id": COURSE}, "Give the due date."),
    ],
)
def test_bad_assignments_are_explained_and_change_nothing(hr, ann, data, message):
    response = hr.post("/hr/people/A1/assign", data=data, follow_redirects=True)
    assert response.status_code == 200 and message in text_of(response)
    assert open_enrolments(ann) == []


def test_hr_extends_a_due_date(hr, hr_user, ann, token):
    hr.post("/hr/people/A1/assign", data={"course_id": COURSE, "due_date": in_days(5)})
    [enrolment] = open_enrolments(ann)
    page = hr.get("/hr/people/A1").get_data(as_text=True)
    assert "Extend the due date" in page
    earlier = hr.post(
        "/hr/people/A1/extend",
        data={"course_id": COURSE, "due_date": in_days(3)},
        follow_redirects=True,
    )
    assert "Choose a date later than the current due date." in text_of(earlier)
    response = hr.post(
        "/hr/people/A1/extend",
        data={"course_id": COURSE, "due_date": in_days(30)},
        follow_redirects=True,
    )
    assert "Due date changed." in text_of(response)
    [after] = open_enrolments(ann)
    assert after.id == enrolment.id and after.due_at.date().isoformat() == in_days(30)
    [event] = events("enrollment.due_changed")
    assert event.actor_id == hr_user.id and event.subject_user_id == ann.id
    assert event.before["due_at"].startswith(in_days(5))
    assert event.after["due_at"].startswith(in_days(30))
    assert event.before["enrollment_id"] == event.after["enrollment_id"] == enrolment.id
    assert api_answer(hr, token, ann)["cleared"] is False


def test_extending_needs_an_open_enrolment(hr, ann):
    response = hr.post(
        "/hr/people/A1/extend",
        data={"course_id": COURSE, "due_date": in_days(30)},
        follow_redirects=True,
    )
    assert "Not a valid choice" in text_of(response)  # nothing open to choose
    assert events("enrollment.due_changed") == []


@pytest.mark.parametrize("action", ["assign", "extend"])
def test_employees_and_leads_may_not_act(app, make_user, ann, action):
    for roles in ([], [Role.LEAD]):
        client = app.test_client()
        sign_in(client, make_user(roles=roles, department="Sales"))
        data = {"course_id": COURSE, "due_date": in_days(9)}
        assert client.post(f"/hr/people/A1/{action}", data=data).status_code == 403
    assert client.post("/hr/directory/bulk", data={"action": "resend"}).status_code == 403
    assert open_enrolments(ann) == []


def test_unknown_people_are_404(hr):
    response = hr.post("/hr/people/NOPE/assign", data={"course_id": COURSE})
    assert response.status_code == 404


# --- Bulk -----------------------------------------------------------------------------


@pytest.fixture
def team(make_user):
    return [make_user(name=f"Team Member{n}", department="Ops") for n in range(7)]


def start_bulk(hr, query: str, data: dict):
    page = hr.get(f"/hr/directory/bulk?{query}")
    assert page.status_code == 200
    response = hr.post(f"/hr/directory/bulk?{query}", data=data)
    assert response.status_code == 302 and "/jobs/" in response.location, text_of(response)
    return int(re.search(r"/jobs/(\d+)", response.location).group(1)), text_of(page)


def test_bulk_assign_on_a_search_reaches_done_and_running_it_twice_adds_nothing(
    hr, hr_user, team, ann
):
    listing = text_of(hr.get("/hr/directory?department=Ops"))
    assert "Apply to the 7 people shown" in listing
    data = {"action": "assign", "course_id": COURSE, "due_date": in_days(14)}
    job_id, confirm = start_bulk(hr, "department=Ops", data)
    assert "This applies to 7 people" in confirm
    job = db.session.get(Job, job_id, populate_existing=True)
    assert job.status == "succeeded" and (job.done, job.total) == (7, 7)
    assert job.result == {"action": "assign", "changed": 7, "unchanged": 0}
    assert "7 person(s) changed, 0 already as asked" in text_of(hr.get(f"/jobs/{job_id}"))
    assert all(len(open_enrolments(p)) == 1 for p in team)
    assert open_enrolments(ann) == []  # not in the search
    assigned = events("enrollment.assigned")
    assert len(assigned) == 7 and {e.after["bulk_job"] for e in assigned} == {job_id}
    assert {e.actor_id for e in assigned} == {hr_user.id}
    for person in team:  # the clearance row is written with the enrolment
        assert db.session.get(Clearance, person.id) is not None

    rerun = jobs.run_here("people_bulk", job.params, hr_user.id)
    assert rerun.status == "succeeded" and rerun.done == 7
    assert rerun.result == {"action": "assign", "changed": 0, "unchanged": 7}
    assert all(len(open_enrolments(p)) == 1 for p in team)
    assert len(events("enrollment.assigned")) == 7


def test_bulk_extend_moves_due_dates_only_later(hr, team):
    start_bulk(hr, "q=member", {"action": "assign", "course_id": COURSE, "due_date": in_days(5)})
    job_id, _ = start_bulk(
        hr, "q=team+mem", {"action": "extend", "course_id": COURSE, "due_date": in_days(40)}
    )
    job = db.session.get(Job, job_id, populate_existing=True)
    assert job.result["changed"] == 7 and job.done == 7
    assert {open_enrolments(p)[0].due_at.date().isoformat() for p in team} == {in_days(40)}
    changed = events("enrollment.due_changed")
    assert len(changed) == 7 and all(e.after["bulk_job"] == job_id for e in changed)


def test_bulk_resend_invites_people_without_a_password_once(hr, team):
    for person in team[:3]:
        person.password_hash = None
    db.session.commit()
    job_id, _ = start_bulk(hr, "department=Ops", {"action": "resend"})
    job = db.session.get(Job, job_id, populate_existing=True)
    assert job.result == {"action": "resend", "changed": 3, "unchanged": 4}
    resent = events("invitation.resent")
    assert sorted(e.subject_user_id for e in resent) == sorted(p.id for p in team[:3])
    assert all(e.after["bulk_job"] == job_id for e in resent)
    links = db.session.scalar(sa.select(sa.func.count(PasswordLink.id)))
    assert links >= 3


def test_bulk_refuses_bad_input_with_a_message(hr, team):
    response = hr.post(
        "/hr/directory/bulk?department=Ops", data={"action": "assign", "course_id": COURSE}
    )
    assert response.status_code == 400 and "Give the due date." in text_of(response)
    response = hr.post("/hr/directory/bulk?department=Ops", data={"action": "explode"})
    assert response.status_code == 400 and "Not a valid choice" in text_of(response)
    assert db.session.scalar(sa.select(sa.func.count(Job.id))) == 0


class TestCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_actions_need_the_pages_token(self, client, hr_user, ann):
        page = client.get("/login").get_data(as_text=True)
        response = client.post(
            "/login",
            data={"email": hr_user.email, "password": PASSWORD, "csrf_token": csrf_token_of(page)},
        )
        assert response.status_code == 302
        data = {"course_id": COURSE, "due_date": in_days(9)}
        assert client.post("/hr/people/A1/assign", data=data).status_code == 400
        assert client.post("/hr/people/A1/extend", data=data).status_code == 400
        bulk = {"action": "assign", **data}
        assert client.post("/hr/directory/bulk?q=ann", data=bulk).status_code == 400
        assert open_enrolments(ann) == []
        person_page = client.get("/hr/people/A1").get_data(as_text=True)
        token = csrf_token_of(person_page)
        response = client.post("/hr/people/A1/assign", data={**data, "csrf_token": token})
        assert response.status_code == 302 and len(open_enrolments(ann)) == 1
