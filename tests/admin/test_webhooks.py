"""Webhook endpoints in the browser (``/admin/webhooks``): admins only, the secret shown
once and stored sealed, URLs checked with clear messages, every change audited, the
delivery log and "send again", and CSRF on every form."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from lms import jobs
from lms.extensions import db
from lms.models import Role
from lms.models import WebhookAttempt
from lms.models import WebhookDelivery
from lms.models import WebhookEndpoint
from lms.models import utcnow
from lms.services import events
from tests.helpers import PASSWORD
from tests.helpers import csrf_token_of
from tests.helpers import events as audit_events
from tests.helpers import sign_in
from tests.helpers import text_of


@pytest.fixture
def admin(make_user):
    return make_user(roles=[Role.ADMIN], name="Ada Admin", email="ada@example.com")


@pytest.fixture
def as_admin(client, admin):
    sign_in(client, admin)
    return client


def form(url="https://hooks.example.com/lms", events=("clearance.changed",), **extra) -> dict:
    return {"url": url, "events": list(events), "description": "Social media tool"} | extra


def add(client, **kwargs):
    return client.post("/admin/webhooks/new", data=form(**kwargs))


def secret_of(response) -> str:
    return re.search(r'value="(whsec_[^"]+)"', response.get_data(as_text=True)).group(1)


def endpoints() -> list[WebhookEndpoint]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def webhook_urls(app) -> list[tuple[str, str]]:
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("admin.webhook"):
            url = re.sub(r"<int:\w+>", "1", rule.rule)
            urls += [(method, url) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    assert len(urls) >= 12
    return urls


# -- Who may come in -------------------------------------------------------------------


@pytest.mark.parametrize("role", [None, Role.HR, Role.MARKETING, Role.LEAD])
def test_everyone_but_admins_gets_403_on_every_webhook_page(app, client, make_user, role):
    sign_in(client, make_user(roles=[role] if role else []))
    for method, url in webhook_urls(app):
        response = client.open(url, method=method, data=form())
        assert response.status_code == 403, (method, url)
    assert endpoints() == []


def test_signed_out_visitors_are_sent_to_sign_in(app, client):
    for method, url in webhook_urls(app):
        response = client.open(url, method=method, data=form())
        assert response.status_code == 302 and "/login" in response.location, (method, url)


def test_the_admin_page_links_to_the_webhooks(as_admin):
    assert 'href="/admin/webhooks"' in as_admin.get("/admin/").get_data(as_text=True)


# -- Registering -----------------------------------------------------------------------


def test_the_secret_is_shown_once_and_stored_sealed(as_admin):
    response = add(as_admin, events=["clearance.changed", "person.deactivated"])
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    secret = secret_of(response)
    assert secret.startswith("whsec_") and len(secret) > 40
    assert "shown only this once" in text_of(response)
    [endpoint] = endpoints()
    assert endpoint.events == ["clearance.changed", "person.deactivated"]
    assert endpoint.enabled and not endpoint.allow_private
    assert secret not in endpoint.secret_sealed and secret[6:] not in endpoint.secret_sealed
    for page in ("/admin/webhooks", f"/admin/webhooks/{endpoint.id}"):
        assert secret not in as_admin.get(page).get_data(as_text=True)
    [created] = audit_events("webhook.created")
    assert created.after["url"] == "https://hooks.example.com/lms"
    assert created.after["allow_private"] is False
    assert secret not in str(created.after)


def test_the_list_shows_each_endpoint(as_admin):
    add(as_admin, url="https://a.example.com/hook")
    add(as_admin, url="https://b.example.com/hook", events=["certification.issued"])
    page = text_of(as_admin.get("/admin/webhooks"))
    assert "https://a.example.com/hook" in page and "https://b.example.com/hook" in page
    assert "2 endpoints" in page and "certification.issued" in page


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example.com/lms", "must start with https://"),
        ("ftp://hooks.example.com/lms", "must start with https://"),
        ("hooks.example.com/lms", "Enter a full URL"),
        ("https://", "Enter a full URL"),
        ("https://hooks.example.com/a b", "Enter a full URL"),
        ("https://user:pw@hooks.example.com/", "user name and password"),
        ("https://hooks.example.com:99999/", "not a port number"),
        ("https://hooks.example.com/#x", "part after #"),
        ("https://127.0.0.1/hook", "private, loopback or reserved"),
        ("https://169.254.169.254/latest/meta-data", "private, loopback or reserved"),
        ("https://10.0.0.8/hook", "private, loopback or reserved"),
        ("https://[::1]:8443/hook", "private, loopback or reserved"),
        ("https://[::ffff:127.0.0.1]/hook", "private, loopback or reserved"),
        ("https://localhost/hook", "private, loopback or reserved"),
        ("https://a.localhost./hook", "private, loopback or reserved"),
        ("https://" + "a" * 2000 + ".com/", "too long"),
    ],
)
def test_a_bad_url_is_refused_saying_what_is_wrong(as_admin, url, message):
    response = add(as_admin, url=url)
    assert response.status_code == 400
    assert message in text_of(response)
    assert endpoints() == [] and audit_events("webhook.created") == []


def test_private_addresses_and_http_pass_when_allowed(as_admin):
    response = add(as_admin, url="http://10.0.0.8:8080/hook", allow_private="y")
    assert response.status_code == 200
    [endpoint] = endpoints()
    assert endpoint.allow_private
    assert audit_events("webhook.created")[0].after["allow_private"] is True


@pytest.mark.parametrize("chosen", [[], ["person.created"], ["clearance.changed", "nope"]])
def test_events_must_be_chosen_from_those_offered(as_admin, chosen):
    response = add(as_admin, events=chosen)
    assert response.status_code == 400 and endpoints() == []


# -- Changing ------------------------------------------------------------------------------


@pytest.fixture
def endpoint_id(as_admin) -> int:
    add(as_admin)
    return endpoints()[0].id


def test_a_change_is_audited_with_before_and_after(as_admin, endpoint_id):
    page = as_admin.get(f"/admin/webhooks/{endpoint_id}/edit").get_data(as_text=True)
    assert 'value="https://hooks.example.com/lms"' in page and "checked" in page
    response = as_admin.post(
        f"/admin/webhooks/{endpoint_id}/edit",
        data=form(url="http://10.1.1.1/lms", events=["person.deactivated"], allow_private="y"),
    )
    assert response.status_code == 302
    [endpoint] = endpoints()
    assert endpoint.url == "http://10.1.1.1/lms" and endpoint.allow_private
    assert endpoint.events == ["person.deactivated"]
    [changed] = audit_events("webhook.changed")
    assert changed.before["allow_private"] is False and changed.after["allow_private"] is True
    assert changed.before["events"] == ["clearance.changed"]
    assert "description" not in changed.after  # only what changed
    chosen = ["person.deactivated", "clearance.changed"]
    as_admin.post(
        f"/admin/webhooks/{endpoint_id}/edit",
        data=form(url="http://10.1.1.1/lms", events=chosen, allow_private="y"),
    )
    again = as_admin.post(
        f"/admin/webhooks/{endpoint_id}/edit",
        data=form(url="http://10.1.1.1/lms", events=chosen[::-1], allow_private="y"),
        follow_redirects=True,
    )
    assert "Nothing changed." in text_of(again) and len(audit_events("webhook.changed")) == 2


def test_a_change_to_a_private_address_needs_the_box_ticked(as_admin, endpoint_id):
    response = as_admin.post(
        f"/admin/webhooks/{endpoint_id}/edit", data=form(url="https://10.0.0.1/")
    )
    assert response.status_code == 400 and "private" in text_of(response)
    assert endpoints()[0].url == "https://hooks.example.com/lms"


def test_disable_and_enable_are_audited_and_shown(as_admin, endpoint_id):
    page = as_admin.post(f"/admin/webhooks/{endpoint_id}/disable", follow_redirects=True)
    assert "gets nothing until it is enabled again" in text_of(page)
    assert not endpoints()[0].enabled and endpoints()[0].disabled_reason == "admin"
    assert "Disabled" in text_of(as_admin.get("/admin/webhooks"))
    as_admin.post(f"/admin/webhooks/{endpoint_id}/enable")
    assert endpoints()[0].enabled
    assert [e.action for e in audit_events("webhook.disabled")] == ["webhook.disabled"]
    assert len(audit_events("webhook.enabled")) == 1


def test_a_new_secret_is_shown_once_and_the_old_one_stops_working(as_admin, receiver):
    response = add(as_admin, url=receiver.url, allow_private="y")
    old = secret_of(response)
    endpoint_id = endpoints()[0].id
    response = as_admin.post(f"/admin/webhooks/{endpoint_id}/secret")
    new = secret_of(response)
    assert new != old and "old one no longer works" in text_of(response)
    assert len(audit_events("webhook.secret_rotated")) == 1
    events.record("clearance.changed", user_id=None, payload={"n": 1})
    db.session.commit()
    jobs.start("webhooks", {}, None)
    [request] = receiver.requests
    Webhook(new).verify(request["body"], request["headers"])
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(request["body"], request["headers"])


def test_delete_asks_first_then_removes_the_endpoint_and_its_log(as_admin, endpoint_id):
    page = as_admin.get(f"/admin/webhooks/{endpoint_id}/delete")
    assert page.status_code == 200 and "its delivery log is deleted" in text_of(page)
    assert len(endpoints()) == 1
    response = as_admin.post(f"/admin/webhooks/{endpoint_id}/delete", data={"submit": "delete"})
    assert response.status_code == 302 and endpoints() == []
    [removed] = audit_events("webhook.removed")
    assert removed.before["url"] == "https://hooks.example.com/lms"
    assert as_admin.get(f"/admin/webhooks/{endpoint_id}").status_code == 404


def test_unknown_endpoints_and_deliveries_are_not_found(as_admin):
    assert as_admin.get("/admin/webhooks/999").status_code == 404
    assert as_admin.post("/admin/webhooks/999/disable").status_code == 404
    assert as_admin.get("/admin/webhooks/deliveries/999").status_code == 404
    assert as_admin.post("/admin/webhooks/deliveries/999/send-again").status_code == 404


# -- The delivery log, and sending again ---------------------------------------------------


def test_the_log_shows_each_attempt_and_send_again_sends_it_again(as_admin, receiver, make_user):
    add(as_admin, url=receiver.url, allow_private="y", events=["person.deactivated"])
    endpoint_id = endpoints()[0].id
    person = make_user(employee_id="LOG1")
    events.record("person.deactivated", user_id=person.id, payload={"reason": "left"})
    db.session.commit()
    receiver.answers = [500]
    now = utcnow()
    jobs.start("webhooks", {"now": now.isoformat()}, None)
    jobs.start("webhooks", {"now": (now + timedelta(minutes=1)).isoformat()}, None)
    log = text_of(as_admin.get(f"/admin/webhooks/{endpoint_id}"))
    assert "person.deactivated" in log and "LOG1" in log and "Delivered" in log
    delivery_id = db.session.scalar(sa.select(WebhookDelivery.id))
    page = text_of(as_admin.get(f"/admin/webhooks/deliveries/{delivery_id}"))
    assert "Error answer" in page and "500" in page and " ms" in page
    assert '"employee_id": "LOG1"' in as_admin.get(
        f"/admin/webhooks/deliveries/{delivery_id}"
    ).get_data(as_text=True)
    response = as_admin.post(
        f"/admin/webhooks/deliveries/{delivery_id}/send-again", follow_redirects=True
    )
    assert "goes out again" in text_of(response)
    [resent] = audit_events("webhook.resent")
    assert resent.subject_user_id == person.id and resent.actor_id is not None
    twice = as_admin.post(
        f"/admin/webhooks/deliveries/{delivery_id}/send-again", follow_redirects=True
    )
    assert "waiting to be sent already" in text_of(twice)
    jobs.start("webhooks", {}, None)
    assert len(receiver.requests) == 3 and len(set(receiver.ids())) == 1
    assert db.session.scalar(sa.select(sa.func.count(WebhookAttempt.id))) == 3


def test_the_log_filters_by_status(app, as_admin, receiver, make_user):
    app.config["WEBHOOKS_CONCURRENCY"] = 1  # the receiver answers in the order requests come
    add(as_admin, url=receiver.url, allow_private="y", events=["person.deactivated"])
    endpoint_id = endpoints()[0].id
    for n in range(2):
        events.record("person.deactivated", user_id=make_user(employee_id=f"F{n}").id, payload={})
    db.session.commit()
    receiver.answers = [200, 500]
    jobs.start("webhooks", {}, None)
    waiting = text_of(as_admin.get(f"/admin/webhooks/{endpoint_id}?status=pending"))
    assert "1 delivery" in waiting and "F1" in waiting and "F0" not in waiting
    odd = as_admin.get(f"/admin/webhooks/{endpoint_id}?status=nonsense&page=99999999999")
    assert odd.status_code == 200 and "2 deliveries" in text_of(odd)


# -- CSRF ------------------------------------------------------------------------------


class TestWithCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    @pytest.fixture
    def signed_in(self, client, admin):
        token = csrf_token_of(client.get("/login").get_data(as_text=True))
        client.post(
            "/login", data={"email": admin.email, "password": PASSWORD, "csrf_token": token}
        )
        return client

    def test_posts_without_the_token_change_nothing(self, signed_in):
        assert signed_in.post("/admin/webhooks/new", data=form()).status_code == 400
        assert endpoints() == []
        token = csrf_token_of(signed_in.get("/admin/webhooks/new").get_data(as_text=True))
        assert signed_in.post("/admin/webhooks/new", data=form(csrf_token=token)).status_code == 200
        [endpoint] = endpoints()
        for action in ("disable", "secret", "delete", "edit"):
            response = signed_in.post(
                f"/admin/webhooks/{endpoint.id}/{action}", data=form(url="https://x.example/")
            )
            assert response.status_code == 400, action
        [endpoint] = endpoints()
        assert endpoint.enabled and endpoint.url == "https://hooks.example.com/lms"
        assert audit_events("webhook.secret_rotated") == []

    def test_the_pages_own_forms_work(self, signed_in):
        token = csrf_token_of(signed_in.get("/admin/webhooks/new").get_data(as_text=True))
        signed_in.post("/admin/webhooks/new", data=form(csrf_token=token))
        endpoint_id = endpoints()[0].id
        page = signed_in.get(f"/admin/webhooks/{endpoint_id}").get_data(as_text=True)
        response = signed_in.post(
            f"/admin/webhooks/{endpoint_id}/disable", data={"csrf_token": csrf_token_of(page)}
        )
        assert response.status_code == 302 and not endpoints()[0].enabled
