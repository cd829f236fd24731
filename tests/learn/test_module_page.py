"""The module page is rendered once per published version and filled per request: what
one reader's view keeps must never show in another's, and a new version shows at once."""

import re

from lms.models import Role
from tests.helpers import COURSE
from tests.helpers import EN_MODULE
from tests.helpers import publish
from tests.helpers import save
from tests.helpers import sign_in

MODULE = f"/training/{COURSE}/modules/say-who-you-are"
NEW_TEXT = "---\ntitle: Say who you work for\n---\n\nAlways disclose that you work for us.\n"


def _html(client, path: str = MODULE) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _without_tokens(html: str) -> str:
    """The page without what differs on every request (signed tokens, the ``next`` path)."""
    html = re.sub(r'name="(csrf_token|view)" value="[^"]*"', "", html)
    return re.sub(r'name="next" value="[^"]*"', "", html)


def test_a_reader_gets_the_page_a_full_render_gives_them(app, make_user):
    first, second = app.test_client(), app.test_client()
    sign_in(first, make_user(preferred_language="en"))
    sign_in(second, make_user(preferred_language="en", name="Other Reader"))
    _html(first)
    _html(first)  # read, then kept for everyone reading this version in English
    kept = _html(second)
    _html(second)
    # A query string skips the kept page: Jinja renders it for this request.
    assert _without_tokens(_html(second)) == _without_tokens(_html(second, MODULE + "?full"))
    assert _without_tokens(_html(second)) == _without_tokens(kept)


def test_each_reader_gets_their_own_tokens(app, make_user):
    first, second = app.test_client(), app.test_client()
    sign_in(first, make_user())
    sign_in(second, make_user())
    tokens = []
    for client in (first, second, first, second):
        html = _html(client)
        assert "\ue000" not in html  # no placeholder left
        tokens.append(re.search(r'name="view" value="([^"]+)"', html).group(1))
    assert tokens[0] != tokens[1] and tokens[2] != tokens[3]


def test_the_navigation_follows_the_readers_roles(app, make_user):
    learner, hr = app.test_client(), app.test_client()
    sign_in(learner, make_user())
    sign_in(hr, make_user(roles=[Role.HR]))
    for _ in range(2):
        assert "HR dashboard" not in _html(learner)
        assert "HR dashboard" in _html(hr)


def test_a_message_waiting_for_the_reader_is_shown(app, make_user):
    client = app.test_client()
    sign_in(client, make_user())
    _html(client)
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "A message for you")]
    assert "A message for you" in _html(client)
    assert "A message for you" not in _html(client)


def test_a_new_version_shows_at_once(app, author, make_user):
    client = app.test_client()
    sign_in(client, make_user(preferred_language="en"))
    _html(client)
    assert "Always disclose" not in _html(client)
    save(author, EN_MODULE, NEW_TEXT)
    assert publish(author, "minor").status_code == 302
    assert "Always disclose that you work for us." in _html(client)
