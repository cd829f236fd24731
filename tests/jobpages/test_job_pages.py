"""``/jobs`` and ``/jobs/<id>``: who sees which job, and what the pages say."""

import pytest

from lms import jobs
from lms.models import Role
from lms.services import jobs as job_rows
from tests.helpers import sign_in
from tests.helpers import text_of


@pytest.fixture
def people(make_user):
    return {
        "hr": make_user(roles=[Role.HR]),
        "marketing": make_user(roles=[Role.MARKETING]),
        "admin": make_user(roles=[Role.ADMIN]),
        "employee": make_user(),
    }


def client_of(app, person):
    client = app.test_client()
    sign_in(client, person)
    return client


def test_the_job_pages_need_a_sign_in(client):
    assert client.get("/jobs").status_code == 302
    assert client.get("/jobs/1").status_code == 302


def test_each_role_sees_the_jobs_of_its_kinds(app, people):
    rules = jobs.start("assignment_rules", {}, people["hr"].id)
    sync = job_rows.create("sync", {"root": "/nowhere"}, None)
    hr, marketing = client_of(app, people["hr"]), client_of(app, people["marketing"])
    admin, employee = client_of(app, people["admin"]), client_of(app, people["employee"])

    assert employee.get("/jobs").status_code == 403
    assert employee.get(f"/jobs/{rules.id}").status_code == 403
    assert hr.get(f"/jobs/{rules.id}").status_code == 200
    assert hr.get(f"/jobs/{sync.id}").status_code == 403
    assert marketing.get(f"/jobs/{sync.id}").status_code == 200
    assert marketing.get(f"/jobs/{rules.id}").status_code == 403
    assert admin.get(f"/jobs/{rules.id}").status_code == 200
    assert hr.get("/jobs/999999").status_code == 404

    hr_list = text_of(hr.get("/jobs"))
    assert "Apply the assignment rules" in hr_list and "Publish the course files" not in hr_list
    marketing_list = text_of(marketing.get("/jobs"))
    assert "Publish the course files" in marketing_list
    assert "Apply the assignment rules" not in marketing_list
    admin_list = text_of(admin.get("/jobs"))
    assert "Publish the course files" in admin_list and "Apply the assignment rules" in admin_list


def test_a_finished_job_shows_its_outcome_and_who_started_it(app, people):
    done = jobs.start("assignment_rules", {}, people["hr"].id)
    page = client_of(app, people["hr"]).get(f"/jobs/{done.id}")
    text = text_of(page)
    assert "Done" in text and "0 enrolment(s) created." in text
    assert people["hr"].name in text
    assert "http-equiv" not in page.get_data(as_text=True)
    listing = text_of(client_of(app, people["hr"]).get("/jobs"))
    assert "0 enrolment(s) created." in listing


def test_a_waiting_job_refreshes_itself_and_works_without_script(app, people):
    waiting = job_rows.create("daily", {}, None)
    page = client_of(app, people["hr"]).get(f"/jobs/{waiting.id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "Waiting for a worker" in page and "<progress" in page


def test_a_refused_job_reads_in_the_readers_language(app, people):
    hr = client_of(app, people["hr"])
    refused = jobs.start("roster_apply", {"upload_id": 999999}, people["hr"].id)
    assert "already applied" in text_of(hr.get(f"/jobs/{refused.id}"))
    hr.post("/language", data={"lang": "de"})
    german = text_of(hr.get(f"/jobs/{refused.id}"))
    assert "already applied" not in german
