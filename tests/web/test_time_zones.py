"""Times in the reader's zone, the zone named; due dates as days in the company's zone."""

from datetime import UTC
from datetime import date
from datetime import datetime

import pytest

from lms.extensions import db
from lms.models import Enrollment
from lms.models import Role
from lms.models import User
from tests.helpers import PASSWORD
from tests.helpers import csrf_token_of
from tests.helpers import sign_in
from tests.helpers import text_of

COURSE = "policy-basics"
#: The end of 15 June 2030 in New York (EDT, UTC-4) is 03:59:59 UTC on 16 June.
DUE = datetime(2030, 6, 16, 3, 59, 59, tzinfo=UTC)


@pytest.fixture
def app_config():
    return {"COMPANY_TIME_ZONE": "America/New_York"}


@pytest.fixture
def enrolled(make_user):
    person = make_user(employee_id="E1", name="Emi")
    db.session.add(
        Enrollment(
            user_id=person.id,
            course_id=COURSE,
            reason="assigned",
            assigned_at=datetime(2030, 6, 1, 20, 0, tzinfo=UTC),
            due_at=DUE,
        )
    )
    db.session.commit()
    return person


def test_a_reader_in_tokyo_sees_times_in_tokyo_and_the_due_day_of_the_company(
    app, make_user, enrolled
):
    hr = make_user(roles=[Role.HR], time_zone="Asia/Tokyo")
    client = app.test_client()
    sign_in(client, hr)
    text = text_of(client.get("/hr/people/E1"))
    # Assigned 20:00 UTC on 1 June: 05:00 on 2 June in Tokyo, the zone named.
    assert "Jun 2, 2030, 5:00:00 AM (Asia/Tokyo)" in text
    # Due: the company's 15 June (a Tokyo clock would already read 16 June), no time.
    assert "Jun 15, 2030" in text and "Jun 16, 2030" not in text


def test_without_a_zone_of_their_own_the_company_zone(app, make_user, enrolled):
    hr = make_user(roles=[Role.HR])
    client = app.test_client()
    sign_in(client, hr)
    assert "Jun 1, 2030, 4:00:00 PM (America/New_York)" in text_of(client.get("/hr/people/E1"))


def test_the_browser_zone_is_taken_at_sign_in_unless_one_is_set(app, make_user):
    person = make_user(email="tz@example.com")
    client = app.test_client()
    login = {"email": "tz@example.com", "password": PASSWORD, "time_zone": "Asia/Tokyo"}
    assert client.post("/login", data=login).status_code == 302
    assert db.session.get(User, person.id).time_zone == "Asia/Tokyo"
    client.post("/logout")
    assert client.post("/login", data=login | {"time_zone": "Europe/Paris"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, person.id).time_zone == "Asia/Tokyo"  # theirs already


def test_a_browser_zone_that_is_no_zone_is_ignored(app, make_user):
    person = make_user(email="tz@example.com")
    client = app.test_client()
    login = {"email": "tz@example.com", "password": PASSWORD, "time_zone": "Mars/Olympus"}
    assert client.post("/login", data=login).status_code == 302
    assert db.session.get(User, person.id).time_zone is None


def test_the_sign_in_page_loads_the_script_that_fills_the_field(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'name="time_zone"' in page and "/static/js/time_zone.js" in page
    with client.get("/static/js/time_zone.js") as script:
        assert script.status_code == 200 and "resolvedOptions().timeZone" in script.text


def test_set_on_the_account_page_and_checked(app, make_user):
    person = make_user()
    client = app.test_client()
    sign_in(client, person)
    page = client.get("/account").get_data(as_text=True)
    assert '<option selected value="">' in page or 'value="" selected' in page
    token = csrf_token_of(page)
    response = client.post(
        "/account/time-zone", data={"csrf_token": token, "time_zone": "Asia/Tokyo"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, person.id).time_zone == "Asia/Tokyo"
    assert "<option selected>Asia/Tokyo</option>" in client.get("/account").get_data(as_text=True)

    bad = client.post("/account/time-zone", data={"csrf_token": token, "time_zone": "Nowhere/X"})
    assert bad.status_code == 400
    assert "“Nowhere/X” is not a time zone we know." in text_of(bad)
    db.session.expire_all()
    assert db.session.get(User, person.id).time_zone == "Asia/Tokyo"  # unchanged

    client.post("/account/time-zone", data={"csrf_token": token, "time_zone": ""})
    db.session.expire_all()
    assert db.session.get(User, person.id).time_zone is None  # the company's again


def test_due_dates_of_rules_end_with_the_companys_day(app, make_user):
    from lms.services import assignments

    hr = make_user(roles=[Role.HR])
    rule, _enrolled = assignments.create_rule(
        hr, COURSE, "all", None, "date", due_date=date(2030, 6, 15), now=DUE.replace(month=5)
    )
    assert rule.due_date == DUE


def test_due_after_the_hire_date_ends_with_the_companys_day_in_the_database(app, make_user):
    """The database computes these (PostgreSQL with its zone rules, SQLite with the
    zone's offset today: July has no change of clocks in New York)."""
    from datetime import timedelta

    import sqlalchemy as sa

    from lms.rules import days
    from lms.services import assignments

    now = datetime(2030, 7, 1, 12, 0, tzinfo=UTC)
    hr = make_user(roles=[Role.HR])
    new = make_user(email="new@example.com", hire_date=date(2030, 6, 25))
    assignments.create_rule(hr, COURSE, "all", None, "after_hire", due_days=10, now=now)
    due = db.session.scalar(sa.select(Enrollment.due_at).where(Enrollment.user_id == new.id))
    assert due == days.end_of_day(date(2030, 7, 5), days.zone("America/New_York"))
    assert due == datetime(2030, 7, 6, 3, 59, 59, tzinfo=UTC) and timedelta(0) < due - now
