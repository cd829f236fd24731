"""The HR dashboard counts the stored course statuses, and they stay current.

A small company whose figures this module also counts directly from the certifications,
open enrolments and people (:func:`direct_count`, which knows nothing of the stored
statuses); the page must show the same numbers (cleared, overdue, due soon, expiring,
expired, by department) now, after time passes (no write in between), after someone
passes the course through the learner pages, after the daily run handles a lapse and
after a roster import moves and removes people. A lead sees their department's share.

=====  ========  =====================================================================
who    dept      records (days from now)
=====  ========  =====================================================================
A1     Sales     certified, expires in 200                (certified)
A2     Sales     certified, expires in 20                 (expiring: renewal window 30)
A3     Sales     enrolled, due in -3                      (overdue)
A4     Sales     enrolled, due in 4                       (due soon)
B1     Support   certified, expired 10 ago; renewal due in 12         (expired)
B2     Support   enrolled, due in 25                      (to do)
B3     Support   a revoked certification, nothing open   (to do)
HR     Support   the viewer (HR), nothing at all         (to do)
LEAD   Sales     leads Sales, nothing at all              (to do)
=====  ========  =====================================================================
"""

import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.models import Certification
from lms.models import Clearance
from lms.models import Enrollment
from lms.models import Role
from lms.models import User
from lms.models import utcnow
from lms.queries import catalog
from lms.services import assignments
from lms.services import clearance
from tests.helpers import COURSE
from tests.helpers import HEADER
from tests.helpers import certify_through_pages
from tests.helpers import text_of

WINDOW = timedelta(days=30)  # the test course's renewal window
DUE_SOON = timedelta(days=7)


@pytest.fixture
def company(make_user):
    now = utcnow()
    version = catalog.latest_version(COURSE)
    people = {}

    def person(eid, dept, roles=()):
        people[eid] = make_user(
            employee_id=eid, email=f"{eid.lower()}@example.com", department=dept, roles=roles
        )

    def cert(eid, issued_ago, expires_in, status="active"):
        db.session.add(
            Certification(
                user_id=people[eid].id,
                course_id=COURSE,
                course_version_id=version.id,
                major=version.major,
                minor=version.minor,
                status=status,
                issued_at=now - timedelta(days=issued_ago),
                expires_at=now + timedelta(days=expires_in),
            )
        )

    def enrol(eid, due_in, reason="required"):
        db.session.add(
            Enrollment(
                user_id=people[eid].id,
                course_id=COURSE,
                reason=reason,
                assigned_at=now - timedelta(days=30),
                due_at=now + timedelta(days=due_in),
            )
        )

    for eid in ("A1", "A2", "A3", "A4"):
        person(eid, "Sales")
    people["A1"].roster_managed = True  # from an earlier import: a later one may remove A1
    for eid in ("B1", "B2", "B3"):
        person(eid, "Support")
    person("HR", "Support", roles=[Role.HR])
    person("LEAD", "Sales", roles=[Role.LEAD])
    cert("A1", 165, 200)
    cert("A2", 345, 20)
    enrol("A3", -3)
    enrol("A4", 4)
    cert("B1", 375, -10)
    enrol("B1", 12, reason="renewal")
    enrol("B2", 25)
    cert("B3", 30, 335, status="revoked")
    db.session.flush()
    # What the services that write these rows do after them, for every person.
    for user in people.values():
        clearance.refresh(user, now)
    db.session.commit()
    return people


def direct_count(now, department=None) -> dict:
    """The figures counted from the records themselves, per person, in Python."""
    people = db.session.scalars(
        sa.select(User).where(User.active.is_(True)).order_by(User.id)
    ).all()
    figures = {"active": 0, "cleared": 0, "departments": {}}
    totals = dict.fromkeys(("total", "certified", "overdue", "expiring", "due_soon", "expired"), 0)
    for user in people:
        if department is not None and user.department != department:
            continue
        certs = db.session.scalars(
            sa.select(Certification).where(
                Certification.user_id == user.id,
                Certification.course_id == COURSE,
                Certification.status == "active",
            )
        ).all()
        due = db.session.scalar(
            sa.select(Enrollment.due_at).where(
                Enrollment.user_id == user.id,
                Enrollment.course_id == COURSE,
                Enrollment.completed_at.is_(None),
            )
        )
        until = max((c.expires_at for c in certs), default=None)
        valid = until is not None and until > now
        row = {
            "total": 1,
            "certified": valid,
            "overdue": not valid and due is not None and due < now,
            "expiring": valid and until <= now + WINDOW,
            "due_soon": not valid and due is not None and now <= due < now + DUE_SOON,
            "expired": until is not None and until <= now,
        }
        group = figures["departments"].setdefault(user.department, dict.fromkeys(totals, 0))
        for key, value in row.items():
            totals[key] += int(value)
            group[key] += int(value)
        figures["active"] += 1
        figures["cleared"] += valid  # one required course: cleared iff certified in it
    figures["totals"] = totals
    return figures


def shown(response) -> dict:
    """The same figures as the dashboard shows them."""
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    text = text_of(response)
    cleared, active = map(int, re.search(r"(\d+) of (\d+) active employees", text).groups())
    certified, total = map(int, re.search(r"(\d+) of (\d+) certified", text).groups())

    def number(element_id: str) -> int:
        return int(re.search(rf'id="{element_id}">(\d+)<', page).group(1))

    def card(title: str) -> int:
        return int(re.search(rf"{title} (\d+) ", text).group(1))

    departments = {}
    table = page[page.index('id="by-department"') : page.index('id="by-country"')]
    for row in re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", table, flags=re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.split(r"</th>|</td>", row)]
        name, required, done, _percent, overdue, expiring = cells[:6]
        departments[name] = (int(required), int(done), int(overdue), int(expiring))
    return {
        "active": active,
        "cleared": cleared,
        "totals": {
            "total": total,
            "certified": certified,
            "overdue": card("Overdue"),
            "expiring": card("Expiring soon"),
            "due_soon": number("due-soon-count"),
            "expired": number("expired-count"),
        },
        "departments": departments,
    }


def expected_page(counted: dict) -> dict:
    return {
        "active": counted["active"],
        "cleared": counted["cleared"],
        "totals": counted["totals"],
        "departments": {
            name: (g["total"], g["certified"], g["overdue"], g["expiring"])
            for name, g in counted["departments"].items()
        },
    }


def at(monkeypatch, moment) -> None:
    """The dashboard's clock reads ``moment`` (time passes; nothing is written)."""
    monkeypatch.setattr("lms.hr.reports.utcnow", lambda: moment)


def test_the_dashboard_shows_what_the_records_say(client, auth, company):
    auth.login(company["HR"])
    counted = direct_count(utcnow())
    page = shown(client.get("/hr/"))
    assert page["totals"] == counted["totals"]
    assert page == expected_page(counted)
    # The case is what the module docstring says, so the comparison means something.
    assert counted["totals"] == {
        "total": 9,
        "certified": 2,
        "overdue": 1,
        "expiring": 1,
        "due_soon": 1,
        "expired": 1,
    }
    assert counted["cleared"] == 2


def test_time_passing_moves_people_without_any_write(client, auth, company, monkeypatch):
    auth.login(company["HR"])
    stored = db.session.execute(sa.text("SELECT * FROM person_course_status")).all()
    for days in (5, 13, 21, 400):
        later = utcnow() + timedelta(days=days)
        at(monkeypatch, later)
        assert shown(client.get("/hr/")) == expected_page(direct_count(later)), days
    # In 21 days: A2's certification has run out, A4 and B1 are overdue.
    counted = direct_count(utcnow() + timedelta(days=21))["totals"]
    assert (counted["expired"], counted["overdue"], counted["certified"]) == (2, 3, 1)
    assert db.session.execute(sa.text("SELECT * FROM person_course_status")).all() == stored


def test_a_certification_through_the_learner_pages_counts_at_once(client, auth, company):
    certify_through_pages(client, company["A3"])  # overdue until now
    auth.login(company["HR"])
    counted = direct_count(utcnow())
    assert shown(client.get("/hr/")) == expected_page(counted)
    assert (counted["totals"]["overdue"], counted["totals"]["certified"]) == (0, 3)


def test_a_lapse_and_the_daily_run_keep_the_figures_true(client, auth, company, monkeypatch):
    auth.login(company["HR"])
    later = utcnow() + timedelta(days=25)  # A2 has lapsed; its renewal is due at expiry
    at(monkeypatch, later)
    before = shown(client.get("/hr/"))
    assert before == expected_page(direct_count(later))
    assignments.run(later)  # renewals, rules, lapsed clearances: real writes
    db.session.expire_all()
    after = shown(client.get("/hr/"))
    assert after == expected_page(direct_count(later))
    assert after["totals"]["expired"] == 2 and after["cleared"] == 1
    assert db.session.get(Clearance, company["A2"].id).cleared is False


def roster_apply(client, rows: list[str]):
    data = {"file": (io.BytesIO(("\n".join([HEADER, *rows]) + "\n").encode()), "r.csv")}
    preview = client.post("/hr/roster", data=data, content_type="multipart/form-data")
    url = preview.headers["Location"]
    page = client.get(url).get_data(as_text=True)
    fingerprint = re.search(r'name="fingerprint"[^>]*value="([^"]*)"', page).group(1)
    job = client.post(f"{url}/apply", data={"fingerprint": fingerprint})
    assert "Done" in text_of(client.get(job.headers["Location"]))


def test_a_roster_change_moves_people_between_departments(client, auth, company):
    auth.login(company["HR"])
    # A3 (overdue) moves to Support, A1 (certified) leaves, a newcomer joins Sales.
    roster_apply(
        client,
        [
            "A3,a3@example.com,Person A3,Support,,,en,,true",
            "A1,a1@example.com,Person A1,Sales,,,en,,false",
            "N1,n1@example.com,New One,Sales,,,en,,true",
        ],
    )
    db.session.expire_all()
    counted = direct_count(utcnow())
    assert shown(client.get("/hr/")) == expected_page(counted)
    sales, support = counted["departments"]["Sales"], counted["departments"]["Support"]
    assert (sales["total"], sales["certified"], sales["overdue"]) == (4, 1, 0)
    assert (support["total"], support["overdue"]) == (5, 1)


def test_a_lead_sees_their_department_counted_the_same_way(client, auth, company, monkeypatch):
    auth.login(company["LEAD"])
    for days in (0, 21):
        moment = utcnow() + timedelta(days=days)
        at(monkeypatch, moment)
        page = shown(client.get("/hr/"))
        assert page == expected_page(direct_count(moment, department="Sales"))
        assert set(page["departments"]) == {"Sales"}


def test_a_change_to_a_person_by_any_path_moves_their_counts(client, auth, company):
    """The stored statuses copy each person's department, country, manager and active
    flag; a trigger on ``users`` keeps the copies, whatever writes the change (here a
    plain UPDATE, as another service or an operator would)."""
    auth.login(company["HR"])
    db.session.execute(
        sa.update(User)
        .where(User.id.in_([company["A3"].id, company["B2"].id]))
        .values(department="Legal", country="FR", manager_id=company["LEAD"].id)
    )
    db.session.execute(sa.update(User).where(User.id == company["A1"].id).values(active=False))
    db.session.commit()
    counted = direct_count(utcnow())
    page = shown(client.get("/hr/"))
    assert page == expected_page(counted)
    assert page["departments"]["Legal"][0] == 2
    assert "FR" in client.get("/hr/?country=FR").get_data(as_text=True)
