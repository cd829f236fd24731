"""Webhooks delivered by the job queue to a real HTTP receiver: signed so that Standard
Webhooks libraries verify them, retried with backoff, in order per person, never to
addresses they may not reach, never after a redirect, not to disabled endpoints, and an
endpoint failing for days is disabled with the admins told. Endpoints are registered
through the admin pages; events come from the daily run and the services."""

import re
import socket
from datetime import timedelta

import pytest
import sqlalchemy as sa
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from lms import jobs
from lms.extensions import db
from lms.models import Job
from lms.models import OutboxEvent
from lms.models import Role
from lms.models import WebhookAttempt
from lms.models import WebhookDelivery
from lms.models import WebhookEndpoint
from lms.models import utcnow
from lms.services import events
from lms.services import users
from lms.services import webhook_delivery
from lms.services import webhooks
from tests.helpers import at_once
from tests.helpers import certify
from tests.helpers import events as audit_events
from tests.helpers import mail_settings
from tests.helpers import sign_in
from tests.helpers import text_of


@pytest.fixture
def admin(make_user):
    return make_user(roles=[Role.ADMIN], name="Ada Admin", email="ada@example.com")


@pytest.fixture
def as_admin(client, admin):
    sign_in(client, admin)
    return client


def register(client, url: str, events=("clearance.changed",), allow_private=True):
    """Register an endpoint through the admin page; (its id, the secret shown once)."""
    data = {"url": url, "events": list(events), "description": "Social media tool"}
    if allow_private:
        data["allow_private"] = "y"
    response = client.post("/admin/webhooks/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, text_of(response)
    secret = re.search(r'value="(whsec_[^"]+)"', page).group(1)
    endpoint_id = int(re.search(r'href="/admin/webhooks/(\d+)"', page).group(1))
    return endpoint_id, secret


def deliver(at=None) -> Job:
    """The webhook job, as the schedule starts it (at a replayed time)."""
    params = {"now": at.isoformat()} if at else {}
    job = jobs.start("webhooks", params, None)
    assert job.status == "succeeded", job.error
    return job


def lapse(person, after=timedelta(days=2)):
    """The daily run, ``after`` from now, finds ``person``'s clearance lapsed."""
    at = utcnow() + after
    job = jobs.start("daily", {"now": at.isoformat()}, None)
    assert job.status == "succeeded", job.error
    return at


def deliveries() -> list[WebhookDelivery]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)))


def attempts() -> list[WebhookAttempt]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(WebhookAttempt).order_by(WebhookAttempt.id)))


def endpoint(endpoint_id: int) -> WebhookEndpoint:
    db.session.expire_all()
    return db.session.get_one(WebhookEndpoint, endpoint_id)


@pytest.fixture
def cleared(make_user):
    """Someone cleared until tomorrow."""
    person = make_user(employee_id="E100", email="cleo@example.com", name="Cleo Cleared")
    certify(person, expires_in=timedelta(days=1))
    return person


# -- Signed, and what it says ------------------------------------------------------------


def test_a_lapsed_clearance_arrives_signed_and_verifies(as_admin, receiver, cleared):
    _, secret = register(as_admin, receiver.url)
    at = lapse(cleared)
    deliver(at)
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    message = Webhook(secret).verify(request["body"], request["headers"])
    assert message["type"] == "clearance.changed"
    data = message["data"]
    assert data["employee_id"] == "E100"
    assert data["before"]["cleared"] is True and data["after"]["cleared"] is False
    assert "expired" in data["after"]["reasons"]
    assert "cleo@example.com" not in request["body"].decode()  # no more than needed
    assert request["path"] == "/hooks/lms"
    assert request["headers"]["content-type"] == "application/json"
    assert [d.status for d in deliveries()] == ["delivered"]


def test_a_tampered_body_or_signature_does_not_verify(as_admin, receiver, cleared):
    _, secret = register(as_admin, receiver.url)
    deliver(lapse(cleared))
    request = receiver.requests[0]
    tampered = request["body"].replace(b'"cleared":false', b'"cleared":true')
    assert tampered != request["body"]
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(tampered, request["headers"])
    forged = dict(request["headers"], **{"webhook-signature": "v1,AAAA"})
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(request["body"], forged)
    with pytest.raises(WebhookVerificationError):  # another endpoint's secret
        Webhook(webhooks.new_secret()).verify(request["body"], request["headers"])


def test_a_leaver_and_a_new_certificate_arrive_as_their_events(as_admin, receiver, make_user):
    register(as_admin, receiver.url, events=["person.deactivated", "certification.issued"])
    person = make_user(employee_id="E200")
    events.record(
        "certification.issued",
        user_id=person.id,
        course_id="policy-basics",
        payload={"certification_id": 7, "version": "1.0"},
    )
    users.set_active(person, False, source="test", reason="left")
    db.session.commit()
    deliver()
    kinds = [(m["type"], m["data"]["employee_id"]) for m in receiver.bodies()]
    assert kinds == [("certification.issued", "E200"), ("person.deactivated", "E200")]
    assert receiver.bodies()[0]["data"]["course_id"] == "policy-basics"


def test_only_the_events_an_endpoint_chose_reach_it(as_admin, receiver, cleared):
    register(as_admin, receiver.url, events=["certification.revoked"])
    deliver(lapse(cleared))
    assert receiver.requests == [] and deliveries() == []


def test_events_from_before_the_endpoint_existed_are_not_sent(as_admin, receiver, make_user):
    person = make_user()
    certify(person)  # a clearance.changed event, before any endpoint
    register(as_admin, receiver.url)
    deliver()
    assert receiver.requests == []


# -- Retries, order -------------------------------------------------------------------------


def test_a_500_is_retried_with_backoff_until_it_is_delivered(as_admin, receiver, cleared):
    _, secret = register(as_admin, receiver.url)
    receiver.answers = [500, 503]
    at = lapse(cleared)
    deliver(at)
    [delivery] = deliveries()
    assert delivery.status == "pending" and delivery.attempts == 1
    assert at + timedelta(seconds=30) <= delivery.next_attempt_at < at + timedelta(seconds=35)
    deliver(at + timedelta(seconds=10))  # not due yet
    assert len(receiver.requests) == 1
    second = delivery.next_attempt_at
    deliver(second)
    [delivery] = deliveries()
    assert delivery.next_attempt_at >= second + timedelta(seconds=60)  # twice as long
    deliver(at + timedelta(minutes=5))
    assert [d.status for d in deliveries()] == ["delivered"]
    assert [(a.number, a.outcome, a.status_code) for a in attempts()] == [
        (1, "http_status", 500),
        (2, "http_status", 503),
        (3, "delivered", 200),
    ]
    assert all(a.duration_ms >= 0 for a in attempts())
    assert len(set(receiver.ids())) == 1  # one message id on every attempt
    for request in receiver.requests:
        Webhook(secret).verify(request["body"], request["headers"])


def test_a_persons_later_event_waits_for_the_earlier_one(app, as_admin, receiver, make_user):
    app.config["WEBHOOKS_CONCURRENCY"] = 1  # the receiver answers in the order requests come
    register(as_admin, receiver.url, events=["certification.issued", "person.deactivated"])
    ana, ben = make_user(employee_id="ANA"), make_user(employee_id="BEN")
    for person, kind in [(ana, "certification.issued"), (ben, "certification.issued")]:
        events.record(kind, user_id=person.id, payload={"certification_id": 1})
    events.record("person.deactivated", user_id=ana.id, payload={"reason": "left"})
    db.session.commit()
    receiver.answers = [500]  # Ana's first event fails
    now = utcnow()
    deliver(now)
    assert [(m["type"], m["data"]["employee_id"]) for m in receiver.bodies()] == [
        ("certification.issued", "ANA")
    ]  # and the endpoint got no more tries in that run
    deliver(now + timedelta(seconds=5))  # Ana's retry is not due: Ben goes, Ana waits
    assert [m["data"]["employee_id"] for m in receiver.bodies()] == ["ANA", "BEN"]
    deliver(now + timedelta(minutes=1))
    sent = [(m["type"], m["data"]["employee_id"]) for m in receiver.bodies()]
    assert sent[2:] == [("certification.issued", "ANA"), ("person.deactivated", "ANA")]
    assert {d.status for d in deliveries()} == {"delivered"}


def test_a_delivery_is_given_up_after_the_retry_period_and_the_next_one_goes(
    app, as_admin, receiver, make_user
):
    app.config["WEBHOOKS_DISABLE_AFTER_HOURS"] = 1000  # the endpoint stays on meanwhile
    register(as_admin, receiver.url, events=["certification.issued", "person.deactivated"])
    person = make_user(employee_id="GIVE")
    events.record("certification.issued", user_id=person.id, payload={})
    db.session.commit()
    now = utcnow()
    receiver.answers = [500] * 100
    deliver(now)
    events.record("person.deactivated", user_id=person.id, payload={})
    db.session.commit()
    deliver(now + timedelta(hours=71))
    assert [d.status for d in deliveries()] == ["pending", "pending"]
    receiver.answers = [500]
    deliver(now + timedelta(hours=72, minutes=1))  # the last try fails: given up
    first, second = deliveries()
    assert first.status == "failed" and first.finished_at is not None
    deliver(now + timedelta(hours=72, minutes=2))
    assert [d.status for d in deliveries()] == ["failed", "delivered"]


# -- Where requests may not go -----------------------------------------------------------


@pytest.mark.parametrize("address", ["127.0.0.1", "169.254.169.254", "10.1.2.3", "::1"])
def test_a_name_resolving_to_a_private_address_gets_nothing(
    as_admin, receiver, cleared, monkeypatch, address
):
    url = f"https://hooks.example.test:{receiver.port}/hooks/lms"
    register(as_admin, url, allow_private=False)
    real = socket.getaddrinfo

    def resolve(host, port, *args, **kwargs):
        if host == "hooks.example.test":
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (address, port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    deliver(lapse(cleared))
    assert receiver.requests == []
    [attempt] = attempts()
    assert attempt.outcome == "refused" and address in attempt.detail


def test_localhost_refused_when_sending_too(app, receiver, cleared):
    # Registered before the rule existed, say: the check when sending is what counts.
    endpoint, _ = webhooks.create(
        receiver.url, ["clearance.changed"], actor=None, allow_private=True
    )
    endpoint.allow_private = False
    endpoint.url = f"https://localhost:{receiver.port}/hooks/lms"
    db.session.commit()
    deliver(lapse(cleared))
    assert receiver.requests == [] and attempts()[0].outcome == "refused"


def test_a_redirect_is_not_followed(as_admin, receiver, cleared):
    register(as_admin, receiver.url)
    receiver.answers = [(302, f"http://127.0.0.1:{receiver.port}/elsewhere")]
    deliver(lapse(cleared))
    assert [r["path"] for r in receiver.requests] == ["/hooks/lms"]
    [attempt] = attempts()
    assert attempt.outcome == "redirect" and attempt.status_code == 302
    assert deliveries()[0].status == "pending"  # tried again later, at the same URL


def test_a_receiver_that_is_not_there_is_tried_again(as_admin, receiver, cleared):
    register(as_admin, receiver.url.replace(str(receiver.port), "9"))  # nobody listens
    deliver(lapse(cleared))
    assert attempts()[0].outcome == "connect" and deliveries()[0].status == "pending"


# -- Disabled endpoints ------------------------------------------------------------------


def test_a_disabled_endpoint_gets_nothing_and_hears_new_events_when_enabled(
    as_admin, receiver, cleared, make_user
):
    endpoint_id, _ = register(as_admin, receiver.url)
    as_admin.post(f"/admin/webhooks/{endpoint_id}/disable")
    at = lapse(cleared)
    deliver(at)
    assert receiver.requests == []
    as_admin.post(f"/admin/webhooks/{endpoint_id}/enable")
    deliver(at)
    assert receiver.requests == []  # what happened while it was off is not sent
    later = make_user(employee_id="NEW")
    certify(later)
    deliver()
    assert [m["data"]["employee_id"] for m in receiver.bodies()] == ["NEW"]


class TestFailingForDays:
    @pytest.fixture
    def app_config(self, smtp):
        return mail_settings(smtp)

    def test_an_endpoint_failing_for_three_days_is_disabled_and_the_admins_told(
        self, as_admin, receiver, make_user, smtp, admin
    ):
        endpoint_id, _ = register(as_admin, receiver.url, events=["certification.issued"])
        receiver.answers = [500] * 100
        start = utcnow()
        for later in (timedelta(0), timedelta(days=1), timedelta(days=2), timedelta(hours=71)):
            person = make_user()
            events.record("certification.issued", user_id=person.id, payload={})
            db.session.commit()
            deliver(start + later)
        assert endpoint(endpoint_id).enabled  # failing for 71 hours: not yet 72
        deliver(start + timedelta(days=3, hours=1))
        row = endpoint(endpoint_id)
        assert not row.enabled and row.disabled_reason == "failing"
        [audited] = audit_events("webhook.disabled")
        assert audited.actor_id is None and audited.after["reason"] == "failing"
        [message] = smtp.to("ada@example.com")
        assert message["Subject"] == "A webhook endpoint was disabled"
        assert f"https://lms.example.com/admin/webhooks/{endpoint_id}" in message.get_content()
        sent = len(receiver.requests)
        deliver(start + timedelta(days=5))
        assert len(receiver.requests) == sent  # nothing more for a disabled endpoint
        page = text_of(as_admin.get("/admin/webhooks"))
        assert "Disabled: kept failing" in page


# -- The queue and the workers ----------------------------------------------------------


def test_the_schedule_starts_a_run_only_when_there_is_work(as_admin, receiver, cleared):
    assert jobs.start_scheduled("webhooks") is None  # no endpoint
    register(as_admin, receiver.url)
    assert jobs.start_scheduled("webhooks") is None  # nothing happened since
    lapse(cleared, after=timedelta(0))  # nothing lapsed yet
    events.record("clearance.changed", user_id=cleared.id, payload={})
    db.session.commit()
    job = jobs.start_scheduled("webhooks")
    assert job is not None and job.status == "succeeded"
    assert job.result["delivered"] == 1 and len(receiver.requests) == 1


def test_a_delivery_left_sending_by_a_dead_worker_is_sent_again(as_admin, receiver, cleared):
    register(as_admin, receiver.url)
    at = lapse(cleared)
    webhook_delivery.fan_out(at)
    [delivery] = deliveries()
    delivery.status, delivery.claimed_by, delivery.attempts = "sending", "dead", 1
    delivery.claimed_at = utcnow() - timedelta(minutes=6)
    db.session.commit()
    deliver(at)
    assert len(receiver.requests) == 1 and deliveries()[0].status == "delivered"


def test_the_fan_out_is_one_statement_whatever_the_number_of_events(
    app, as_admin, receiver, make_user
):
    register(as_admin, receiver.url, events=["clearance.changed"])
    register(as_admin, receiver.url, events=["clearance.changed"])
    person = make_user()
    events.record_many("clearance.changed", [(person.id, {"n": n}) for n in range(300)])
    db.session.commit()
    inserts = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("INSERT INTO WEBHOOK_DELIVERIES"):
            inserts.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert webhook_delivery.fan_out() == 600
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert len(inserts) == 2  # one per endpoint
    assert webhook_delivery.fan_out() == 0  # each once


def test_an_event_that_commits_after_a_later_one_is_still_sent(as_admin, receiver, make_user):
    register(as_admin, receiver.url)
    person = make_user()
    newest = db.session.scalar(sa.select(sa.func.max(OutboxEvent.id)))
    late, early = newest + 5, newest + 10  # id 5 was taken first, committed last
    db.session.add(OutboxEvent(id=early, kind="clearance.changed", user_id=person.id, payload={}))
    db.session.commit()
    webhook_delivery.fan_out()
    db.session.add(OutboxEvent(id=late, kind="clearance.changed", user_id=person.id, payload={}))
    db.session.commit()
    assert webhook_delivery.fan_out() == 1
    assert sorted(d.event_id for d in deliveries()) == [late, early]


class TestTwoWorkersAtOnce:
    @pytest.fixture
    def app_config(self):
        return {"WEBHOOKS_BATCH": 3}

    @pytest.mark.fresh_database
    def test_each_delivery_is_sent_once_and_each_persons_in_order(self, app, receiver, make_user):
        webhooks.create(receiver.url, ["certification.issued"], actor=None, allow_private=True)
        people = [make_user(employee_id=f"W{n}") for n in range(5)]
        for round_ in range(4):
            for person in people:
                events.record("certification.issued", user_id=person.id, payload={"n": round_})
        db.session.commit()
        webhook_delivery.fan_out()
        now = utcnow()

        def worker():
            report = webhook_delivery.RunReport()
            while webhook_delivery.due(now, 10):
                webhook_delivery.deliver_due(now, report)
            return report.delivered

        counts = at_once(app, worker)
        assert sum(counts) == 20
        assert len(receiver.requests) == 20 and len(set(receiver.ids())) == 20
        for person in people:
            rounds = [
                m["data"]["n"]
                for m in receiver.bodies()
                if m["data"]["employee_id"] == person.employee_id
            ]
            assert rounds == [0, 1, 2, 3]
