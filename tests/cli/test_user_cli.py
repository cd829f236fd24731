"""``flask lms user grant|revoke|set-password`` and ``flask lms demo`` run twice."""

import pytest

from lms.extensions import db
from lms.models import Role
from lms.models import User
from tests.helpers import PASSWORD
from tests.helpers import events
from tests.helpers import sign_in


def run(runner, *args, input=None):
    return runner.invoke(args=["lms", "user", *args], input=input)


def fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


@pytest.fixture
def sam(make_user):
    make_user(employee_id="S2", email="sales2@example.com", department="Sales")
    make_user(employee_id="U1", email="support1@example.com", department="Support")
    return make_user(employee_id="S1", email="sam@example.com", name="Sam", department="Sales")


def test_grant_and_revoke_a_role_by_email_or_employee_id(runner, sam):
    result = run(runner, "grant", "SAM@example.com", "HR")
    assert result.exit_code == 0, result.output
    assert "sam@example.com now holds hr." in result.output
    assert fresh(sam).has_role(Role.HR)
    [granted] = events("role.granted")
    assert granted.actor_id is None and granted.after == {"role": "hr", "via": "cli"}
    again = run(runner, "grant", "S1", "hr")
    assert again.exit_code == 0 and "already holds hr; nothing changed" in again.output

    result = run(runner, "revoke", "S1", "hr")
    assert result.exit_code == 0 and "no longer holds hr" in result.output
    assert not fresh(sam).has_role(Role.HR)
    assert events("role.revoked")[0].after == {"via": "cli"}


def test_grant_lead_with_the_departments_they_lead(runner, sam):
    result = run(runner, "grant", "S1", "lead", "--department", "Support", "--department", "Sales")
    assert result.exit_code == 0, result.output
    assert "now leads: Sales, Support." in result.output
    assert fresh(sam).lead_departments == ["Sales", "Support"]
    run(runner, "grant", "S1", "lead", "--department", "Support")
    assert fresh(sam).lead_departments == ["Support"]
    assert events("role.changed")[0].after == {
        "role": "lead",
        "departments": ["Support"],
        "via": "cli",
    }


def test_grant_lead_without_departments_leads_their_own(runner, sam):
    assert run(runner, "grant", "S1", "lead").exit_code == 0
    assert fresh(sam).lead_departments == ["Sales"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["grant", "S1", "owner"], "There is no role “owner”. The roles are: admin, hr, lead"),
        (["grant", "S1", "employee"], "Everyone is an employee"),
        (["grant", "S1", "lead", "--department", "Finance"], "Nobody works in the department"),
        (["grant", "S1", "hr", "--department", "Sales"], "Only leads lead departments"),
        (["grant", "nobody@example.com", "hr"], "No account has the email or employee id"),
        (["revoke", "S1", "owner"], "There is no role “owner”"),
        (["revoke", "NOBODY", "hr"], "No account has the email or employee id"),
    ],
)
def test_refusals_say_why_exit_1_and_change_nothing(runner, sam, args, message):
    result = run(runner, *args)
    assert result.exit_code == 1 and message in result.output, result.output
    assert "Traceback" not in result.output
    assert fresh(sam).roles == {Role.EMPLOYEE} and events("role.granted") == []


def test_the_last_active_admin_keeps_the_role(runner, make_user):
    admin = make_user(roles=[Role.ADMIN], employee_id="A1")
    result = run(runner, "revoke", "A1", "admin")
    assert result.exit_code == 1 and "last active admin" in result.output
    assert fresh(admin).has_role(Role.ADMIN)
    make_user(roles=[Role.ADMIN], employee_id="A2")
    assert run(runner, "revoke", "A1", "admin").exit_code == 0
    assert run(runner, "revoke", "A2", "admin").exit_code == 1


def test_set_password_from_stdin_ends_sign_ins_and_is_audited(app, runner, sam):
    client = app.test_client()
    sign_in(client, sam)
    assert client.get("/training").status_code == 200
    result = run(
        runner, "set-password", "sam@example.com", "--password-stdin", input="n3w secret phrase!\n"
    )
    assert result.exit_code == 0, result.output
    assert "n3w secret phrase!" not in result.output
    assert fresh(sam).check_password("n3w secret phrase!")
    assert not fresh(sam).check_password(PASSWORD)
    assert client.get("/training").status_code == 302  # signed out
    [event] = events("auth.password_changed")
    assert event.subject_user_id == sam.id and event.after == {"by": "cli"}
    assert "n3w secret phrase!" not in str(event.after)


def test_set_password_asks_twice_without_echo(runner, sam):
    mismatch = run(
        runner,
        "set-password",
        "S1",
        input="one-password\nanother-one\none-password\none-password\n",
    )
    assert mismatch.exit_code == 0, mismatch.output
    assert "one-password" not in mismatch.output  # the prompt hides what is typed
    assert fresh(sam).check_password("one-password")


def test_set_password_refuses_a_weak_one_and_unknown_accounts(runner, sam):
    empty = run(runner, "set-password", "S1", "--password-stdin", input="\n")
    assert empty.exit_code == 1 and "at least 12 characters" in empty.output
    assert fresh(sam).check_password(PASSWORD)
    unknown = run(runner, "set-password", "nobody@example.com", "--password-stdin", input="x\n")
    assert unknown.exit_code == 1 and "No account" in unknown.output


# -- flask lms demo, again -------------------------------------------------------------


def test_demo_run_again_keeps_a_changed_password(runner):
    first = runner.invoke(args=["lms", "demo", "--password", "demo-pass-123"])
    assert first.exit_code == 0, first.output
    run(runner, "set-password", "hr@example.com", "--password-stdin", input="changed by hr\n")

    second = runner.invoke(args=["lms", "demo", "--password", "demo-pass-123"])
    assert second.exit_code == 0, second.output
    assert "demo-pass-123" not in second.output
    assert "hr@example.com" in second.output and "exists: password unchanged" in second.output
    assert "--reset-passwords" in second.output
    assert User.find("hr@example.com").check_password("changed by hr")

    reset = runner.invoke(args=["lms", "demo", "--password", "pw-2", "--reset-passwords"])
    assert reset.exit_code == 0 and "password: pw-2" in reset.output
    assert User.find("hr@example.com").check_password("pw-2")
    assert any(e.after == {"by": "demo"} for e in events("auth.password_changed"))


def test_demo_lead_leads_sales(runner):
    runner.invoke(args=["lms", "demo", "--password", "demo-pass-123"])
    assert User.find("lead@example.com").lead_departments == ["Sales"]
