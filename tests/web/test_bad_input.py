"""Hostile input gets a clear 4xx that names the problem, never a 500 (issue 11, faults 4
and 8), on both databases."""

import io

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.models import ApiToken
from lms.models import AssignmentRule
from lms.models import AuditEvent
from lms.models import Role
from lms.models import RosterUpload
from lms.models import User
from lms.services import roster
from tests.helpers import PASSWORD
from tests.helpers import text_of

COURSE = "policy-basics"
HUGE = "99999999999999999999"


@pytest.fixture
def app_config():
    # As on a real server: exceptions reach the error handlers instead of the test.
    return {"PROPAGATE_EXCEPTIONS": False}


@pytest.fixture
def hr(make_user):
    return make_user(roles=[Role.HR], email="hr@example.com", employee_id="HR1", department="Sales")


@pytest.fixture
def marketer(make_user):
    return make_user(roles=[Role.MARKETING], email="mia@example.com")


def sign_in(client, user):
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302


def assert_refuses_nul(response):
    assert response.status_code == 400, response.get_data(as_text=True)[:500]
    assert "cannot be stored" in text_of(response)


# ---------------------------------------------------------------- NUL (fault 4)


def test_login_form_with_nul_is_refused(client, employee):
    assert_refuses_nul(client.post("/login", data={"email": "a\x00b", "password": "x"}))
    assert_refuses_nul(client.post("/login", data={"email": employee.email, "password": "x\x00"}))


@pytest.mark.parametrize(
    "url",
    [
        f"/training/{COURSE}%00",
        f"/training/{COURSE}/modules/a%00",
        "/hr/people/HR1%00",
        "/hr/people?department=Sales%00",
        "/hr/?manager=%00",
        "/hr/export/status.csv?country=%00",
        "/hr/export/attempts.csv?department=%00",
        "/hr/audit?employee=%00",
        "/hr/audit.csv?course=%00",
        f"/author/{COURSE}%00",
        f"/author/{COURSE}/versions/1.0%00",
        "/training?x=%00",
        "/hr/people?%00=1",
    ],
)
def test_nul_in_the_address_is_refused(client, hr, marketer, url):
    sign_in(client, marketer if url.startswith("/author") else hr)
    assert_refuses_nul(client.get(url))


def test_nul_in_the_api_path_is_refused_as_json(client, employee):
    row, token = ApiToken.issue("test")
    db.session.add(row)
    db.session.commit()
    response = client.get("/api/v1/clearance/a%00b", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400 and response.is_json
    assert "cannot be stored" in response.json["message"]


def test_nul_in_a_roster_file_name_is_refused_and_nothing_is_stored(client, hr):
    sign_in(client, hr)
    data = {"file": (io.BytesIO(b"employee_id,email,name\n"), "ros\x00ter.csv")}
    assert_refuses_nul(client.post("/hr/roster", data=data, content_type="multipart/form-data"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RosterUpload)) == 0


def test_nul_in_an_assignment_rule_is_refused_and_nothing_is_saved(client, hr):
    sign_in(client, hr)
    response = client.post(
        "/hr/assignments",
        data={
            "course_id": COURSE,
            "scope_kind": "department",
            "scope_value": "Sa\x00les",
            "due_kind": "after_assignment",
            "due_days": "30",
        },
    )
    assert_refuses_nul(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AssignmentRule)) == 0


def test_nul_in_an_authored_file_is_refused(client, marketer):
    sign_in(client, marketer)
    response = client.post(
        f"/author/{COURSE}/files/courses/{COURSE}/en/01-say-who-you-are.md",
        data={"text": "# Title\n\x00", "save": "1"},
    )
    assert_refuses_nul(response)


def test_error_page_survives_a_failed_transaction(app, client, employee, monkeypatch):
    """After a database error the session is rolled back before the error page renders,
    so the person sees the site's 500 page, not a bare server error."""

    def broken():
        db.session.commit()  # expires the signed-in user: the page must reload it
        db.session.add(
            User(employee_id=employee.employee_id, email="dup@example.com", name="Duplicate")
        )
        db.session.flush()  # IntegrityError: the transaction is now unusable

    # The app is shared by the tests, so a route of an existing page breaks, not a new one.
    monkeypatch.setitem(app.view_functions, "public.guidelines", broken)
    sign_in(client, employee)
    response = client.get("/guidelines")
    assert response.status_code == 500
    assert "Something went wrong on our side" in text_of(response)
    assert "Sign out" in text_of(response)  # the menu, built from the reloaded user


# ---------------------------------------------------------------- huge numbers (fault 8)


@pytest.mark.parametrize(
    "url",
    [
        f"/training/attempts/{HUGE}",
        f"/training/attempts/{HUGE}/result",
        "/training/attempts/2147483648",
        f"/hr/roster/uploads/{HUGE}",
        "/hr/roster/uploads/%EF%BC%91",
        "/hr/roster/uploads/%D9%A1",  # full-width, Arabic-Indic 1
    ],
)
def test_ids_beyond_the_database_range_are_not_found(client, hr, url):
    sign_in(client, hr)
    roster.store_upload(b"employee_id,email,name\n", "r.csv", hr.id)  # upload 1 exists
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "url", [f"/hr/roster/uploads/{HUGE}/apply", f"/hr/assignments/{HUGE}/deactivate"]
)
def test_posts_to_ids_beyond_the_database_range_are_not_found(client, hr, url):
    sign_in(client, hr)
    assert client.post(url).status_code == 404


def test_the_largest_id_the_database_holds_is_just_not_found(client, hr):
    sign_in(client, hr)
    assert client.get("/hr/roster/uploads/2147483647").status_code == 404


@pytest.mark.parametrize("path", ["/hr/people", "/hr/audit"])
@pytest.mark.parametrize("page", ["9223372036854775807", "99999999999999999999", "9" * 5000])
def test_a_page_past_the_end_shows_the_last_page(client, hr, path, page):
    sign_in(client, hr)
    response = client.get(f"{path}?page={page}")
    assert response.status_code == 200
    assert "Page 1 of 1" in text_of(response) or "Page" not in text_of(response)


@pytest.mark.parametrize(
    "query", ["until=9999-12-31", "since=9999-12-31", "since=0001-01-01&until=9999-12-31"]
)
def test_audit_dates_too_far_ahead_are_refused_with_a_message(client, hr, query):
    sign_in(client, hr)
    page = client.get(f"/hr/audit?{query}")
    assert page.status_code == 400
    assert "too far in the future" in text_of(page)
    export = client.get(f"/hr/audit.csv?{query}")
    assert export.status_code == 400
    assert "too far in the future" in export.get_data(as_text=True)


def test_the_last_storable_audit_date_still_works(client, hr):
    sign_in(client, hr)
    db.session.add(AuditEvent(action="test.event"))
    db.session.commit()
    response = client.get("/hr/audit?since=2000-01-01&until=9999-12-30")
    assert response.status_code == 200 and "test.event" in text_of(response)
