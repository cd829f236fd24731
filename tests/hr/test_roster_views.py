"""The roster pages: upload, preview, apply; HR and admins only."""

import io
import re

import pytest

from lms.extensions import db
from lms.models import Role
from lms.services import roster
from tests.helpers import GOOD_ROWS
from tests.helpers import counts
from tests.helpers import events
from tests.helpers import roster_text
from tests.helpers import text_of
from tests.helpers import user


@pytest.fixture
def hr(make_user):
    return make_user(roles=[Role.HR], email="hr@example.com", employee_id="HR1")


def upload(client, text: str, name: str = "roster.csv"):
    data = {"file": (io.BytesIO(text.encode()), name)}
    return client.post("/hr/roster", data=data, content_type="multipart/form-data")


def fingerprint_of(page: str) -> str:
    return re.search(r'name="fingerprint"[^>]*value="([^"]*)"', page).group(1)


def test_hr_uploads_previews_and_applies(client, auth, hr):
    auth.login(hr)
    response = upload(client, roster_text())
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    text = text_of(client.get(preview_url))
    assert "To add 3" in text and "Bad rows 0" in text
    assert "Ben Report" in text and "Apply these changes" in page
    before = counts()
    assert before[0] == 1  # nothing applied by the preview

    response = client.post(f"{preview_url}/apply", data={"fingerprint": fingerprint_of(page)})
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    job_page = text_of(client.get(response.headers["Location"]))
    assert "Done" in job_page and "Roster applied: 3 added, 0 updated, 0 deactivated" in job_page
    assert user("E2").manager_id == user("E3").id
    [summary] = events("roster.imported")
    assert summary.actor_id == hr.id and summary.after["filename"] == "roster.csv"
    assert {e.actor_id for e in events("roster.user_added")} == {hr.id}
    assert "applied" in text_of(client.get(preview_url)).lower()


def test_bad_rows_are_listed_and_there_is_no_apply_button(client, auth, hr):
    auth.login(hr)
    rows = GOOD_ROWS + ["E4,,No Email,,,,,,", "E5,e5@example.com,Lost,,,E404,,,"]
    preview_url = upload(client, roster_text(rows)).headers["Location"]
    text = text_of(client.get(preview_url))
    assert "2 rows need fixing" in text
    assert "5 email This value is missing." in text
    assert "6 manager Manager not found" in text
    assert "Apply these changes" not in client.get(preview_url).get_data(as_text=True)


def test_a_double_apply_is_refused(client, auth, hr):
    auth.login(hr)
    preview_url = upload(client, roster_text()).headers["Location"]
    fingerprint = fingerprint_of(client.get(preview_url).get_data(as_text=True))
    client.post(f"{preview_url}/apply", data={"fingerprint": fingerprint})
    after_first = counts()
    response = client.post(f"{preview_url}/apply", data={"fingerprint": fingerprint})
    job_page = text_of(client.get(response.headers["Location"]))
    assert "Failed" in job_page and "already applied" in job_page
    assert counts() == after_first


def test_apply_is_refused_when_the_accounts_changed_since_the_preview(
    client, auth, hr, runner, tmp_path
):
    auth.login(hr)
    preview_url = upload(client, roster_text()).headers["Location"]
    fingerprint = fingerprint_of(client.get(preview_url).get_data(as_text=True))
    (tmp_path / "other.csv").write_text(roster_text(GOOD_ROWS[:1]))
    assert (
        runner.invoke(args=["lms", "roster", "import", str(tmp_path / "other.csv")]).exit_code == 0
    )  # meanwhile, someone imported Ana
    before = counts()
    response = client.post(f"{preview_url}/apply", data={"fingerprint": fingerprint})
    assert "accounts changed since this preview" in text_of(
        client.get(response.headers["Location"])
    )
    assert counts() == before
    db.session.expire_all()
    upload_id = int(preview_url.rsplit("/", 1)[1])
    assert db.session.get(roster.RosterUpload, upload_id).applied_at is None


def test_the_upload_form_requires_a_csv_file(client, auth, hr):
    auth.login(hr)
    response = client.post("/hr/roster", data={}, content_type="multipart/form-data")
    assert "Choose a CSV file." in text_of(response)
    response = upload(client, "x", name="roster.xlsx")
    assert "Upload a CSV file" in text_of(response)


def test_a_file_over_the_size_limit_is_refused_with_a_message(client, auth, hr, app):
    auth.login(hr)
    app.config["MAX_CONTENT_LENGTH"] = 100 * 1024  # small: the test client spools big bodies
    response = upload(client, "x" * (100 * 1024 + 1))
    assert response.status_code == 302
    assert "The file is too large: the limit is 0.1 MB." in text_of(client.get("/hr/roster"))
    assert counts()[0] == 1


def test_admins_may_import_and_see_the_roster_link(client, auth, make_user):
    admin = make_user(roles=[Role.ADMIN])
    auth.login(admin)
    page = client.get("/hr/roster")
    assert page.status_code == 200 and "Roster" in text_of(client.get("/training"))


def test_employees_do_not_see_the_roster_link(client, auth, employee):
    auth.login(employee)
    assert "/hr/roster" not in client.get("/training").get_data(as_text=True)


HR_ROUTES = [
    ("GET", "/hr/roster"),
    ("POST", "/hr/roster"),
    ("GET", "/hr/roster/uploads/1"),
    ("POST", "/hr/roster/uploads/1/apply"),
]


@pytest.mark.parametrize("role", [None, Role.MARKETING, Role.LEAD])
@pytest.mark.parametrize(("method", "path"), HR_ROUTES)
def test_only_hr_and_admins_may_open_hr_pages(client, auth, make_user, hr, role, method, path):
    roster.store_upload(roster_text().encode(), "roster.csv", hr.id)
    auth.login(make_user(roles=[role] if role else []))
    before = counts()
    assert client.open(path, method=method).status_code == 403
    assert counts() == before


@pytest.mark.parametrize(("method", "path"), HR_ROUTES)
def test_anonymous_is_sent_to_sign_in(client, method, path):
    response = client.open(path, method=method)
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]


def test_uploads_are_limited_to_50_mb_unless_configured(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 50 * 1024 * 1024
