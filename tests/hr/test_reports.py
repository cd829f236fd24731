"""The HR dashboard, drill-down, transcripts, exports and audit trail, on every database.

The fixture is small enough to count by hand: six active employees in two departments.

=====  ========  =======  =======  ===========================================  ===========
who    dept      country  manager  records                                      status
=====  ========  =======  =======  ===========================================  ===========
S1     Sales     DE       –        certified 100 days ago (lead of Sales)       certified
S2     Sales     DE       S1       certified 350 days ago: expires in 15 days   expiring
S3     Sales     FR       S1       enrolled, due 5 days ago                     overdue
P1     Support   FR       –        expired 35 days ago, renewal due 35 days     overdue
                                   ago, stale "cleared" row (HR role)
P2     Support   FR       P1       enrolled, due in 10 days                     todo
P3     Support   –        P1       a revoked certification, no enrolment         todo
X      Sales     DE       –        inactive, certified: counted nowhere         –
=====  ========  =======  =======  ===========================================  ===========
"""

import re
from datetime import UTC
from datetime import datetime
from datetime import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.models import AuditEvent
from lms.models import Certification
from lms.models import Clearance
from lms.models import Enrollment
from lms.models import QuizAttempt
from lms.models import Role
from lms.models import utcnow
from lms.queries import catalog
from lms.queries import reporting
from lms.services import audit
from lms.services import person_status
from tests.helpers import csv_rows
from tests.helpers import text_of

COURSE = "policy-basics"


@pytest.fixture
def org(make_user):
    """The people of the module docstring, by employee id."""
    now = utcnow()
    version = catalog.latest_version(COURSE)
    people = {}

    def person(eid, dept, country, manager=None, roles=(), active=True, name=None):
        people[eid] = make_user(
            employee_id=eid,
            email=f"{eid.lower()}@example.com",
            name=name or f"Name {eid}",
            department=dept,
            country=country,
            manager_id=people[manager].id if manager else None,
            roles=roles,
            active=active,
        )
        return people[eid]

    def cert(eid, issued_days_ago, expires_in_days, status="active"):
        db.session.add(
            Certification(
                user_id=people[eid].id,
                course_id=COURSE,
                course_version_id=version.id,
                major=version.major,
                minor=version.minor,
                status=status,
                issued_at=now - timedelta(days=issued_days_ago),
                expires_at=now + timedelta(days=expires_in_days),
            )
        )

    def enrol(eid, due_in_days, reason="required"):
        db.session.add(
            Enrollment(
                user_id=people[eid].id,
                course_id=COURSE,
                reason=reason,
                assigned_at=now - timedelta(days=40),
                due_at=now + timedelta(days=due_in_days),
            )
        )

    def cleared(eid, valid_in_days):
        db.session.add(
            Clearance(
                user_id=people[eid].id,
                cleared=True,
                reasons=[],
                courses=[],
                valid_until=now + timedelta(days=valid_in_days),
            )
        )

    person("S1", "Sales", "DE", roles=[Role.LEAD])
    person("S2", "Sales", "DE", "S1")
    person("S3", "Sales", "FR", "S1")
    person("P1", "Support", "FR", roles=[Role.HR])
    person("P2", "Support", "FR", "P1")
    person("P3", "Support", None, "P1")
    person("X", "Sales", "DE", active=False)
    cert("S1", 100, 265)
    cleared("S1", 265)
    cert("S2", 350, 15)
    cleared("S2", 15)
    enrol("S3", -5)
    cert("P1", 400, -35)
    enrol("P1", -35, reason="renewal")
    cleared("P1", -35)  # stale: valid_until has passed, so not cleared
    enrol("P2", 10)
    cert("P3", 10, 355, status="revoked")
    cert("X", 10, 355)
    cleared("X", 355)
    person_status.refresh_everyone()  # as the services that write these rows do
    db.session.commit()
    return people


def login(client, user):
    from tests.helpers import PASSWORD

    client.post("/logout")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302


def figures(rows, dim) -> dict:
    groups, _ = reporting.breakdown(rows, dim)
    return {
        g.key: (g.figures.total, g.figures.certified, g.figures.overdue, g.figures.expiring)
        for g in groups
    }


def test_figures_match_the_hand_count(app, org):
    now = utcnow()
    courses = reporting.required_courses(now)
    scope, filters = reporting.Scope(), reporting.Filters()
    rows = reporting.status_rows(scope, filters, courses, now)
    assert reporting.totals(rows) == reporting.Figures(6, 2, 2, 1, 0, 1)
    assert reporting.headline(scope, filters, now) == reporting.Headline(6, 2)
    assert figures(rows, "department") == {"Sales": (3, 2, 1, 1), "Support": (3, 0, 1, 0)}
    assert figures(rows, "country") == {
        "DE": (2, 2, 0, 1),
        "FR": (3, 0, 2, 0),
        reporting.NONE: (1, 0, 0, 0),
    }
    assert figures(rows, "manager") == {
        "S1": (2, 1, 1, 1),
        "P1": (2, 0, 0, 0),
        reporting.NONE: (2, 1, 1, 0),
    }
    series = reporting.over_time(scope, filters, courses)
    assert sum(p.issued for p in series) == 4  # S1, S2, P1, P3's revoked one; not X
    assert series[-1].cumulative == 4


@pytest.mark.parametrize(
    "scope, filters",
    [
        (reporting.Scope(), reporting.Filters()),
        (reporting.Scope(), reporting.Filters(status="pending")),
        (reporting.Scope(), reporting.Filters(country=reporting.NONE)),
        (reporting.Scope(restricted=True, departments=("Sales",)), reporting.Filters()),
    ],
)
def test_the_dashboard_summary_is_each_figure_in_one_statement(app, org, scope, filters):
    now = utcnow()
    rows = reporting.status_rows(scope, filters, reporting.required_courses(now), now)
    for limit in (1, reporting.BREAKDOWN_LIMIT):
        summary = reporting.summary(rows, limit)
        assert summary.totals == reporting.totals(rows)
        assert summary.breakdowns == {
            dim: reporting.breakdown(rows, dim, limit) for dim in reporting.DIMENSIONS
        }


def test_certifications_on_a_major_past_its_deadline_stop_counting(app, org):
    from lms.models import CourseVersion

    now = utcnow()
    first = catalog.latest_version(COURSE)
    db.session.add(
        CourseVersion(
            course_id=COURSE,
            major=2,
            minor=0,
            content_hash="v2",
            required=True,
            payload=first.payload,
            published_at=now,
            recertify_by=now - timedelta(days=1),
        )
    )
    db.session.commit()
    version = catalog.latest_version(COURSE)
    db.session.add(
        Certification(
            user_id=org["S3"].id,
            course_id=COURSE,
            course_version_id=version.id,
            major=2,
            minor=0,
            issued_at=now,
            expires_at=now + timedelta(days=365),
        )
    )
    person_status.refresh_everyone()  # as publishing does
    db.session.commit()
    courses = reporting.required_courses(now)
    assert [c.min_major for c in courses] == [2]
    rows = reporting.status_rows(reporting.Scope(), reporting.Filters(), courses, now)
    assert reporting.totals(rows) == reporting.Figures(
        6, 1, 1, 0, 0, 3
    )  # only S3, on 2.0; S1 and S2 lapsed too
    assert reporting.summary(rows).totals == reporting.totals(rows)


def test_renewals_count_as_issued_but_not_as_newly_certified(app, org):
    version = catalog.latest_version(COURSE)
    db.session.add(
        Certification(
            user_id=org["S1"].id,
            course_id=COURSE,
            course_version_id=version.id,
            major=version.major,
            minor=version.minor,
            status="active",
            issued_at=utcnow() - timedelta(days=500),
            expires_at=utcnow() - timedelta(days=135),
        )
    )
    person_status.refresh([org["S1"].id])
    db.session.commit()
    courses = reporting.required_courses(utcnow())
    for period in reporting.PERIODS:
        series = reporting.over_time(reporting.Scope(), reporting.Filters(), courses, period)
        assert sum(p.issued for p in series) == 5
        assert sum(p.newly_certified for p in series) == series[-1].cumulative == 4
        assert series[0].newly_certified == 1  # S1's first, 500 days ago


def test_dashboard_shows_the_figures_and_the_csv_agrees(client, org):
    login(client, org["P1"])
    response = client.get("/hr/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    text = text_of(response)
    assert "33.3%" in text and "2 of 6 active employees" in text
    assert "2 of 6 certified" in text
    assert 'href="/hr/people?department=Sales&amp;status=overdue"' in page
    assert f'value="{reporting.NONE}" selected' not in page  # no filter chosen
    assert 'role="img"' in page and '<title id="chart-issued-title">' in page
    assert '<desc id="chart-departments-desc">' in page

    rows = csv_rows(client.get("/hr/export/status.csv"))
    assert len(rows) == 6
    by_dept = {}
    for row in rows:
        counts = by_dept.setdefault(row["department"], {"total": 0, "overdue": 0})
        counts["total"] += 1
        counts["overdue"] += row["status"] == "overdue"
    assert by_dept == {"Sales": {"total": 3, "overdue": 1}, "Support": {"total": 3, "overdue": 1}}
    s2 = next(r for r in rows if r["employee_id"] == "S2")
    assert (s2["status"], s2["cleared"], s2["manager_employee_id"]) == ("expiring", "true", "S1")
    assert s2["certified_version"] == "1.0" and s2["expires"].endswith("Z")
    p1 = next(r for r in rows if r["employee_id"] == "P1")
    assert (p1["status"], p1["cleared"], p1["valid_until"]) == ("overdue", "false", "")


def test_filters_narrow_the_dashboard(client, org):
    login(client, org["P1"])
    text = text_of(client.get("/hr/?country=fr&status=overdue"))
    assert "2 of 2 active employees" not in text  # the headline ignores status...
    assert "0 of 3 active employees" in text  # ...but not the country
    assert "0 of 2 certified" in text


@pytest.mark.parametrize(
    "query, message",
    [
        ("status=bogus", "is not a status"),
        ("country=123", "is not a two-letter country code"),
        ("course=nope", "There is no required course"),
        ("department=Nowhere", "No employee you can see is in the department"),
        ("manager=Z9", "There is no employee with the ID"),
        ("period=year", "is not a period"),
    ],
)
def test_bad_filters_are_explained_not_crashed(client, org, query, message):
    login(client, org["P1"])
    response = client.get(f"/hr/?{query}")
    assert response.status_code == 400 and message in text_of(response)
    if not query.startswith("period"):
        assert client.get(f"/hr/people?{query}").status_code == 400
        export = client.get(f"/hr/export/status.csv?{query}")
        assert export.status_code == 400 and message in export.get_data(as_text=True)
    assert client.get("/hr/people?page=abc").status_code == 200


def people_ids(response) -> list[str]:
    import re

    return re.findall(r'href="/hr/people/([^"]+)"', response.get_data(as_text=True))


def test_drill_down_lists_the_people_behind_a_figure(client, org):
    login(client, org["P1"])
    assert people_ids(client.get("/hr/people?department=Sales&status=overdue")) == ["S3"]
    assert people_ids(client.get("/hr/people?status=overdue")) == ["P1", "S3"]
    assert people_ids(client.get("/hr/people?status=pending")) == ["P1", "P2", "P3", "S3"]
    assert people_ids(client.get("/hr/people?manager=S1")) == ["S2", "S3"]
    assert people_ids(client.get(f"/hr/people?country={reporting.NONE}")) == ["P3"]
    assert people_ids(client.get("/hr/people?status=completed&country=DE")) == ["S1", "S2"]


def test_people_lists_are_paginated(client, org, monkeypatch):
    monkeypatch.setattr("lms.hr.reports.PER_PAGE", 4)
    login(client, org["P1"])
    first = client.get("/hr/people")
    assert people_ids(first) == ["P1", "P2", "P3", "S1"]
    assert "Page 1 of 2" in text_of(first)
    assert people_ids(client.get("/hr/people?page=2")) == ["S2", "S3"]


def add_attempts(org):
    version = catalog.latest_version(COURSE)
    for eid in ("S2", "P2"):
        enrollment = Enrollment(user_id=org[eid].id, course_id=COURSE, reason="self")
        enrollment.completed_at = utcnow()
        db.session.add(enrollment)
        db.session.flush()
        db.session.add(
            QuizAttempt(
                enrollment_id=enrollment.id,
                user_id=org[eid].id,
                course_id=COURSE,
                course_version_id=version.id,
                lang="en",
                status="submitted",
                questions=[],
                answers={},
                score=75.0,
                passed=False,
                submitted_at=utcnow(),
            )
        )
    db.session.commit()


def test_lead_sees_only_their_department_everywhere(client, org):
    add_attempts(org)
    login(client, org["S1"])
    dashboard = text_of(client.get("/hr/"))
    assert "Sales" in dashboard and "Support" not in dashboard
    assert "2 of 3 active employees" in dashboard
    assert people_ids(client.get("/hr/people")) == ["S1", "S2", "S3"]
    refused = client.get("/hr/people?department=Support")
    assert refused.status_code == 400 and people_ids(refused) == ["S1", "S2", "S3"]
    assert client.get("/hr/people/S2").status_code == 200
    assert client.get("/hr/people/P2").status_code == 404
    assert {r["employee_id"] for r in csv_rows(client.get("/hr/export/status.csv"))} == {
        "S1",
        "S2",
        "S3",
    }
    assert [r["employee_id"] for r in csv_rows(client.get("/hr/export/attempts.csv"))] == ["S2"]
    assert client.get("/hr/audit").status_code == 403
    assert client.get("/hr/audit.csv").status_code == 403


def test_lead_without_a_department_sees_nobody(client, make_user, org):
    lead = make_user(roles=[Role.LEAD])
    login(client, lead)
    assert people_ids(client.get("/hr/people")) == []
    assert csv_rows(client.get("/hr/export/status.csv")) == []


HR_ROUTES = [
    "/hr/",
    "/hr/people",
    "/hr/people/S1",
    "/hr/export/status.csv",
    "/hr/export/attempts.csv",
    "/hr/audit",
    "/hr/audit.csv",
]


@pytest.mark.parametrize("role", [None, Role.MARKETING])
def test_employees_and_marketing_are_refused(client, make_user, org, role):
    login(client, make_user(roles=[role] if role else [], department="Sales"))
    for path in HR_ROUTES:
        assert client.get(path).status_code == 403, path


def test_nav_link_for_hr_and_leads_only(client, org):
    login(client, org["S3"])
    assert "HR dashboard" not in text_of(client.get("/training"))
    login(client, org["S1"])
    assert "HR dashboard" in text_of(client.get("/hr/"))


def test_exports_stream_and_guard_against_csv_injection(client, make_user, org):
    org["S2"].name = '=HYPERLINK("http://evil")'
    org["S3"].name = "+1 Plus"
    org["P2"].name = "-2 Minus"
    org["P3"].name = "@SUM(A1)"
    org["P1"].name = "\tTab"
    db.session.commit()
    login(client, org["P1"])
    response = client.get("/hr/export/status.csv")
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    names = {r["employee_id"]: r["name"] for r in csv_rows(response)}
    assert names["S2"] == '\'=HYPERLINK("http://evil")'
    assert names["S3"] == "'+1 Plus" and names["P2"] == "'-2 Minus"
    assert names["P3"] == "'@SUM(A1)" and names["P1"] == "'\tTab"
    assert names["S1"] == "Name S1"
    assert client.get("/hr/export/attempts.csv").is_streamed
    assert client.get("/hr/audit.csv").is_streamed


def test_non_latin_names_survive_the_export(client, make_user, org):
    org["S1"].name = "דנה כהן 张伟"
    db.session.commit()
    login(client, org["P1"])
    body = client.get("/hr/export/status.csv").get_data()
    assert body.startswith(b"\xef\xbb\xbf") and "דנה כהן 张伟".encode() in body


def test_attempts_export_has_every_attempt_with_its_version(client, org):
    add_attempts(org)
    login(client, org["P1"])
    rows = csv_rows(client.get("/hr/export/attempts.csv"))
    assert [r["employee_id"] for r in rows] == ["S2", "P2"]
    assert rows[0]["version"] == "1.0" and rows[0]["score"] == "75.0"
    assert rows[0]["passed"] == "false" and rows[0]["language"] == "en"
    assert list(rows[0]) == list(reporting.ATTEMPT_COLUMNS)
    overdue = csv_rows(client.get("/hr/export/attempts.csv?status=todo"))
    assert [r["employee_id"] for r in overdue] == ["P2"]


def test_transcript_shows_the_whole_record(client, org):
    add_attempts(org)
    audit.record(
        "enrollment.created",
        actor=org["P1"],
        subject=org["P2"],
        course_id=COURSE,
        after={"reason": "required"},
    )
    db.session.commit()
    login(client, org["P1"])
    text = text_of(client.get("/hr/people/P2"))
    assert "Name P2" in text and "Not cleared" in text
    assert "Enrolments" in text and "required" in text
    assert "75%" in text and "Not passed" in text
    assert "enrollment.created" in text
    assert "Revoked" in text_of(client.get("/hr/people/P3"))
    assert "Expired" in text_of(client.get("/hr/people/P1"))
    assert "Cleared to represent the brand until" in text_of(client.get("/hr/people/S1"))
    assert client.get("/hr/people/NOPE").status_code == 404


def test_audit_trail_lists_filters_and_exports_before_and_after(client, org):
    audit.record(
        "certification.revoked",
        actor=org["P1"],
        subject=org["P3"],
        course_id=COURSE,
        before={"status": "active"},
        after={"status": "revoked"},
    )
    audit.record(
        "roster.user_updated",
        actor=org["P1"],
        subject=org["S2"],
        before={"department": "Old"},
        after={"department": "=New"},
    )
    db.session.commit()
    login(client, org["P1"])
    page = client.get("/hr/audit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "certification.revoked" in html and "&#34;status&#34;: &#34;revoked&#34;" in html
    filtered = text_of(client.get("/hr/audit?action=roster.user_updated&employee=S2"))
    assert "1 event " in filtered and "Name S2" in filtered and "Name P3" not in filtered
    today = utcnow().date()
    # The filter's days are UTC days: count what happened since midnight UTC (the
    # fixture's earlier events fall on yesterday just after midnight).
    midnight = datetime.combine(today, time(), UTC)
    since_midnight = db.session.scalar(
        sa.select(sa.func.count()).where(AuditEvent.occurred_at >= midnight)
    )
    page = text_of(client.get(f"/hr/audit?since={today}&until={today}"))
    assert re.search(rf"\b{since_midnight} events?\b", page), page
    assert "0 events" in text_of(client.get("/hr/audit?until=2000-01-01"))
    bad = client.get("/hr/audit?since=yesterday")
    assert bad.status_code == 400 and "is not a date" in text_of(bad)

    rows = csv_rows(client.get("/hr/audit.csv"))
    rows = [r for r in rows if r["actor_employee_id"] == "P1" and r["action"] != "auth.signed_in"]
    assert [r["action"] for r in rows] == ["certification.revoked", "roster.user_updated"]
    assert rows[0]["before"] == '{"status": "active"}'
    assert rows[0]["after"] == '{"status": "revoked"}'
    assert rows[0]["actor_employee_id"] == "P1" and rows[0]["subject_employee_id"] == "P3"
    assert rows[1]["after"] == '{"department": "=New"}'  # JSON starts with "{": nothing to guard
    only = csv_rows(client.get(f"/hr/audit.csv?course={COURSE}&employee=P3"))
    assert [r["action"] for r in only] == ["certification.revoked"]


def test_nothing_can_change_the_audit_trail(client, org):
    audit.record("x.test", actor=org["P1"])
    db.session.commit()
    login(client, org["P1"])  # audited: count after it
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    for method in ("post", "put", "delete", "patch"):
        assert getattr(client, method)("/hr/audit").status_code == 405
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == before
