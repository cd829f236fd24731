"""API tokens in the browser (``/admin/tokens``): admins create them (shown once), see what
each opens and when it was last used, and revoke them, effective at once; all audited."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.models import ApiToken
from lms.models import Role
from lms.models import utcnow
from tests.helpers import PASSWORD
from tests.helpers import csrf_token_of
from tests.helpers import events
from tests.helpers import sign_in
from tests.helpers import text_of

TOKEN = re.compile(r'id="new-token" value="(lms_[A-Za-z0-9_-]+)"')


@pytest.fixture
def admin(make_user):
    return make_user(roles=[Role.ADMIN], name="Ada Admin", email="ada@example.com")


@pytest.fixture
def as_admin(client, admin):
    sign_in(client, admin)
    return client


def create(client, name="Posting tool", scopes=("clearance:read",), rate_limit=""):
    return client.post(
        "/admin/tokens", data={"name": name, "scopes": list(scopes), "rate_limit": rate_limit}
    )


def clearance_of(client, token, identifier="employee@example.com"):
    headers = {"Authorization": f"Bearer {token}"}
    return client.get(f"/api/v1/clearance/{identifier}", headers=headers)


def row(name) -> ApiToken:
    db.session.expire_all()
    return db.session.scalar(sa.select(ApiToken).where(ApiToken.name == name))


@pytest.mark.parametrize("role", [None, Role.HR, Role.MARKETING, Role.LEAD])
def test_only_admins_see_or_change_tokens(client, make_user, token, role):
    sign_in(client, make_user(roles=[role] if role else []))
    assert client.get("/admin/tokens").status_code == 403
    assert create(client).status_code == 403
    assert client.post("/admin/tokens/1/revoke").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 1
    assert row("another system").revoked_at is None


def test_the_admin_page_links_to_the_tokens(as_admin):
    assert 'href="/admin/tokens"' in as_admin.get("/admin/").get_data(as_text=True)


def test_a_new_token_is_shown_once_and_opens_the_api(as_admin, admin, employee):
    response = create(as_admin, "Posting tool")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    plain = TOKEN.search(response.get_data(as_text=True)).group(1)
    assert "shown only this once" in text_of(response)
    assert clearance_of(as_admin, plain).status_code == 200
    again = as_admin.get("/admin/tokens").get_data(as_text=True)
    assert plain not in again and "Posting tool" in again  # listed, never shown again
    stored = row("Posting tool")
    assert stored.token_hash != plain and stored.scope == "clearance:read"
    made = events("api_token.created")[-1]
    assert made.actor_id == admin.id and made.after["token_name"] == "Posting tool"


def test_a_scim_token_opens_scim_and_not_the_clearance_api(as_admin, employee):
    page = create(as_admin, "Entra ID", scopes=["scim"]).get_data(as_text=True)
    plain = TOKEN.search(page).group(1)
    assert clearance_of(as_admin, plain).status_code == 401
    scim = as_admin.get("/scim/v2/Users", headers={"Authorization": f"Bearer {plain}"})
    assert scim.status_code == 200
    assert row("Entra ID").last_used_at is not None  # SCIM's use shows on the page too


def test_a_token_may_open_several_things(as_admin, employee):
    page = create(as_admin, "Both", scopes=["scim", "clearance:read"]).get_data(as_text=True)
    plain = TOKEN.search(page).group(1)
    assert row("Both").scope == "clearance:read scim"
    assert clearance_of(as_admin, plain).status_code == 200
    scim = as_admin.get("/scim/v2/Users", headers={"Authorization": f"Bearer {plain}"})
    assert scim.status_code == 200


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"name": ""}, "This field is required."),
        ({"scopes": []}, "Choose at least one."),
        ({"scopes": ["everything"]}, "is not a valid choice"),
        ({"rate_limit": "lots"}, "“lots” is not a rate limit"),
        ({"rate_limit": "0 per minute"}, "“0 per minute” is not a rate limit"),
    ],
)
def test_a_form_with_a_mistake_creates_nothing_and_says_why(as_admin, fields, message):
    data = {"name": "Tool", "scopes": ["clearance:read"], "rate_limit": ""} | fields
    response = as_admin.post("/admin/tokens", data=data)
    assert response.status_code == 400
    assert message in text_of(response)
    assert not TOKEN.search(response.get_data(as_text=True))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_a_rate_limit_of_its_own_is_kept_and_shown(as_admin):
    create(as_admin, "Sync", rate_limit="1200 per minute")
    assert row("Sync").rate_limit == "1200 per minute"
    page = text_of(as_admin.get("/admin/tokens"))
    assert "1200 per minute" in page


def test_revoking_works_at_once(as_admin, admin, employee, token):
    assert clearance_of(as_admin, token).status_code == 200
    stored = row("another system")
    response = as_admin.post(f"/admin/tokens/{stored.id}/revoke", follow_redirects=True)
    assert "is revoked" in text_of(response)
    assert clearance_of(as_admin, token).status_code == 401
    assert row("another system").revoked_at is not None
    revoked = events("api_token.revoked")[-1]
    assert revoked.actor_id == admin.id and revoked.after["token_id"] == stored.id
    page = as_admin.get("/admin/tokens").get_data(as_text=True)
    assert f"/admin/tokens/{stored.id}/revoke" not in page  # no button any more


def test_revoking_an_unknown_token_is_404(as_admin):
    assert as_admin.post("/admin/tokens/999/revoke").status_code == 404


def test_the_page_shows_when_each_token_was_last_used(as_admin, employee, token):
    assert "Never" in text_of(as_admin.get("/admin/tokens"))
    clearance_of(as_admin, token)
    used = row("another system").last_used_at
    assert used is not None and utcnow() - used < timedelta(minutes=1)
    page = as_admin.get("/admin/tokens").get_data(as_text=True)
    assert f'datetime="{used.isoformat()}"' in page


def test_last_use_is_written_at_most_once_a_minute(as_admin, employee, token):
    stored = row("another system")
    recent = utcnow() - timedelta(seconds=30)
    db.session.execute(sa.update(ApiToken).values(last_used_at=recent))
    db.session.commit()
    clearance_of(as_admin, token)
    assert row("another system").last_used_at == recent  # no write within the minute
    old = utcnow() - timedelta(minutes=2)
    db.session.execute(sa.update(ApiToken).where(ApiToken.id == stored.id).values(last_used_at=old))
    db.session.commit()
    clearance_of(as_admin, token)
    assert row("another system").last_used_at > recent


def test_a_token_issued_for_the_old_clearance_scope_still_opens_the_api(client, employee):
    stale, plain = ApiToken.issue("old tool")
    stale.scope = "clearance"  # as tokens were stored before scopes had their new names
    db.session.add(stale)
    db.session.commit()
    assert clearance_of(client, plain).status_code == 200
    assert (
        client.get("/scim/v2/Users", headers={"Authorization": f"Bearer {plain}"}).status_code
        == 401
    )


class TestCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    @pytest.fixture
    def as_admin(self, client, admin):
        page = client.get("/login").get_data(as_text=True)
        csrf = csrf_token_of(page)
        data = {"email": admin.email, "password": PASSWORD, "csrf_token": csrf}
        assert client.post("/login", data=data).status_code == 302
        return client

    def test_forged_posts_change_nothing(self, as_admin, token):
        stored = row("another system")
        assert create(as_admin, "Forged").status_code == 400
        assert row("Forged") is None
        as_admin.post(f"/admin/tokens/{stored.id}/revoke")
        assert row("another system").revoked_at is None

    def test_the_pages_own_forms_work(self, as_admin, token):
        page = as_admin.get("/admin/tokens").get_data(as_text=True)
        csrf = csrf_token_of(page)
        data = {"name": "Real", "scopes": ["clearance:read"], "csrf_token": csrf}
        assert TOKEN.search(as_admin.post("/admin/tokens", data=data).get_data(as_text=True))
        stored = row("another system")
        as_admin.post(f"/admin/tokens/{stored.id}/revoke", data={"csrf_token": csrf})
        assert row("another system").revoked_at is not None
