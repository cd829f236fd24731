"""A course required of an audience: everyone in it enrolled at once (including people who
never signed in) and told once in their language, newcomers too; only their clearance
counts it; exemptions; calendar-anchored recertification. Through HTTP and the CLI."""

import re
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.models import AuditEvent
from lms.models import Certification
from lms.models import Clearance
from lms.models import Enrollment
from lms.models import PasswordLink
from lms.models import Role
from lms.models import utcnow
from lms.services import assignments
from lms.services import clearance
from lms.services import person_status
from tests.helpers import COURSE
from tests.helpers import mail_settings
from tests.helpers import pass_course
from tests.helpers import sign_in
from tests.helpers import user
from tests.helpers import write_roster


@pytest.fixture
def app_config(smtp):
    return mail_settings(smtp)


@pytest.fixture
def staff(make_user):
    """Sales: Sam (never signed in, never invited, German), Sue (signed in, French), Ivy
    (invited long ago, never came); Mo in Marketing; HR."""
    sam = make_user(
        name="Sam Sales", email="sam@example.com", department="Sales", preferred_language="de"
    )
    sue = make_user(
        name="Sue Sales", email="sue@example.com", department="Sales", preferred_language="fr"
    )
    ivy = make_user(name="Ivy Sales", email="ivy@example.com", department="Sales")
    mo = make_user(name="Mo Marketing", email="mo@example.com", department="Marketing")
    hr = make_user(roles=[Role.HR], name="Hal HR", email="hal@example.com", department="HR")
    sam.password_hash = ivy.password_hash = None
    db.session.add(PasswordLink(user_id=ivy.id, kind="invitation", status="sent", attempts=1))
    db.session.commit()
    return {"sam": sam, "sue": sue, "ivy": ivy, "mo": mo, "hr": hr}


def require_for_sales(client, **extra):
    data = {
        "course_id": COURSE,
        "scope_kind": "department",
        "scope_value": "Sales",
        "due_kind": "after_assignment",
        "due_days": "30",
        "required": "y",
        "recertify": "rolling",
        "recertify_month": "1",
    } | extra
    return client.post("/hr/assignments", data=data)


def send(runner) -> str:
    result = runner.invoke(args=["lms", "invitations", "send"])
    assert result.exit_code == 0, result.output
    return result.output


def enrolment(person) -> Enrollment | None:
    return db.session.scalar(
        sa.select(Enrollment).where(Enrollment.user_id == person.id, Enrollment.course_id == COURSE)
    )


def course_statuses(person) -> dict[str, str]:
    row = db.session.get(Clearance, person.id, populate_existing=True)
    return {c["course_id"]: c["status"] for c in row.courses}


def test_requiring_a_course_of_sales_enrols_and_invites_every_salesperson_once(
    app, client, auth, staff, smtp, runner, tmp_path
):
    auth.login(staff["hr"])
    started = utcnow()
    response = require_for_sales(client)
    assert response.status_code == 302
    page = client.get("/hr/assignments").get_data(as_text=True)
    assert "3 people enrolled" in page
    assert "3 in the audience, 3 enrolled, 3 invited" in page

    for name in ("sam", "sue", "ivy"):
        row = enrolment(staff[name])
        assert row is not None and row.completed_at is None, name
        assert started + timedelta(days=30) <= row.due_at <= utcnow() + timedelta(days=30)
    assert enrolment(staff["mo"]) is None and enrolment(staff["hr"]) is None

    # The HR view's request started the delivery; a second run sends nothing more.
    assert "0 sent" in send(runner)
    by_person = {name: smtp.to(f"{name}@example.com") for name in ("sam", "sue", "ivy", "mo")}
    [invitation] = by_person["sam"]
    assert invitation["Subject"] == "Ihr Konto für die Markenbotschafter-Schulung"
    assert invitation["Content-Language"] == "de"
    [notice] = by_person["sue"]
    assert notice["Content-Language"] == "fr" and f"/training/{COURSE}" in notice.get_content()
    [notice] = by_person["ivy"]  # invited long ago: told of the course instead
    assert notice["Content-Language"] == "en" and "Please finish it by" in notice.get_content()
    assert by_person["mo"] == []

    # Their clearance counts the course; Mo's does not know it.
    assert course_statuses(staff["sam"]) == {COURSE: "not_certified"}
    assert course_statuses(staff["mo"]) == {}
    mo = db.session.get(Clearance, staff["mo"].id)
    assert [r["code"] for r in mo.reasons] == ["no_required_courses"]
    assert clearance.evaluate(staff["mo"], utcnow()).courses == ()

    # A salesperson hired later is enrolled and invited by the roster import.
    roster = write_roster(tmp_path, ["N1,nia@example.com,Nia New,Sales,DE,,es,2026-01-01,true"])
    result = runner.invoke(args=["lms", "roster", "import", str(roster)])
    assert result.exit_code == 0, result.output
    nia = user("N1")
    assert enrolment(nia) is not None and enrolment(nia).due_at is not None
    send(runner)
    [welcome] = smtp.to("nia@example.com")
    assert welcome["Content-Language"] == "es"
    assert "0 sent" in send(runner) and len(smtp.to("nia@example.com")) == 1

    # Overdue once the due dates pass.
    dashboard = client.get("/hr/").get_data(as_text=True)
    assert re.search(r"status=overdue\">0<", dashboard)
    db.session.execute(
        sa.update(Enrollment)
        .where(Enrollment.course_id == COURSE)
        .values(due_at=utcnow() - timedelta(days=1))
    )
    person_status.refresh_everyone()  # the write above went round the services that keep it
    db.session.commit()
    dashboard = client.get("/hr/").get_data(as_text=True)
    assert re.search(r"status=overdue\">4<", dashboard)
    assert "0 of 4 certified" in dashboard  # the Sales course counts for Sales only


def test_a_required_course_needs_an_audience(app, client, auth, staff):
    auth.login(staff["hr"])
    response = require_for_sales(client, scope_value="")
    assert response.status_code == 400
    assert "Name the department" in response.get_data(as_text=True)
    assert enrolment(staff["sam"]) is None


def test_the_page_warns_of_a_course_required_by_its_file_that_nobody_is_assigned(
    app, client, auth, staff
):
    auth.login(staff["hr"])
    assert "no rule assigns it" in client.get("/hr/assignments").get_data(as_text=True)
    require_for_sales(client, scope_kind="all", scope_value="")
    assert "no rule assigns it" not in client.get("/hr/assignments").get_data(as_text=True)


def test_an_audience_too_large_for_a_request_is_enrolled_by_a_job(
    app, client, auth, staff, monkeypatch
):
    monkeypatch.setattr(assignments, "INLINE_LIMIT", 2)
    auth.login(staff["hr"])
    response = require_for_sales(client)
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    job_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 enrolment(s) created." in job_page
    assert all(enrolment(staff[n]) is not None for n in ("sam", "sue", "ivy"))


def test_an_exemption_through_the_hr_page(app, client, auth, staff, token):
    auth.login(staff["hr"])
    require_for_sales(client)
    sam = staff["sam"]
    before_due = enrolment(sam).due_at
    ends_on = (utcnow() + timedelta(days=40)).date()  # past the due date
    response = client.post(
        f"/hr/people/{sam.employee_id}/exemptions",
        data={"course_id": COURSE, "reason": "Parental leave", "ends_on": ends_on.isoformat()},
    )
    assert response.status_code == 302
    person_page = client.get(f"/hr/people/{sam.employee_id}").get_data(as_text=True)
    assert "Parental leave" in person_page and "End now" in person_page

    [granted] = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "exemption.granted")
    ).all()
    assert granted.actor_id == staff["hr"].id and granted.subject_user_id == sam.id
    assert granted.after["reason"] == "Parental leave"
    # not overdue while exempt: due the course's 30 days after the exemption ends
    assert enrolment(sam).due_at > before_due + timedelta(days=30)

    api = client.get(
        f"/api/v1/clearance/{sam.employee_id}", headers={"Authorization": f"Bearer {token}"}
    ).get_json()
    [course] = api["courses"]
    assert course["status"] == "exempt" and api["cleared"] is False
    assert [r["code"] for r in api["reasons"]] == ["exempt", "no_required_courses"]

    # The end date ends it: the daily run's lapse sweep finds the course required again.
    after_end = datetime.combine(ends_on, datetime.min.time(), UTC) + timedelta(days=1)
    assignments.refresh_lapsed_clearances(after_end)
    assert course_statuses(sam) == {COURSE: "not_certified"}


def test_ending_an_exemption_early_and_bad_input(app, client, auth, staff):
    auth.login(staff["hr"])
    require_for_sales(client)
    sam, mo = staff["sam"], staff["mo"]
    url = f"/hr/people/{sam.employee_id}/exemptions"
    tomorrow = (utcnow() + timedelta(days=1)).date().isoformat()
    yesterday = (utcnow() - timedelta(days=1)).date().isoformat()
    client.post(url, data={"course_id": COURSE, "reason": "", "ends_on": tomorrow})
    client.post(url, data={"course_id": COURSE, "reason": "Leave", "ends_on": yesterday})
    page = client.get(f"/hr/people/{mo.employee_id}").get_data(as_text=True)
    assert "No course is required of this person." in page
    client.post(
        f"/hr/people/{mo.employee_id}/exemptions",
        data={"course_id": COURSE, "reason": "Leave", "ends_on": tomorrow},
    )
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "exemption.granted")
        )
        == 0
    )

    client.post(url, data={"course_id": COURSE, "reason": "Leave", "ends_on": tomorrow})
    assert course_statuses(sam) == {COURSE: "exempt"}
    exemption_id = db.session.scalar(sa.text("SELECT id FROM exemptions"))
    response = client.post(f"{url}/{exemption_id}/end")
    assert response.status_code == 302
    assert course_statuses(sam) == {COURSE: "not_certified"}
    [ended] = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "exemption.ended")
    ).all()
    assert ended.actor_id == staff["hr"].id


def test_calendar_recertification_lands_on_the_anchor(app, client, auth, staff):
    auth.login(staff["hr"])
    response = require_for_sales(client, recertify="month", recertify_month="1")
    assert response.status_code == 302
    client.post("/logout")
    sue = staff["sue"]
    sign_in(client, sue)
    pass_course(client, sue)
    cert = db.session.scalar(sa.select(Certification).where(Certification.user_id == sue.id))
    expires = cert.expires_at
    assert (expires.month, expires.day, expires.hour, expires.minute) == (1, 31, 23, 59)
    assert expires - cert.issued_at > timedelta(days=30)
    assert expires - cert.issued_at <= timedelta(days=366 + 31)


def test_a_fixed_day_needs_its_day(app, client, auth, staff):
    auth.login(staff["hr"])
    response = require_for_sales(client, recertify="day", recertify_month="2", recertify_day="30")
    assert response.status_code == 400
    response = require_for_sales(client, recertify="day", recertify_month="3")
    assert response.status_code == 400
    assert enrolment(staff["sam"]) is None
    assert (
        require_for_sales(
            client, recertify="day", recertify_month="3", recertify_day="31"
        ).status_code
        == 302
    )


def test_the_cli_requires_a_course_of_a_country_with_a_fixed_recertification_day(
    app, runner, staff, make_user
):
    de = make_user(name="Dora DE", email="dora@example.com", country="DE")
    args = ["lms", "assignments", "add", "--course", COURSE, "--country", "DE"]
    result = runner.invoke(
        args=[
            *args,
            "--due-days",
            "14",
            "--required",
            "--recertify-month",
            "3",
            "--recertify-day",
            "31",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "1 people enrolled" in result.output
    assert enrolment(de) is not None and enrolment(staff["sam"]) is None
    assert course_statuses(staff["sam"]) == {}  # not in the audience
    result = runner.invoke(args=[*args, "--due-days", "14", "--recertify-month", "3"])
    assert result.exit_code != 0
    assert "Only a course required for clearance" in result.output
