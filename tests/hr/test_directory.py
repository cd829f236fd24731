"""Find anyone: HR's people directory (``/hr/directory``) and the audit trail's person filter.

People (all active; the required test course is ``policy-basics``):

    T1  John Smith        Sales    DE  cleared
    T2  Joanna Smithers   Sales    FR  not cleared, open enrolment past due (overdue)
    T3  Ann Jones         Support  DE  not cleared, enrolment due in 40 days; manager T1
    T4  Élodie Dupont-Smith  Support  FR  not cleared, no enrolment
"""

import re
from datetime import timedelta

import pytest

from lms.extensions import db
from lms.models import Enrollment
from lms.models import Role
from lms.models import utcnow
from lms.services import users
from tests.helpers import COURSE
from tests.helpers import GOOD_ROWS
from tests.helpers import certify
from tests.helpers import sign_in
from tests.helpers import text_of
from tests.helpers import write_roster


@pytest.fixture
def org(make_user):
    smith = make_user(name="John Smith", department="Sales", country="DE", employee_id="T1")
    smithers = make_user(name="Joanna Smithers", department="Sales", country="FR", employee_id="T2")
    jones = make_user(
        name="Ann Jones", department="Support", country="DE", employee_id="T3", manager=smith
    )
    dupont = make_user(
        name="Élodie Dupont-Smith",
        department="Support",
        country="FR",
        employee_id="T4",
        email="elodie.dupont@example.com",
    )
    certify(smith)
    now = utcnow()
    for person, days in ((smithers, -3), (jones, 40)):
        db.session.add(
            Enrollment(
                user_id=person.id,
                course_id=COURSE,
                reason="required",
                assigned_at=now - timedelta(days=60),
                due_at=now + timedelta(days=days),
            )
        )
    db.session.commit()
    return {"smith": smith, "smithers": smithers, "jones": jones, "dupont": dupont}


@pytest.fixture
def hr(app, make_user):
    client = app.test_client()
    sign_in(client, make_user(roles=[Role.HR], name="Hanna Hr", employee_id="H1"))
    return client


def found(client, query: str) -> list[str]:
    """The employee ids listed, in order (HR's own account left out)."""
    response = client.get(f"/hr/directory?{query}")
    assert response.status_code == 200, response.status_code
    ids = re.findall(r'href="/hr/people/([^"/]+)"', response.get_data(as_text=True))
    return [i for i in ids if i != "H1"]


def test_search_finds_the_start_of_any_name_word_email_or_id_in_any_case(hr, org):
    # (Élodie's place among the names depends on the database's collation)
    assert set(found(hr, "q=smi")) == {"T1", "T2", "T4"}
    assert found(hr, "q=SMITHE") == ["T2"]
    assert found(hr, "q=joh") == ["T1"]
    assert found(hr, "q=jo") == ["T3", "T2", "T1"]  # (Ann) Jones, Joanna, John
    assert found(hr, "q=john+smi") == ["T1"]  # every word must match
    assert found(hr, "q=%C3%A9LODIE") == ["T4"]  # ÉLODIE
    assert found(hr, "q=dupont") == ["T4"]  # part of a hyphenated name
    assert found(hr, "q=elodie.dup") == ["T4"]  # the email
    assert found(hr, "q=t3") == ["T3"]  # the employee id, any case
    assert found(hr, "q=mith") == []  # a prefix, not any substring
    assert found(hr, "q=%25") == [] and found(hr, "q=_") == []  # LIKE wildcards are text


def test_a_renamed_person_is_found_by_the_new_name_only(hr, org):
    users.change(org["jones"], {"name": "Ann Baker"}, source="test")
    db.session.commit()
    assert found(hr, "q=baker") == ["T3"]
    assert found(hr, "q=jones") == []


def test_filters_combine(hr, org):
    assert found(hr, "department=Sales") == ["T2", "T1"]
    assert found(hr, "department=Support&country=FR") == ["T4"]
    assert set(found(hr, "q=smi&country=FR")) == {"T2", "T4"}
    assert found(hr, "manager=T1") == ["T3"]
    assert found(hr, "status=cleared") == ["T1"]
    assert set(found(hr, "status=not_cleared")) == {"T3", "T2", "T4"}
    assert found(hr, "status=overdue") == ["T2"]
    assert found(hr, "status=not_cleared&department=Support") == ["T3", "T4"]
    later = (utcnow() + timedelta(days=50)).date().isoformat()
    assert found(hr, f"due_before={later}") == ["T3", "T2"]
    assert found(hr, f"due_before={utcnow().date().isoformat()}") == ["T2"]


def test_sorting(hr, org):
    by_name = [i for i in found(hr, "sort=name&order=desc") if i != "T4"]  # (collation)
    assert by_name == ["T1", "T2", "T3"]
    assert found(hr, "sort=department") == ["T2", "T1", "T3", "T4"]
    assert found(hr, "sort=status") == ["T2", "T3", "T4", "T1"]  # overdue, not cleared, cleared
    assert found(hr, "sort=due") == ["T2", "T3", "T1", "T4"]  # people without a due date last


def test_numbered_pages_and_page_size(hr, org, make_user):
    for n in range(30):
        make_user(name=f"Zed Person{n:02d}", employee_id=f"Z{n:02d}")
    page = hr.get("/hr/directory?q=zed&per_page=25").get_data(as_text=True)
    assert "30 people found" in text_of(hr.get("/hr/directory?q=zed&per_page=25"))
    assert 'href="/hr/directory?q=zed&amp;per_page=25&amp;page=2"' in page
    assert "Last page" in page and "First page" in page
    assert found(hr, "q=zed&per_page=25&page=2") == [f"Z{n:02d}" for n in range(25, 30)]
    assert found(hr, "q=zed&per_page=25&page=99") == [f"Z{n:02d}" for n in range(25, 30)]


@pytest.mark.parametrize(
    "query, message",
    [
        ("status=bogus", "“bogus” is not a status."),
        ("sort=salary", "“salary” is not a column to sort by."),
        ("order=up", "“up” is not an order"),
        ("per_page=7", "“7” is not a page size"),
        ("due_before=31-12-2030", "“31-12-2030” is not a date"),
        ("country=Germany", "“GERMANY” is not a two-letter country code."),
        ("manager=NOPE", "There is no employee with the ID “NOPE”."),
        ("page=abc", ""),
        ("q=" + "x" * 5000, ""),
    ],
)
def test_bad_parameters_get_a_clear_message_and_the_rest_still_applies(hr, org, query, message):
    response = hr.get(f"/hr/directory?{query}&department=Sales")
    assert response.status_code == 200
    assert message in text_of(response)
    if message:
        assert "were not understood and were ignored" in text_of(response)
        assert found(hr, f"{query}&department=Sales") == ["T2", "T1"]


def test_a_lead_sees_only_the_departments_they_lead(app, org, make_user):
    client = app.test_client()
    lead = make_user(roles=[Role.LEAD], department="Support", employee_id="L1", name="Lea Lead")
    sign_in(client, lead)
    assert set(found(client, "")) == {"T3", "T4", "L1"}
    assert found(client, "q=smi") == ["T4"]
    refused = client.get("/hr/directory?department=Sales")
    assert "No employee you can see is in the department “Sales”." in text_of(refused)
    assert "Apply to the" not in text_of(client.get("/hr/directory"))  # no bulk for leads
    assert client.get("/hr/directory/bulk").status_code == 403


def test_employees_may_not_search(app, org, make_user):
    client = app.test_client()
    sign_in(client, make_user())
    assert client.get("/hr/directory?q=smi").status_code == 403


def test_audit_trail_filters_by_a_person_search(hr, org):
    page = text_of(hr.get("/hr/audit?person=smi"))
    assert "clearance.changed" in page  # John Smith's certification changed his clearance
    assert "(0 events)" not in page
    nobody = text_of(hr.get("/hr/audit?person=nobodyatall"))
    assert "0 events" in nobody
    assert hr.get("/hr/audit?person=" + "y" * 5000).status_code == 200


def test_people_a_roster_imports_or_renames_are_found_by_their_words(hr, runner, tmp_path):
    result = runner.invoke(args=["lms", "roster", "import", str(write_roster(tmp_path))])
    assert result.exit_code == 0, result.output
    assert found(hr, "q=rep") == ["E2"]  # Ben Report, written by the import's bulk INSERT
    assert found(hr, "q=ana%40") == ["E1"]  # the email, stored in lower case
    renamed = [row.replace("Ben Report", "Ben Renamed") for row in GOOD_ROWS]
    path = write_roster(tmp_path, renamed, name="second.csv")
    result = runner.invoke(args=["lms", "roster", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert found(hr, "q=renamed") == ["E2"] and found(hr, "q=report") == []
