"""Assignment rules, renewals and recertification, on every database."""

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.models import AssignmentRule
from lms.models import AuditEvent
from lms.models import Certification
from lms.models import Clearance
from lms.models import CourseVersion
from lms.models import Enrollment
from lms.models import Role
from lms.models import utcnow
from lms.queries import catalog
from lms.services import Refused
from lms.services import assignments
from lms.services import clearance

COURSE = "policy-basics"


@pytest.fixture
def people(make_user):
    """Five employees in different places, one leaver, and an HR person."""
    today = utcnow().date()
    return {
        "ana": make_user(
            email="ana@example.com",
            department="Sales",
            country="DE",
            hire_date=today - timedelta(days=5),
        ),
        "ben": make_user(
            email="ben@example.com",
            department="Sales",
            country="US",
            hire_date=today - timedelta(days=400),
        ),
        "cy": make_user(email="cy@example.com", department="Legal", country="DE"),
        "dee": make_user(
            email="dee@example.com", department="Legal", country="FR", roles=[Role.MARKETING]
        ),
        "gone": make_user(email="gone@example.com", department="Sales", country="DE", active=False),
        "hr": make_user(email="hr@example.com", department="People", country="US", roles=[Role.HR]),
    }


def enrolled() -> dict[str, Enrollment]:
    db.session.expire_all()
    rows = db.session.execute(sa.select(Enrollment, Enrollment.user_id)).all()
    from lms.models import User

    return {db.session.get(User, uid).email.split("@")[0]: e for e, uid in rows}


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def certify(person, expires_in_days: int, major: int = 1, now=None) -> Certification:
    now = now or utcnow()
    version = db.session.scalar(
        sa.select(CourseVersion).where(
            CourseVersion.course_id == COURSE, CourseVersion.major == major
        )
    )
    cert = Certification(
        user_id=person.id,
        course_id=COURSE,
        course_version_id=version.id,
        major=major,
        minor=version.minor,
        issued_at=now - timedelta(days=1),
        expires_at=now + timedelta(days=expires_in_days),
        status="active",
    )
    db.session.add(cert)
    clearance.refresh(person, now)
    db.session.commit()
    return cert


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("all", None, {"ana", "ben", "cy", "dee", "hr"}),
        ("department", "Sales", {"ana", "ben"}),
        ("country", "de", {"ana", "cy"}),
        ("role", "marketing", {"dee"}),
        ("role", "employee", {"ana", "ben", "cy", "dee", "hr"}),
    ],
)
def test_rule_by_scope_enrols_matching_active_people(people, kind, value, expected):
    now = utcnow()
    rule, created = assignments.create_rule(
        people["hr"], COURSE, kind, value, "after_assignment", due_days=10, now=now
    )
    rows = enrolled()
    assert set(rows) == expected and created == len(expected)
    assert {e.reason for e in rows.values()} == {"assigned"}
    assert all(e.due_at == now + timedelta(days=10) for e in rows.values())
    created_events = events("enrollment.created")
    assert len(created_events) == len(expected)
    assert {e.after["rule_id"] for e in created_events} == {rule.id}
    assert {e.after["enrollment_id"] for e in created_events} == {e.id for e in rows.values()}
    [made] = events("assignment.rule_created")
    assert made.actor_id == people["hr"].id and made.after["scope_kind"] == kind


def test_fixed_due_date_is_the_end_of_that_day(people):
    assignments.create_rule(
        people["hr"], COURSE, "department", "Legal", "date", due_date=date(2099, 3, 31)
    )
    rows = enrolled()
    assert {e.due_at for e in rows.values()} == {datetime(2099, 3, 31, 23, 59, 59, tzinfo=UTC)}


def test_due_after_hire_date_and_past_dates_get_the_course_allowance(people):
    now = utcnow()
    assignments.create_rule(
        people["hr"], COURSE, "department", "Sales", "after_hire", due_days=30, now=now
    )
    rows = enrolled()
    hired = people["ana"].hire_date + timedelta(days=30)
    assert rows["ana"].due_at == datetime.combine(hired, datetime.max.time(), UTC).replace(
        microsecond=0
    )
    # Ben was hired 400 days ago: 30 days after that has passed, so the course's due_days.
    assert rows["ben"].due_at == now + timedelta(days=30)


def test_due_after_hire_date_at_the_edges_and_without_a_hire_date(people, make_user):
    """The database computes these due dates: check the boundary days and a missing date."""
    now = datetime.combine(utcnow().date(), datetime.min.time(), UTC) + timedelta(hours=12)
    today = now.date()
    make_user(email="edge@example.com", hire_date=today - timedelta(days=30))  # due today
    make_user(email="late@example.com", hire_date=today - timedelta(days=31))  # yesterday
    make_user(email="soon@example.com", hire_date=today + timedelta(days=3))  # not started
    assignments.create_rule(people["hr"], COURSE, "all", None, "after_hire", due_days=30, now=now)
    rows = enrolled()
    assert rows["edge"].due_at == datetime.combine(today, datetime.max.time(), UTC).replace(
        microsecond=0
    )
    assert rows["late"].due_at == now + timedelta(days=30)  # the course's due_days
    assert rows["soon"].due_at.date() == today + timedelta(days=33)
    assert rows["cy"].due_at == now + timedelta(days=30)  # no hire date: after assignment
    by_enrollment = {
        e.after["enrollment_id"]: e.after["due_at"] for e in events("enrollment.created")
    }
    assert by_enrollment == {e.id: e.due_at.isoformat() for e in rows.values()}


def test_rules_apply_in_chunks(people, make_user, monkeypatch):
    monkeypatch.setattr(assignments, "CHUNK", 2)
    _, created = assignments.create_rule(
        people["hr"], COURSE, "all", None, "after_assignment", due_days=10
    )
    assert created == 5 and set(enrolled()) == {"ana", "ben", "cy", "dee", "hr"}
    newcomers = [make_user(email=f"new{n}@example.com") for n in range(3)]
    assert assignments.apply_rules(user_ids=[u.id for u in newcomers] + [people["ana"].id]) == 3
    assert {"new0", "new1", "new2"} < set(enrolled())
    assert len(events("enrollment.created")) == 8


def test_a_fixed_date_in_the_past_is_not_overdue_on_day_one(people):
    now = utcnow()
    assignments.create_rule(
        people["hr"], COURSE, "all", None, "date", due_date=date(2001, 1, 1), now=now
    )
    assert {e.due_at for e in enrolled().values()} == {now + timedelta(days=30)}


def test_reapplying_creates_no_duplicates_and_skips_the_certified(people):
    certify(people["cy"], expires_in_days=200)
    _, created = assignments.create_rule(
        people["hr"], COURSE, "all", None, "after_assignment", due_days=10
    )
    assert created == 4 and "cy" not in enrolled()
    assert assignments.apply_rules() == 0
    _, again = assignments.create_rule(
        people["hr"], COURSE, "country", "DE", "after_assignment", due_days=5
    )
    assert again == 0
    assert len(enrolled()) == 4 and len(events("enrollment.created")) == 4


def test_rules_apply_to_people_who_join_later(people, make_user):
    assignments.create_rule(
        people["hr"], COURSE, "department", "Sales", "after_assignment", due_days=10
    )
    newcomer = make_user(email="new@example.com", department="Sales")
    outsider = make_user(email="out@example.com", department="Legal")
    assert assignments.apply_rules(user_ids=[newcomer.id, outsider.id]) == 1
    assert "new" in enrolled() and "out" not in enrolled()


def test_inactive_rules_are_not_reapplied(people, make_user):
    rule, _ = assignments.create_rule(
        people["hr"], COURSE, "all", None, "after_assignment", due_days=10
    )
    assert assignments.deactivate_rule(rule.id, people["hr"])
    make_user(email="late@example.com")
    assert assignments.run().assigned == 0


def test_bad_rules_are_refused_and_change_nothing(people):
    for args in [
        ("nope", "all", None, "after_assignment", None, 5),
        (COURSE, "country", "Germany", "after_assignment", None, 5),
        (COURSE, "role", "wizard", "after_assignment", None, 5),
        (COURSE, "department", "", "after_assignment", None, 5),
        (COURSE, "all", None, "date", None, None),
        (COURSE, "all", None, "after_hire", None, 0),
    ]:
        with pytest.raises(Refused):
            assignments.create_rule(people["hr"], *args[:4], due_date=args[4], due_days=args[5])
        db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AssignmentRule)) == 0
    assert enrolled() == {}


# --- Renewals, recertification, lapsed clearances -----------------------------------


def test_renewal_is_created_inside_the_window_and_not_before(people):
    now = utcnow()
    cert = certify(people["ana"], expires_in_days=40, now=now)
    report = assignments.run(now)
    assert report.renewals == 0 and "ana" not in enrolled()
    later = now + timedelta(days=15)  # 25 days before expiry: inside the 30-day window
    assert assignments.run(later).renewals == 1
    renewal = enrolled()["ana"]
    assert renewal.reason == "renewal" and renewal.due_at == cert.expires_at
    assert assignments.run(later).renewals == 0  # idempotent
    assert len([e for e in events("enrollment.created") if e.after["reason"] == "renewal"]) == 1


def add_major_version(now, grace_days=30) -> CourseVersion:
    first = catalog.latest_version(COURSE)
    version = CourseVersion(
        course_id=COURSE,
        major=2,
        minor=0,
        content_hash="v2",
        required=True,
        payload=first.payload,
        published_at=now,
        recertify_by=now + timedelta(days=grace_days),
    )
    db.session.add(version)
    db.session.commit()
    return version


def test_recertification_after_a_major_version(people):
    now = utcnow()
    certify(people["ana"], expires_in_days=300, now=now)
    certify(people["ben"], expires_in_days=300, now=now)
    version = add_major_version(now)
    certify(people["ben"], expires_in_days=365, major=2, now=now)  # already recertified
    report = assignments.run(now)
    assert report.recertifications == 1
    rows = enrolled()
    assert rows["ana"].reason == "recertify" and rows["ana"].due_at == version.recertify_by
    assert "ben" not in rows
    assert assignments.run(now).recertifications == 0


def test_run_applies_rules_to_new_people_and_refreshes_lapsed_clearances(people, make_user):
    now = utcnow()
    certify(people["cy"], expires_in_days=3, now=now)
    assert db.session.get(Clearance, people["cy"].id).cleared
    assignments.create_rule(
        people["hr"], COURSE, "country", "FR", "after_assignment", due_days=10, now=now
    )
    newcomer = make_user(email="neu@example.com", country="FR")
    report = assignments.run(now + timedelta(days=4))
    assert report.assigned == 1 and "neu" in enrolled() and newcomer
    assert report.clearances_refreshed == 1
    db.session.expire_all()
    assert not db.session.get(Clearance, people["cy"].id).cleared
    changed = [e for e in events("clearance.changed") if e.subject_user_id == people["cy"].id]
    assert changed[-1].after["cleared"] is False
    assert assignments.run(now + timedelta(days=4)).clearances_refreshed == 0


def test_cli_adds_lists_and_runs(runner, people):
    result = runner.invoke(
        args=[
            "lms",
            "assignments",
            "add",
            "--course",
            COURSE,
            "--department",
            "Sales",
            "--due-days",
            "14",
            "--by",
            "hr@example.com",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "2 people enrolled" in result.output
    listed = runner.invoke(args=["lms", "assignments", "list"])
    assert "department=Sales" in listed.output and "active" in listed.output
    ran = runner.invoke(args=["lms", "assignments", "run"])
    assert ran.exit_code == 0 and "0 assigned by rules" in ran.output
    bad = runner.invoke(
        args=[
            "lms",
            "assignments",
            "add",
            "--course",
            COURSE,
            "--everyone",
            "--department",
            "Sales",
            "--due-days",
            "3",
        ]
    )
    assert bad.exit_code != 0


# --- The web page --------------------------------------------------------------------


def test_hr_creates_a_rule_in_the_browser(client, auth, people):
    auth.login(people["hr"])
    page = client.get("/hr/assignments")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<caption>" in html and 'scope="col"' in html and "<legend" in html
    response = client.post(
        "/hr/assignments",
        data={
            "course_id": COURSE,
            "scope_kind": "country",
            "scope_value": "DE",
            "due_kind": "date",
            "due_date": "2099-01-31",
            "due_days": "",
        },
    )
    assert response.status_code == 302
    assert "2 people enrolled" in client.get("/hr/assignments").get_data(as_text=True)
    assert set(enrolled()) == {"ana", "cy"}


def test_an_invalid_rule_shows_why(client, auth, people):
    auth.login(people["hr"])
    response = client.post(
        "/hr/assignments",
        data={
            "course_id": COURSE,
            "scope_kind": "country",
            "scope_value": "Germany",
            "due_kind": "after_assignment",
            "due_days": "5",
        },
    )
    assert response.status_code == 400
    assert "two-letter code" in response.get_data(as_text=True)
    assert enrolled() == {}


@pytest.mark.parametrize("role", [None, Role.MARKETING, Role.LEAD])
def test_only_hr_and_admin_may_create_rules(client, auth, make_user, people, role):
    auth.login(make_user(roles=[role] if role else []))
    assert client.get("/hr/assignments").status_code == 403
    response = client.post(
        "/hr/assignments",
        data={
            "course_id": COURSE,
            "scope_kind": "all",
            "due_kind": "after_assignment",
            "due_days": "5",
        },
    )
    assert response.status_code == 403
    assert enrolled() == {}


def test_admin_may_create_rules(client, auth, make_user, people):
    auth.login(make_user(roles=[Role.ADMIN]))
    response = client.post(
        "/hr/assignments",
        data={
            "course_id": COURSE,
            "scope_kind": "all",
            "due_kind": "after_assignment",
            "due_days": "5",
        },
    )
    assert response.status_code == 302 and len(enrolled()) == 6


class TestCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_a_post_without_the_token_is_refused(self, client, people):
        from tests.helpers import PASSWORD
        from tests.helpers import csrf_token_of

        login = client.get("/login").get_data(as_text=True)
        client.post(
            "/login",
            data={
                "email": "hr@example.com",
                "password": PASSWORD,
                "csrf_token": csrf_token_of(login),
            },
        )
        data = {
            "course_id": COURSE,
            "scope_kind": "all",
            "due_kind": "after_assignment",
            "due_days": "5",
        }
        assert client.post("/hr/assignments", data=data).status_code == 400
        assert enrolled() == {}
        page = client.get("/hr/assignments").get_data(as_text=True)
        response = client.post("/hr/assignments", data=data | {"csrf_token": csrf_token_of(page)})
        assert response.status_code == 302 and len(enrolled()) == 5
