"""``flask lms webhooks add|list|disable|enable|rotate-secret|remove|deliveries|send-again|
deliver``: the same endpoints and deliveries as the admin pages, audited as from the CLI."""

import re

import sqlalchemy as sa
from standardwebhooks import Webhook

from lms.extensions import db
from lms.models import WebhookDelivery
from lms.models import WebhookEndpoint
from lms.services import events
from tests.helpers import events as audit_events


def run(runner, *args, input=None):
    return runner.invoke(args=["lms", "webhooks", *args], input=input)


def endpoints() -> list[WebhookEndpoint]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def test_add_prints_the_secret_once_and_list_shows_the_endpoint(runner):
    result = run(
        runner,
        "add",
        "https://hooks.example.com/lms",
        "--events",
        "clearance.changed, certification.issued",
        "--description",
        "Social tool",
    )
    assert result.exit_code == 0, result.output
    secret = re.search(r"whsec_\S+", result.output).group(0)
    [endpoint] = endpoints()
    assert endpoint.events == ["certification.issued", "clearance.changed"]
    [created] = audit_events("webhook.created")
    assert created.actor_id is None and created.after["via"] == "cli"
    listing = run(runner, "list")
    assert f"{endpoint.id}  enabled" in listing.output
    assert "https://hooks.example.com/lms" in listing.output and secret not in listing.output


def test_add_refuses_what_the_page_refuses(runner):
    for url, message in [
        ("https://169.254.169.254/", "private, loopback or reserved"),
        ("http://hooks.example.com/", "must start with https://"),
    ]:
        result = run(runner, "add", url)
        assert result.exit_code == 1 and message in result.output
    result = run(runner, "add", "https://hooks.example.com/", "--events", "person.created")
    assert result.exit_code == 1 and "There is no event “person.created”" in result.output
    assert endpoints() == []


def test_disable_enable_rotate_and_remove(runner):
    run(runner, "add", "https://hooks.example.com/lms")
    endpoint_id = str(endpoints()[0].id)
    assert "disabled." in run(runner, "disable", endpoint_id).output
    assert "disabled already" in run(runner, "disable", endpoint_id).output
    assert not endpoints()[0].enabled
    assert "enabled." in run(runner, "enable", endpoint_id).output and endpoints()[0].enabled
    rotated = run(runner, "rotate-secret", endpoint_id)
    assert rotated.exit_code == 0 and "whsec_" in rotated.output
    assert audit_events("webhook.secret_rotated")[0].after["via"] == "cli"
    assert run(runner, "remove", endpoint_id).exit_code == 1  # asks first; no answer: no
    assert len(endpoints()) == 1
    assert run(runner, "remove", endpoint_id, "--yes").exit_code == 0 and endpoints() == []
    missing = run(runner, "disable", endpoint_id)
    assert missing.exit_code == 1 and f"No webhook endpoint with id {endpoint_id}" in missing.output


def test_deliver_now_the_log_and_send_again(runner, receiver, make_user):
    added = run(runner, "add", receiver.url, "--allow-private", "--events", "person.deactivated")
    secret = re.search(r"whsec_\S+", added.output).group(0)
    endpoint_id = str(endpoints()[0].id)
    person = make_user(employee_id="CLI1")
    events.record("person.deactivated", user_id=person.id, payload={"reason": "left"})
    db.session.commit()
    result = run(runner, "deliver")
    assert result.exit_code == 0 and "1 written, 1 delivered" in result.output
    Webhook(secret).verify(receiver.requests[0]["body"], receiver.requests[0]["headers"])
    log = run(runner, "deliveries", endpoint_id)
    assert "person.deactivated" in log.output and "CLI1" in log.output
    assert "delivered" in log.output and "1 deliveries in all." in log.output
    delivery_id = str(db.session.scalar(sa.select(WebhookDelivery.id)))
    assert run(runner, "send-again", delivery_id).exit_code == 0
    again = run(runner, "send-again", delivery_id)
    assert again.exit_code == 1 and "waiting to be sent already" in again.output
    assert "1 delivered" in run(runner, "deliver").output
    assert len(receiver.requests) == 2
    assert run(runner, "deliveries", endpoint_id, "--status", "failed").output.startswith("0 ")
    assert run(runner, "deliveries", "999").exit_code == 1
