"""Only marketing and admins may author: every other role gets 403 on every route, GET
and POST; anonymous visitors are sent to sign in."""

import pytest

from lms.models import Role
from tests.helpers import COURSE
from tests.helpers import EN_MODULE
from tests.helpers import sign_in

ARGS = {"course_id": COURSE, "path": EN_MODULE, "module_id": "say-who-you-are", "label": "1.0"}
#: Every authoring route with its methods; test_every_route_is_listed keeps this complete.
ROUTES = {
    "author.index": ("GET",),
    "author.course": ("GET",),
    "author.edit_file": ("GET", "POST"),
    "author.discard": ("POST",),
    "author.add_language": ("POST",),
    "author.status": ("GET",),
    "author.preview_course": ("GET",),
    "author.preview_module": ("GET",),
    "author.preview_quiz": ("GET",),
    "author.publish": ("GET", "POST"),
    "author.versions": ("GET",),
    "author.version": ("GET",),
    "author.rollback": ("GET", "POST"),
    "author.gift": ("GET", "POST"),
    "author.gift_save": ("POST",),
    "author.aiken": ("GET", "POST"),
}
CASES = [(endpoint, method) for endpoint, methods in ROUTES.items() for method in methods]


def url(app, endpoint: str) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **{k: v for k, v in ARGS.items() if k in rule.arguments})


def test_every_route_is_listed(app):
    found = {
        r.endpoint: tuple(sorted(r.methods - {"HEAD", "OPTIONS"}))
        for r in app.url_map.iter_rules()
        if r.endpoint.startswith("author.") and r.endpoint != "author.static"
    }  # CSS
    assert found == {k: tuple(sorted(v)) for k, v in ROUTES.items()}


@pytest.mark.parametrize(("endpoint", "method"), CASES)
def test_other_roles_are_refused(app, make_user, endpoint, method):
    for role in (Role.EMPLOYEE, Role.HR, Role.LEAD):
        client = app.test_client()
        sign_in(client, make_user(roles=[role]))
        response = client.open(url(app, endpoint), method=method, data={"kind": "minor"})
        assert response.status_code == 403, role


@pytest.mark.parametrize(("endpoint", "method"), CASES)
def test_anonymous_is_sent_to_sign_in(app, client, endpoint, method):
    response = client.open(url(app, endpoint), method=method)
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


@pytest.mark.parametrize("endpoint", [e for e, methods in ROUTES.items() if "GET" in methods])
def test_marketing_and_admins_may_open_every_page(app, make_user, endpoint):
    for role in (Role.MARKETING, Role.ADMIN):
        client = app.test_client()
        sign_in(client, make_user(roles=[role]))
        assert client.get(url(app, endpoint)).status_code == 200, role


def test_the_navigation_shows_authoring_only_to_authors(client, make_user):
    sign_in(client, make_user(roles=[Role.HR]))
    assert 'href="/author"' not in client.get("/training").get_data(as_text=True)
    client.post("/logout")
    sign_in(client, make_user(roles=[Role.MARKETING]))
    assert 'href="/author"' in client.get("/training").get_data(as_text=True)
