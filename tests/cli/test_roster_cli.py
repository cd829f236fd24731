"""``flask lms roster import``: all or nothing, matched by employee id, leavers kept."""

import pytest

from lms.models import Role
from lms.services import clearance
from tests.helpers import GOOD_ROWS
from tests.helpers import HEADER
from tests.helpers import PASSWORD
from tests.helpers import certify
from tests.helpers import counts
from tests.helpers import events
from tests.helpers import text_of
from tests.helpers import user
from tests.helpers import write_roster


def run(runner, path, *options):
    return runner.invoke(args=["lms", "roster", "import", str(path), *options])


def test_a_good_file_adds_everyone_with_their_managers(runner, tmp_path):
    path = write_roster(tmp_path)
    result = run(runner, path)
    assert result.exit_code == 0, result.output
    assert "3 to add" in result.output and "0 bad row(s)" in result.output
    assert "Read and checked in" in result.output and "Applied in" in result.output

    ana, ben, cy = user("E1"), user("E2"), user("E3")
    assert ben.manager_id == cy.id  # the manager's row came later in the file
    assert cy.manager_id == ana.id  # named by email, in any case
    assert ana.email == "ana@example.com" and ana.country == "US"
    assert cy.preferred_language == "pt_BR" and str(cy.hire_date) == "2019-05-06"
    assert all(u.active and u.roster_managed and u.password_hash is None for u in (ana, ben, cy))
    added = events("roster.user_added")
    assert [e.subject_user_id for e in added] == [ana.id, ben.id, cy.id]
    assert added[1].after["manager_id"] == cy.id  # people by id, never an employee id
    [summary] = events("roster.imported")
    assert summary.actor_id is None
    assert summary.after["filename"] == "roster.csv" and len(summary.after["sha256"]) == 64
    assert summary.after["added"] == 3 and summary.after["rows"] == 3


# One file with every kind of bad row, after three good ones (rows 2-4).
BAD_ROWS = [
    (
        "E1,dup@example.com,Duplicate Id,,,,,,",
        5,
        "employee_id",
        "Duplicate employee id: also on row 2",
    ),
    ("E5,,No Email,,,,,,", 6, "email", "missing"),
    ("E6,not-an-email,Bad Email,,,,,,", 7, "email", "Not an email address"),
    ("E7,BEN@example.com,Duplicate Email,,,,,,", 8, "email", "Duplicate email: also on row 3"),
    ("E8,e8@example.com,Klingon,,,,tlh,,", 9, "preferred_language", "Not a language code"),
    ("E9,e9@example.com,No Boss,,,E404,,,", 10, "manager", "Manager not found"),
    ("E10,e10@example.com,Own Boss,,,E10,,,", 11, "manager", "their own manager"),
    ("E11,e11@example.com,Bad Date,,,,,03/02/2021,", 12, "hire_date", "YYYY-MM-DD"),
    ("E12,e12@example.com,Bad Country,,Germany,,,,", 13, "country", "two-letter ISO 3166"),
    ("E13,e13@example.com,Maybe,,,,,,perhaps", 14, "active", "true or false"),
    (",e14@example.com,No Id,,,,,,", 15, "employee_id", "missing"),
    ("E15,e15@example.com,,,,,,,", 16, "name", "missing"),
    ("E16,e16@example.com,Short Row", 17, "-", "3 values; the header has 9"),
    ("E17,e17@example.com,Impossible Date,,,,,2021-02-30,", 18, "hire_date", "YYYY-MM-DD"),
    ('E18,e18@example.com,"Two\nLines",,,,,,', 19, "name", "line break"),  # spans rows 19-20
]


def test_every_bad_row_is_reported_with_its_row_and_reason_and_nothing_changes(runner, tmp_path):
    path = write_roster(tmp_path, GOOD_ROWS + [row for row, *_ in BAD_ROWS])
    before = counts()
    result = run(runner, path)
    assert result.exit_code == 1
    for _row, line, column, reason in BAD_ROWS:
        matching = [
            out
            for out in result.output.splitlines()
            if out.startswith(f"{path}:{line}: {column}: ")
        ]
        assert matching and reason in matching[0], (line, result.output)
    assert f"{len(BAD_ROWS)} bad row(s)" in result.output
    assert "Nothing changed" in result.output
    assert counts() == before


def test_one_bad_row_among_good_ones_changes_nothing(runner, tmp_path, make_user):
    make_user()
    write_roster(tmp_path, name="first.csv")
    assert run(runner, tmp_path / "first.csv").exit_code == 0
    before = counts()
    rows = [r.replace("Sales", "Marketing") for r in GOOD_ROWS] + ["E4,e4@example.com,New,,,,,,"]
    rows.insert(1, "E9,e9@example.com,Bad,,,,xx,,")
    result = run(runner, write_roster(tmp_path, rows, name="second.csv"))
    assert result.exit_code == 1
    assert ":3: preferred_language: " in result.output
    assert counts() == before
    assert user("E2").department == "Sales" and user("E4") is None


def test_reimporting_the_same_file_changes_nothing_and_writes_no_audit(runner, tmp_path):
    path = write_roster(tmp_path)
    assert run(runner, path).exit_code == 0
    before = counts()
    result = run(runner, path)
    assert result.exit_code == 0, result.output
    assert "0 to add, 0 to update, 0 to deactivate, 0 to reactivate, 3 unchanged" in result.output
    assert counts() == before


def test_a_changed_file_updates_only_changed_fields_with_before_and_after(runner, tmp_path):
    assert run(runner, write_roster(tmp_path, name="first.csv")).exit_code == 0
    ana_before = user("E1")
    rows = [
        GOOD_ROWS[0],
        "E2,ben@example.com,Ben Report,Marketing,DE,E1,fr,2021-02-03,yes",
        GOOD_ROWS[2],
    ]
    result = run(runner, write_roster(tmp_path, rows, name="second.csv"))
    assert result.exit_code == 0, result.output
    assert "1 to update" in result.output and "2 unchanged" in result.output
    ben = user("E2")
    assert (ben.department, ben.preferred_language, ben.manager_id) == (
        "Marketing",
        "fr",
        ana_before.id,
    )
    [update] = events("roster.user_updated")
    assert update.subject_user_id == ben.id
    assert update.before == {"department": "Sales", "preferred_language": "de"}
    assert update.after == {  # the manager changed too: named, not shown (personal data)
        "department": "Marketing",
        "preferred_language": "fr",
        "changed": ["department", "manager", "preferred_language"],
    }
    assert events("roster.imported")[-1].after["updated"] == 1


def test_a_leaver_is_deactivated_not_deleted_loses_clearance_and_cannot_sign_in(
    runner, tmp_path, client
):
    assert run(runner, write_roster(tmp_path, name="all.csv")).exit_code == 0
    ben = user("E2")
    ben.set_password(PASSWORD)  # an admin gave Ben a password
    certify(ben)
    assert clearance.current(ben).cleared

    rows = [GOOD_ROWS[0], GOOD_ROWS[2]]
    result = run(runner, write_roster(tmp_path, rows, name="without-ben.csv"))
    assert result.exit_code == 0, result.output
    assert "1 to deactivate" in result.output
    ben = user("E2")
    assert ben is not None and not ben.active  # kept as evidence
    row = clearance.current(ben)
    assert not row.cleared and row.reasons[0]["code"] == "inactive"
    [event] = events("roster.user_deactivated")
    assert event.subject_user_id == ben.id and event.after["reason"] == "not_in_file"
    assert [e.subject_user_id for e in events("clearance.changed")][-1] == ben.id
    page = text_of(client.post("/login", data={"email": ben.email, "password": PASSWORD}))
    assert "is not right" in page

    result = run(runner, write_roster(tmp_path, name="ben-is-back.csv"))
    assert "1 to reactivate" in result.output
    assert user("E2").active and clearance.current(user("E2")).cleared
    assert len(events("roster.user_reactivated")) == 1


def test_a_row_marked_inactive_deactivates_that_person(runner, tmp_path):
    assert run(runner, write_roster(tmp_path, name="first.csv")).exit_code == 0
    rows = [GOOD_ROWS[0], GOOD_ROWS[1].replace(",yes", ",false"), GOOD_ROWS[2]]
    assert run(runner, write_roster(tmp_path, rows, name="second.csv")).exit_code == 0
    assert not user("E2").active
    assert events("roster.user_deactivated")[0].after["reason"] == "inactive_in_file"


def test_accounts_made_by_hand_are_never_deactivated(runner, tmp_path, make_user):
    admin = make_user(roles=[Role.ADMIN], employee_id="A1", email="admin@example.com")
    demo = make_user(employee_id="E1", email="ana@example.com", name="Ana (by hand)")
    assert run(runner, write_roster(tmp_path, name="first.csv")).exit_code == 0
    assert user("A1").active and not user("A1").roster_managed
    assert user("E1").id == demo.id and user("E1").name == "Ana Boss"  # matched by id

    rows = [GOOD_ROWS[0].replace(",true", ",false"), GOOD_ROWS[2]]
    result = run(runner, write_roster(tmp_path, rows, name="second.csv"))
    assert result.exit_code == 0, result.output
    assert "1 account(s) created by hand keep their status" in result.output
    assert user("A1").active and user("E1").active  # by hand: untouched
    assert not user("E2").active  # roster-managed leaver
    assert [e.subject_user_id for e in events("roster.user_deactivated")] == [user("E2").id]
    assert admin.id not in {e.subject_user_id for e in events("roster.user_updated")}


def test_an_email_of_another_existing_employee_is_refused(runner, tmp_path, make_user):
    make_user(employee_id="H1", email="ben@example.com")
    result = run(runner, write_roster(tmp_path))
    assert result.exit_code == 1
    assert ":3: email: This email belongs to another employee (employee id H1)" in result.output


def test_a_manager_may_be_an_existing_account_but_not_a_loop(runner, tmp_path, make_user):
    make_user(employee_id="H1", email="boss@example.com")
    rows = [
        "E1,e1@example.com,One,,,boss@example.com,,,",
        "E2,e2@example.com,Two,,,E3,,,",
        "E3,e3@example.com,Three,,,E4,,,",
        "E4,e4@example.com,Four,,,E2,,,",
    ]
    result = run(runner, write_roster(tmp_path, rows))
    assert result.exit_code == 1
    for line in (3, 4, 5):
        assert f":{line}: manager: The manager chain loops" in result.output
    assert ":2:" not in result.output
    assert run(runner, write_roster(tmp_path, rows[:1], name="ok.csv")).exit_code == 0
    assert user("E1").manager_id == user("H1").id


def test_semicolons_a_byte_order_mark_crlf_and_loose_headers_are_accepted(runner, tmp_path):
    header = (
        " Employee ID ;EMAIL;Name;Department;Country;Manager;Preferred Language;hire_date;Active"
    )
    path = tmp_path / "excel.csv"
    text = "\r\n".join([header, *[r.replace(",", ";") for r in GOOD_ROWS]]) + "\r\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    result = run(runner, path)
    assert result.exit_code == 0, result.output
    assert user("E2").manager_id == user("E3").id


def test_bytes_that_are_not_utf8_are_reported_by_row_and_byte(runner, tmp_path):
    before = counts()
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        (HEADER + "\n" + GOOD_ROWS[0] + "\nE4,jose@example.com,José,,,,,,\n").encode("latin-1")
    )
    result = run(runner, path)
    assert result.exit_code == 1
    assert f"{path}:3: -: Byte 0xE9" in result.output and "UTF-8" in result.output
    assert counts() == before


def test_unknown_and_missing_columns_are_named(runner, tmp_path):
    header = HEADER.replace("hire_date", "nickname")
    result = run(runner, write_roster(tmp_path, GOOD_ROWS, header=header))
    assert result.exit_code == 1
    assert ":1: nickname: Unknown column" in result.output
    assert ":1: hire_date: This column is missing" in result.output


@pytest.mark.parametrize("text", ["", HEADER + "\n"])
def test_an_empty_file_is_refused_rather_than_deactivating_everyone(runner, tmp_path, text):
    path = tmp_path / "empty.csv"
    path.write_text(text)
    result = run(runner, path)
    assert result.exit_code == 1 and ":1: -: " in result.output


def test_dry_run_previews_and_changes_nothing(runner, tmp_path):
    before = counts()
    result = run(runner, write_roster(tmp_path), "--dry-run")
    assert result.exit_code == 0 and "3 to add" in result.output
    assert "Applied" not in result.output
    assert counts() == before


def test_a_deep_chain_of_new_managers_is_linked_in_full(runner, tmp_path):
    # Deeper than the levels inserted one by one (MAX_LEVELS): the rest are linked after.
    rows = [
        f"C{i},c{i}@example.com,Chain {i},,,{f'C{i - 1}' if i > 1 else ''},,,"
        for i in range(45, 0, -1)
    ]
    assert run(runner, write_roster(tmp_path, rows)).exit_code == 0
    ids = {u: user(u).id for u in (f"C{i}" for i in range(1, 46))}
    assert user("C1").manager_id is None
    assert all(user(f"C{i}").manager_id == ids[f"C{i - 1}"] for i in range(2, 46))
