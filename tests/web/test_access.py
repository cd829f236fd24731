"""Every page needs the right person: anonymous users go to sign-in, nobody sees others."""

import pytest

from lms.models import Role
from tests.helpers import text_of

LEARNER_PAGES = [
    "/training",
    "/training/policy-basics",
    "/training/policy-basics/modules/say-who-you-are",
    "/training/policy-basics/quiz",
    "/training/attempts/1",
    "/training/attempts/1/result",
]


@pytest.mark.parametrize("path", LEARNER_PAGES)
def test_anonymous_is_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


def test_sign_in_with_wrong_password_says_so_without_revealing_accounts(client, employee):
    wrong = text_of(client.post("/login", data={"email": employee.email, "password": "nope"}))
    unknown = text_of(
        client.post("/login", data={"email": "ghost@example.com", "password": "nope"})
    )
    assert "is not right" in wrong and "is not right" in unknown


def test_sign_in_by_employee_id(client, employee):
    from tests.helpers import PASSWORD

    response = client.post("/login", data={"email": employee.employee_id, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/training")


def test_inactive_employee_cannot_sign_in(client, make_user):
    from tests.helpers import PASSWORD

    user = make_user(active=False)
    page = text_of(client.post("/login", data={"email": user.email, "password": PASSWORD}))
    assert "is not right" in page


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_next_parameter_cannot_leave_the_site(client, employee, target):
    from tests.helpers import PASSWORD

    response = client.post(
        f"/login?next={target}", data={"email": employee.email, "password": PASSWORD}
    )
    assert response.headers["Location"].endswith("/training")


def test_unknown_course_and_module_are_404(client, auth, employee):
    auth.login(employee)
    assert client.get("/training/no-such-course").status_code == 404
    assert client.get("/training/policy-basics/modules/no-such-module").status_code == 404


def test_roles_do_not_unlock_other_peoples_attempts(client, auth, make_user):
    hr = make_user(roles=[Role.HR, Role.ADMIN])
    auth.login(hr)
    assert client.get("/training/attempts/999").status_code == 404


def test_deactivated_employee_is_signed_out_at_once(client, auth, employee):
    from lms.extensions import db

    auth.login(employee)
    assert client.get("/training").status_code == 200
    employee.active = False
    db.session.commit()
    response = client.get("/training")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
