"""Erasure (GDPR Art. 17) through ``flask lms person erase`` and the admin's person page:
afterwards no table holds the person's name, email, employee id or IP address, while
their certifications, attempts and clearance history stay, by id."""

from datetime import UTC
from datetime import datetime

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.models import AuditEvent
from lms.models import Certification
from lms.models import Enrollment
from lms.models import Job
from lms.models import OutboxEvent
from lms.models import QuizAttempt
from lms.models import ReminderSent
from lms.models import Role
from lms.models import RosterUpload
from lms.models import ScimUser
from lms.models import User
from lms.services import handles
from tests.helpers import PASSWORD
from tests.helpers import attesting_content
from tests.helpers import csrf_token_of
from tests.helpers import pass_course
from tests.helpers import sign_in
from tests.privacy.scan import where_found

NAME, EMAIL, EMPLOYEE_ID, ADDRESS = (
    "Quentin Zyxwvut",
    "quentin.zyx@example.com",
    "QZX-7781",
    "203.0.113.77",
)
NEEDLES = (NAME, EMAIL, EMPLOYEE_ID, ADDRESS)


@pytest.fixture(scope="session")
def attesting_root(tmp_path_factory):
    return attesting_content(tmp_path_factory.mktemp("attesting"))


@pytest.fixture
def content_root(attesting_root):
    return attesting_root  # the course asks for a typed name: an attestation is kept


@pytest.fixture
def leaver(app, make_user, client, token):
    """A person with a trail everywhere: certified through the pages (attested from
    their address), a failed sign-in and a reset request, a handle, a reminder, a roster
    file, a SCIM identity and a job result naming them."""
    person = make_user(name=NAME, email=EMAIL, employee_id=EMPLOYEE_ID, preferred_language="en")
    client.environ_base["REMOTE_ADDR"] = ADDRESS
    client.post("/login", data={"email": EMAIL, "password": "wrong-password"})
    client.post("/password/forgot", data={"email": EMPLOYEE_ID})
    sign_in(client, person)
    pass_course(client, person)
    client.post("/logout")
    handles.register(person, "x", "quentin_zyx", NAME)
    enrollment = db.session.scalars(
        sa.select(Enrollment).where(Enrollment.user_id == person.id)
    ).one()
    db.session.add_all(
        [
            ReminderSent(
                enrollment_id=enrollment.id,
                user_id=person.id,
                kind="due",
                due_at=datetime(2026, 1, 1, tzinfo=UTC),
                lang="en",
                to_addr=EMAIL,
                subject="Your training is due",
                error=f"550 {EMAIL}: mailbox full",
            ),
            RosterUpload(
                filename="roster.csv",
                sha256="0" * 64,
                content=f"employee_id,email,name\n{EMPLOYEE_ID},{EMAIL},{NAME}\n".encode(),
            ),
            ScimUser(
                user_id=person.id,
                user_name=EMAIL,
                user_name_key=EMAIL,
                external_id="okta-" + EMPLOYEE_ID,
                attributes={"userName": EMAIL, "name": {"formatted": NAME}},
            ),
            Job(kind="reminders", params={}, status="succeeded", result={"errors": [EMAIL]}),
        ]
    )
    db.session.commit()
    assert {needle for _, _, needle in where_found(*NEEDLES)} == {n.lower() for n in NEEDLES}
    return person


def evidence(person_id: int) -> tuple[int, int, int]:
    db.session.expire_all()

    def count(model, *where):
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))

    return (
        count(Certification, Certification.user_id == person_id),
        count(QuizAttempt, QuizAttempt.user_id == person_id),
        count(
            AuditEvent,
            AuditEvent.subject_user_id == person_id,
            AuditEvent.action == "clearance.changed",
        ),
    )


def erase(runner, *args):
    return runner.invoke(args=["lms", "person", "erase", *args])


def api(client, token, identifier):
    return client.get(
        f"/api/v1/clearance/{identifier}", headers={"Authorization": f"Bearer {token}"}
    )


def assert_erased(person_id: int, client, token, kept: tuple[int, int, int]) -> None:
    assert where_found(*NEEDLES) == []
    certifications, attempts, clearance_changes = evidence(person_id)
    assert (certifications, attempts) == kept[:2] and kept[0] >= 1
    assert clearance_changes >= kept[2] >= 1  # kept (deactivation adds "not cleared")
    for identifier in (EMAIL, EMPLOYEE_ID):
        assert api(client, token, identifier).status_code == 404
    person = db.session.get(User, person_id)
    assert (person.name, person.email, person.employee_id, person.active) == (
        f"Erased person {person_id}",
        f"erased-{person_id}@erased.invalid",
        f"erased-{person_id}",
        False,
    )
    [erased] = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "person.erased")
    ).all()
    assert erased.subject_user_id == person_id
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(
                OutboxEvent.kind == "person.erased", OutboxEvent.user_id == person_id
            )
        )
        == 1
    )


def test_the_cli_refuses_an_active_person_then_erases_them_keeping_the_evidence(
    runner, client, token, leaver
):
    assert api(client, token, EMPLOYEE_ID).json["cleared"] is True
    kept = evidence(leaver.id)
    refused = erase(runner, EMPLOYEE_ID, "--yes")
    assert refused.exit_code == 1 and "--deactivate" in refused.output
    assert where_found(EMAIL) != []  # nothing changed
    result = erase(runner, EMAIL, "--deactivate", "--yes")
    assert result.exit_code == 0, result.output
    assert f"erased-{leaver.id}" in result.output
    assert_erased(leaver.id, client, token, kept)
    erased = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "person.erased"))
    assert erased.one().after["via"] == "cli"


def test_erasing_twice_changes_nothing(runner, client, token, leaver):
    kept = evidence(leaver.id)
    assert erase(runner, EMPLOYEE_ID, "--deactivate", "--yes").exit_code == 0
    again = erase(runner, f"erased-{leaver.id}", "--yes")
    assert again.exit_code == 0 and "already" in again.output
    assert_erased(leaver.id, client, token, kept)  # one person.erased event, not two


def test_the_cli_asks_before_erasing(runner, leaver):
    answered_no = runner.invoke(
        args=["lms", "person", "erase", EMPLOYEE_ID, "--deactivate"], input="n\n"
    )
    assert answered_no.exit_code != 0
    assert db.session.get(User, leaver.id).email == EMAIL


def test_an_admin_erases_from_the_person_page_after_typing_the_employee_id(
    app, client, token, leaver, make_user
):
    kept = evidence(leaver.id)
    admin = make_user(roles=[Role.ADMIN], name="Ada Admin", email="ada@example.com")
    sign_in(client, admin)
    page = client.get(f"/admin/people/{EMPLOYEE_ID}")
    assert "Erase personal data" in page.get_data(as_text=True)
    url = f"/admin/people/{EMPLOYEE_ID}/erase"
    wrong = client.post(url, data={"confirmation": "QZX-7782", "deactivate": "y"})
    assert wrong.status_code == 302 and db.session.get(User, leaver.id).email == EMAIL
    active = client.post(url, data={"confirmation": EMPLOYEE_ID}, follow_redirects=True)
    assert "active" in active.get_data(as_text=True) and db.session.get(User, leaver.id).active
    done = client.post(url, data={"confirmation": EMPLOYEE_ID, "deactivate": "y"})
    assert done.status_code == 302
    assert done.headers["Location"].endswith(f"/admin/people/erased-{leaver.id}")
    client.post("/logout")
    assert_erased(leaver.id, client, token, kept)
    erased = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "person.erased"))
    event = erased.one()
    assert (event.actor_id, event.after["via"]) == (admin.id, "admin")


def test_only_an_admin_may_erase(client, make_user, leaver):
    sign_in(client, make_user(roles=[Role.HR]))
    response = client.post(
        f"/admin/people/{EMPLOYEE_ID}/erase", data={"confirmation": EMPLOYEE_ID, "deactivate": "y"}
    )
    assert response.status_code == 403
    assert db.session.get(User, leaver.id).email == EMAIL


class TestWithCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_a_forged_erasure_changes_nothing(self, client, make_user):
        person = make_user(email="q2@example.com", employee_id="QZX-2", active=False)
        admin = make_user(roles=[Role.ADMIN], email="ada@example.com")
        token = csrf_token_of(client.get("/login").get_data(as_text=True))
        client.post(
            "/login", data={"email": admin.email, "password": PASSWORD, "csrf_token": token}
        )
        url = "/admin/people/QZX-2/erase"
        forged = client.post(url, data={"confirmation": "QZX-2"})
        assert db.session.get(User, person.id).email == "q2@example.com"
        assert forged.status_code in (302, 400)
        page = client.get("/admin/people/QZX-2").get_data(as_text=True)
        token = csrf_token_of(page)
        client.post(url, data={"confirmation": "QZX-2", "csrf_token": token})
        assert db.session.get(User, person.id).email == f"erased-{person.id}@erased.invalid"
