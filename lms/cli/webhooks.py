"""``flask lms webhooks …``: register, list, switch on and off and remove webhook
endpoints, read their delivery log, send a delivery again, and run the delivery now."""

import click
from flask.cli import AppGroup

from lms.cli import lms_cli
from lms.models.webhook import DELIVERY_STATUSES
from lms.queries import webhooks as webhook_reads
from lms.rules.webhooks import EVENTS
from lms.services import Refused
from lms.services import webhook_delivery
from lms.services import webhooks

webhooks_cli = AppGroup("webhooks", help="Webhook endpoints: other systems hear about events.")
lms_cli.add_command(webhooks_cli)


def _refused(refused: Refused) -> click.ClickException:
    return click.ClickException(str(refused.message))


def _events(value: str) -> list[str]:
    return [kind.strip() for kind in value.split(",") if kind.strip()]


@webhooks_cli.command("add")
@click.argument("url")
@click.option(
    "--events",
    default="clearance.changed",
    show_default=True,
    help=f"Comma-separated, from: {', '.join(EVENTS)}.",
)
@click.option("--description", default="", help="What the endpoint is, for the admins.")
@click.option(
    "--allow-private",
    is_flag=True,
    help="Let requests go to private, loopback and link-local addresses (and plain http).",
)
def add(url: str, events: str, description: str, allow_private: bool):
    """Register URL; prints its secret, once."""
    try:
        endpoint, secret = webhooks.create(
            url,
            _events(events),
            description=description,
            allow_private=allow_private,
            actor=None,
            via="cli",
        )
    except Refused as refused:
        raise _refused(refused) from None
    click.echo(f"Endpoint {endpoint.id} for {endpoint.url} ({', '.join(endpoint.events)}).")
    click.echo(f"Its secret (shown once, store it in the receiver now):\n{secret}")


@webhooks_cli.command("list")
def list_endpoints():
    """Every endpoint: id, state, waiting and given-up deliveries, URL and events."""
    for line in webhook_reads.endpoints():
        endpoint = line.endpoint
        state = "enabled" if endpoint.enabled else f"disabled ({endpoint.disabled_reason})"
        private = "  private allowed" if endpoint.allow_private else ""
        click.echo(
            f"{endpoint.id:>4}  {state:<20} waiting {line.waiting:<6} given up {line.failed:<6} "
            f"{endpoint.url}  [{', '.join(endpoint.events)}]{private}"
        )


@webhooks_cli.command("disable")
@click.argument("endpoint_id", type=int)
def disable(endpoint_id: int):
    """Stop deliveries to an endpoint (they wait until it is enabled)."""
    _switch(endpoint_id, False)


@webhooks_cli.command("enable")
@click.argument("endpoint_id", type=int)
def enable(endpoint_id: int):
    """Deliver to an endpoint again: events from now on, and those waiting."""
    _switch(endpoint_id, True)


def _switch(endpoint_id: int, enabled: bool) -> None:
    try:
        changed = webhooks.set_enabled(endpoint_id, enabled, actor=None, via="cli")
    except Refused as refused:
        raise _refused(refused) from None
    word = "enabled" if enabled else "disabled"
    click.echo(f"Endpoint {endpoint_id} {word}." if changed else f"It was {word} already.")


@webhooks_cli.command("rotate-secret")
@click.argument("endpoint_id", type=int)
def rotate_secret(endpoint_id: int):
    """Give an endpoint a new secret (the old one stops working); prints it, once."""
    try:
        secret = webhooks.rotate_secret(endpoint_id, actor=None, via="cli")
    except Refused as refused:
        raise _refused(refused) from None
    click.echo(f"New secret for endpoint {endpoint_id} (shown once):\n{secret}")


@webhooks_cli.command("remove")
@click.argument("endpoint_id", type=int)
@click.confirmation_option(prompt="Delete the endpoint and its delivery log?")
def remove(endpoint_id: int):
    """Delete an endpoint with its delivery log."""
    try:
        webhooks.remove(endpoint_id, actor=None, via="cli")
    except Refused as refused:
        raise _refused(refused) from None
    click.echo(f"Endpoint {endpoint_id} removed.")


@webhooks_cli.command("deliveries")
@click.argument("endpoint_id", type=int)
@click.option("--status", type=click.Choice(DELIVERY_STATUSES), help="Only deliveries in it.")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
def deliveries(endpoint_id: int, status: str | None, limit: int):
    """An endpoint's latest deliveries: id, event, person, status, attempts, last answer."""
    if webhook_reads.endpoint(endpoint_id) is None:
        raise click.ClickException(f"No webhook endpoint with id {endpoint_id}.")
    listing = webhook_reads.deliveries(endpoint_id, status, 1, limit)
    for delivery, employee_id in listing.items:
        answer = delivery.last_outcome or "-"
        if delivery.last_status_code:
            answer += f" {delivery.last_status_code}"
        click.echo(
            f"{delivery.id:>8}  {delivery.kind:<22} {employee_id or '-':<12} "
            f"{delivery.status:<10} attempts {delivery.attempts:<3} {answer}  "
            f"{delivery.last_detail or ''}".rstrip()
        )
    click.echo(f"{listing.total} deliveries in all.")


@webhooks_cli.command("send-again")
@click.argument("delivery_id", type=int)
def send_again(delivery_id: int):
    """Put a delivered or given-up delivery back in line."""
    try:
        webhooks.send_again(delivery_id, actor=None, via="cli")
    except Refused as refused:
        raise _refused(refused) from None
    click.echo(f"Delivery {delivery_id} goes out with the next run.")


@webhooks_cli.command("deliver")
def deliver():
    """Run the delivery now, here (what the worker does every minute)."""
    report = webhook_delivery.run()
    click.echo(
        f"{report.written} written, {report.delivered} delivered, {report.failed} failed "
        f"(will be retried), {report.given_up} given up, {len(report.disabled)} endpoint(s) "
        "disabled."
    )
