"""The manager's page /team: direct and indirect reports, paging, reminders sent now.

=====  ========  ===============================  =========
who    manager   records                          status
=====  ========  ===============================  =========
CEO    –         –                                todo
M1     CEO       –                                todo
A      M1        enrolled, due 3 days ago (de)    overdue
B      M1        certified, expires in 10 days    expiring
M2     M1        –                                todo
C      M2        enrolled, due 20 days ago        overdue
O      –         –                                todo
D      O         enrolled, due 2 days ago         overdue
E      –         nobody reports to E              todo
=====  ========  ===============================  =========
"""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.models import AuditEvent
from lms.models import Enrollment
from lms.models import Job
from lms.models import ReminderSent
from lms.models import Role
from lms.models import utcnow
from lms.services import person_status
from tests.helpers import PASSWORD
from tests.helpers import certify
from tests.helpers import csrf_token_of
from tests.helpers import mail_settings
from tests.helpers import sign_in
from tests.helpers import text_of

COURSE = "policy-basics"


@pytest.fixture
def app_config(smtp):
    return mail_settings(smtp)


@pytest.fixture
def org(make_user):
    people = {}

    def person(eid, manager=None, **fields):
        fields.setdefault("preferred_language", "en")
        people[eid] = make_user(
            employee_id=eid,
            email=f"{eid.lower()}@example.com",
            name=f"Name {eid}",
            manager_id=people[manager].id if manager else None,
            **fields,
        )
        return people[eid]

    def enrol(eid, due_in_days):
        db.session.add(
            Enrollment(
                user_id=people[eid].id,
                course_id=COURSE,
                reason="required",
                assigned_at=utcnow() - timedelta(days=40),
                due_at=utcnow() + timedelta(days=due_in_days),
            )
        )
        db.session.flush()
        person_status.refresh([people[eid].id])  # as the services do with every enrolment
        db.session.commit()

    person("CEO")
    person("M1", "CEO")
    person("A", "M1", preferred_language="de")
    person("B", "M1")
    person("M2", "M1")
    person("C", "M2")
    person("O")
    person("D", "O")
    person("E")
    enrol("A", -3)
    enrol("C", -20)
    enrol("D", -2)
    certify(people["B"], expires_in=timedelta(days=10))
    return people


def team_page(client, **args):
    response = client.get("/team", query_string=args)
    assert response.status_code == 200, response.status_code
    return response


def test_a_manager_sees_direct_and_indirect_reports_and_nobody_else(app, org):
    client = app.test_client()
    sign_in(client, org["M1"])
    text = text_of(team_page(client))
    assert "4 people report to you: 3 directly" in text
    for eid in ("A", "B", "M2", "C"):
        assert f"Name {eid}" in text
    for eid in ("CEO", "O", "D", "E"):
        assert f"Name {eid}" not in text
    assert "My team" in text  # in the navigation

    ceo = app.test_client()
    sign_in(ceo, org["CEO"])
    text = text_of(team_page(ceo))
    assert "5 people report to you: 1 directly" in text
    assert "Name C" in text and "Name D" not in text


def test_the_status_filter_and_the_most_urgent_first(app, org):
    client = app.test_client()
    sign_in(client, org["M1"])
    text = text_of(team_page(client, status="overdue"))
    assert "Name A" in text and "Name C" in text and "Name B" not in text
    text = text_of(team_page(client, status="expiring"))
    assert "Name B" in text and "Name A" not in text
    everyone = text_of(team_page(client))
    rows = [everyone.index(f"Name {e} {e} ") for e in ("A", "B", "M2")]  # name, then id
    assert rows == sorted(rows)  # overdue, expiring soon, to do
    assert text_of(team_page(client, status="nonsense")).count("Name ") >= 4  # ignored


def test_someone_without_reports_gets_403_and_no_link(app, org):
    client = app.test_client()
    sign_in(client, org["E"])
    assert client.get("/team").status_code == 403
    assert "My team" not in text_of(client.get("/training/"))
    token = csrf_token_of(client.get("/account").get_data(as_text=True))
    assert client.post("/team/remind/A", data={"csrf_token": token}).status_code == 403


def test_signed_out_goes_through_sign_in_and_comes_back(app, org):
    client = app.test_client()
    response = client.get("/team")
    assert response.status_code == 302
    assert "/login?next=%2Fteam" in response.headers["Location"]
    response = client.post(
        "/login?next=%2Fteam", data={"email": "m1@example.com", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/team"


def test_pages_of_many_reports(app, org, make_user, monkeypatch):
    from lms.learn import team as team_views

    monkeypatch.setattr(team_views, "PER_PAGE", 2)
    client = app.test_client()
    sign_in(client, org["M1"])
    first = text_of(team_page(client))
    assert "Page 1 of 2" in first
    second = text_of(team_page(client, page=2))
    assert "Page 2 of 2" in second
    names = {f"Name {e}" for e in ("A", "B", "M2", "C")}
    assert {n for n in names if n in first} | {n for n in names if n in second} == names
    assert "Page 2 of 2" in text_of(team_page(client, page=99))  # past the end: the last


def test_the_manager_reminds_a_report_now_once_a_day(app, org, smtp):
    client = app.test_client()
    sign_in(client, org["M1"])
    token = csrf_token_of(team_page(client).get_data(as_text=True))
    response = client.post("/team/remind/A", data={"csrf_token": token}, follow_redirects=True)
    assert "A reminder was sent to Name A." in text_of(response)
    [(rcpts, message)] = smtp.messages
    assert rcpts == ["a@example.com"]
    assert message["Content-Language"] == "de"  # A reads German
    assert "Hallo Name A," in message.get_content()
    assert "https://lms.example.com/training/" in message.get_content()

    again = client.post("/team/remind/A", data={"csrf_token": token}, follow_redirects=True)
    assert "was already reminded today" in text_of(again)
    assert len(smtp.messages) == 1

    [event] = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "reminder.sent_now")
    ).all()
    assert (event.actor_id, event.subject_user_id) == (org["M1"].id, org["A"].id)
    assert "Name" not in str(event.after) and "@" not in str(event.after)  # ids only
    [row] = db.session.scalars(sa.select(ReminderSent)).all()
    assert (row.kind, row.status) == ("manual", "sent")


def test_a_manual_reminder_does_not_block_the_scheduled_ones(app, org, smtp):
    from lms.services import reminders

    client = app.test_client()
    sign_in(client, org["M1"])
    token = csrf_token_of(team_page(client).get_data(as_text=True))
    client.post("/team/remind/A", data={"csrf_token": token})
    reminders.send_due()
    to_a = smtp.to("a@example.com")
    assert len(to_a) == 2  # the manual one, then the scheduled overdue one


def test_only_ones_own_reports_can_be_reminded(app, org, smtp):
    client = app.test_client()
    sign_in(client, org["M1"])
    token = csrf_token_of(team_page(client).get_data(as_text=True))
    assert client.post("/team/remind/D", data={"csrf_token": token}).status_code == 404
    assert client.post("/team/remind/CEO", data={"csrf_token": token}).status_code == 404
    assert client.post("/team/remind/nobody", data={"csrf_token": token}).status_code == 404
    assert smtp.messages == []


def test_nothing_open_is_refused_with_a_message(app, org, smtp):
    client = app.test_client()
    sign_in(client, org["M1"])
    token = csrf_token_of(team_page(client).get_data(as_text=True))
    response = client.post("/team/remind/M2", data={"csrf_token": token}, follow_redirects=True)
    assert "has no unfinished training" in text_of(response)
    assert smtp.messages == []


def test_remind_everyone_overdue_runs_a_job(app, org, smtp):
    client = app.test_client()
    sign_in(client, org["CEO"])
    token = csrf_token_of(team_page(client).get_data(as_text=True))
    response = client.post(
        "/team/remind-overdue", data={"csrf_token": token}, follow_redirects=True
    )
    assert "Reminders to everyone overdue are on their way" in text_of(response)
    [job] = db.session.scalars(sa.select(Job)).all()  # tests run jobs where started
    assert (job.kind, job.status, job.result["sent"]) == ("team_reminders", "succeeded", 2)
    assert sorted(r[0] for r, _m in smtp.messages) == ["a@example.com", "c@example.com"]


def test_hr_reminds_from_the_persons_page(app, org, smtp, make_user):
    hr = make_user(roles=[Role.HR], email="hr@example.com")
    client = app.test_client()
    sign_in(client, hr)
    page = client.get("/hr/people/D")
    assert "Send a reminder now" in text_of(page)
    token = csrf_token_of(page.get_data(as_text=True))
    response = client.post("/hr/people/D/remind", data={"csrf_token": token}, follow_redirects=True)
    assert "A reminder was sent to Name D." in text_of(response)
    assert [r for r, _m in smtp.messages] == [["d@example.com"]]
    again = client.post("/hr/people/D/remind", data={"csrf_token": token}, follow_redirects=True)
    assert "was already reminded today" in text_of(again)
    assert len(smtp.messages) == 1
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "reminder.sent_now")
    ).one()
    assert event.actor_id == hr.id and event.subject_user_id == org["D"].id


def test_a_lead_sees_no_remind_button_and_cannot_post(app, org, make_user):
    lead = make_user(roles=[Role.LEAD], department=None, email="lead@example.com")
    client = app.test_client()
    sign_in(client, lead)
    token = csrf_token_of(client.get("/account").get_data(as_text=True))
    assert client.post("/hr/people/D/remind", data={"csrf_token": token}).status_code == 403
