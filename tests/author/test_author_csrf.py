"""Every authoring form needs its CSRF token: a forged post changes nothing."""

import re

import pytest

from lms.extensions import db
from lms.models import CourseDraft
from lms.models import Role
from lms.queries import catalog
from tests.helpers import COURSE
from tests.helpers import EN_MODULE
from tests.helpers import PASSWORD
from tests.helpers import csrf_token_of
from tests.helpers import edit_url

POSTS = [
    edit_url(EN_MODULE),
    f"/author/{COURSE}/draft/discard",
    f"/author/{COURSE}/languages",
    f"/author/{COURSE}/publish",
    f"/author/{COURSE}/versions/1.0/rollback",
    f"/author/{COURSE}/gift",
    f"/author/{COURSE}/gift/save",
    f"/author/{COURSE}/aiken",
]


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def signed_in(client, make_user):
    user = make_user(roles=[Role.MARKETING])
    token = csrf_token_of(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    return client


@pytest.mark.parametrize("path", POSTS)
def test_posts_without_a_token_are_refused(signed_in, path):
    data = {
        "text": "---\ntitle: Forged\n---\n\nForged.\n",
        "save": "Save",
        "lang": "de",
        "kind": "minor",
        "markdown": "x",
    }
    assert signed_in.post(path, data=data).status_code == 400
    assert db.session.get(CourseDraft, COURSE) is None
    assert catalog.latest_version(COURSE).version == "1.0"


def test_saving_with_the_pages_token_works(signed_in):
    page = signed_in.get(edit_url(EN_MODULE)).get_data(as_text=True)
    base = re.search(r'name="base"[^>]*value="([^"]*)"', page).group(1)
    response = signed_in.post(
        edit_url(EN_MODULE),
        data={
            "csrf_token": csrf_token_of(page),
            "base": base,
            "save": "Save draft",
            "text": "---\ntitle: Say who you work for\n---\n\nSay it.\n",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(CourseDraft, COURSE) is not None
