"""Webhook endpoints in the browser (``/admin/webhooks``): register, change, switch on and
off, give a new secret, delete; each endpoint's delivery log, and "send again".

A new secret is shown once, on the page that answers the form that made it (no redirect:
it is never put in the session cookie, and the page is not cached).
"""

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lms.admin import bp
from lms.admin.webhook_forms import EVENT_NAMES
from lms.admin.webhook_forms import ButtonForm
from lms.admin.webhook_forms import EndpointForm
from lms.models import Role
from lms.models import WebhookEndpoint
from lms.models.webhook import DELIVERY_STATUSES
from lms.permissions import role_required
from lms.queries import webhooks as webhook_reads
from lms.services import Refused
from lms.services import webhooks as webhook_service

PER_PAGE = 25

STATUS_NAMES = {
    "pending": _l("Waiting"),
    "sending": _l("Sending"),
    "delivered": _l("Delivered"),
    "failed": _l("Given up"),
}
OUTCOME_NAMES = {
    "delivered": _l("Delivered"),
    "http_status": _l("Error answer"),
    "redirect": _l("Redirect, not followed"),
    "timeout": _l("Timed out"),
    "connect": _l("Could not connect"),
    "refused": _l("Address not allowed"),
    "error": _l("Request failed"),
    "secret": _l("Secret unreadable: give the endpoint a new secret"),
    "missing": _l("Event no longer stored"),
}


@bp.route("/webhooks")
@role_required(Role.ADMIN)
def webhooks():
    return render_template(
        "admin/webhooks.html", lines=webhook_reads.endpoints(), event_names=EVENT_NAMES
    )


@bp.route("/webhooks/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def webhook_new():
    form = EndpointForm()
    if request.method == "GET":
        form.events.data = ["clearance.changed"]
    if not form.validate_on_submit():
        return _form_page(form, None), 400 if request.method == "POST" else 200
    try:
        endpoint, secret = webhook_service.create(
            form.url.data or "",
            form.events.data or [],
            description=form.description.data or "",
            allow_private=form.allow_private.data,
            actor=current_user,
        )
    except Refused as refused:
        form.url.errors = [*form.url.errors, str(refused.message)]
        return _form_page(form, None), 400
    return _secret_page(endpoint, secret, _("The endpoint is registered."))


@bp.route("/webhooks/<int:endpoint_id>")
@role_required(Role.ADMIN)
def webhook(endpoint_id: int):
    endpoint = _endpoint_or_404(endpoint_id)
    status = request.args.get("status", "")
    status = status if status in DELIVERY_STATUSES else ""
    page = max(1, request.args.get("page", 1, type=int) or 1)
    return render_template(
        "admin/webhook.html",
        endpoint=endpoint,
        listing=webhook_reads.deliveries(endpoint.id, status or None, page, PER_PAGE),
        status=status,
        button=ButtonForm(),
        event_names=EVENT_NAMES,
        status_names=STATUS_NAMES,
        outcome_names=OUTCOME_NAMES,
    )


@bp.route("/webhooks/<int:endpoint_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def webhook_edit(endpoint_id: int):
    endpoint = _endpoint_or_404(endpoint_id)
    form = EndpointForm(obj=endpoint)
    if request.method == "GET":
        form.events.data = endpoint.events
    if not form.validate_on_submit():
        return _form_page(form, endpoint), 400 if request.method == "POST" else 200
    try:
        changed = webhook_service.change(
            endpoint.id,
            form.url.data or "",
            form.events.data or [],
            description=form.description.data or "",
            allow_private=form.allow_private.data,
            actor=current_user,
        )
    except Refused as refused:
        form.url.errors = [*form.url.errors, str(refused.message)]
        return _form_page(form, endpoint), 400
    if changed:
        flash(_("The endpoint is saved."), "success")
    else:
        flash(_("Nothing changed."), "info")
    return redirect(url_for("admin.webhook", endpoint_id=endpoint_id))


@bp.route("/webhooks/<int:endpoint_id>/enable", methods=["POST"])
@role_required(Role.ADMIN)
def webhook_enable(endpoint_id: int):
    return _switch(endpoint_id, True)


@bp.route("/webhooks/<int:endpoint_id>/disable", methods=["POST"])
@role_required(Role.ADMIN)
def webhook_disable(endpoint_id: int):
    return _switch(endpoint_id, False)


@bp.route("/webhooks/<int:endpoint_id>/secret", methods=["POST"])
@role_required(Role.ADMIN)
def webhook_secret(endpoint_id: int):
    endpoint = _endpoint_or_404(endpoint_id)
    if not ButtonForm().validate_on_submit():
        return _expired(endpoint_id)
    secret = webhook_service.rotate_secret(endpoint.id, actor=current_user)
    return _secret_page(
        endpoint, secret, _("The endpoint has a new secret: the old one no longer works.")
    )


@bp.route("/webhooks/<int:endpoint_id>/delete", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def webhook_delete(endpoint_id: int):
    endpoint = _endpoint_or_404(endpoint_id)
    form = ButtonForm()
    if not form.validate_on_submit():
        page = render_template("admin/webhook_delete.html", endpoint=endpoint, form=form)
        return page, 400 if request.method == "POST" else 200
    webhook_service.remove(endpoint.id, actor=current_user)
    flash(_("The endpoint and its delivery log are deleted."), "success")
    return redirect(url_for("admin.webhooks"))


@bp.route("/webhooks/deliveries/<int:delivery_id>")
@role_required(Role.ADMIN)
def webhook_delivery(delivery_id: int):
    delivery = webhook_reads.delivery(delivery_id) or abort(404)
    return render_template(
        "admin/webhook_delivery.html",
        delivery=delivery,
        endpoint=_endpoint_or_404(delivery.endpoint_id),
        message=webhook_reads.messages([delivery.event_id]).get(delivery.event_id),
        employee_id=webhook_reads.employee_id(delivery.user_id),
        attempts=webhook_reads.attempts(delivery.id),
        button=ButtonForm(),
        status_names=STATUS_NAMES,
        outcome_names=OUTCOME_NAMES,
    )


@bp.route("/webhooks/deliveries/<int:delivery_id>/send-again", methods=["POST"])
@role_required(Role.ADMIN)
def webhook_send_again(delivery_id: int):
    delivery = webhook_reads.delivery(delivery_id) or abort(404)
    back = url_for("admin.webhook_delivery", delivery_id=delivery.id)
    if not ButtonForm().validate_on_submit():
        flash(_("The form expired or was incomplete; nothing changed. Try again."), "danger")
        return redirect(back)
    try:
        webhook_service.send_again(delivery.id, actor=current_user)
    except Refused as refused:
        flash(str(refused.message), "info")
    else:
        flash(_("It goes out again with the next delivery run, within a minute."), "success")
    return redirect(back)


# --- Helpers ------------------------------------------------------------------------


def _endpoint_or_404(endpoint_id: int) -> WebhookEndpoint:
    endpoint = webhook_reads.endpoint(endpoint_id)
    if endpoint is None:
        abort(404)
    return endpoint


def _switch(endpoint_id: int, enabled: bool):
    endpoint = _endpoint_or_404(endpoint_id)
    if not ButtonForm().validate_on_submit():
        return _expired(endpoint_id)
    changed = webhook_service.set_enabled(endpoint.id, enabled, actor=current_user)
    if not changed:
        flash(_("Nothing changed."), "info")
    elif enabled:
        flash(_("The endpoint is enabled: it hears about events from now on."), "success")
    else:
        flash(_("The endpoint is disabled: it gets nothing until it is enabled again."), "success")
    return redirect(url_for("admin.webhook", endpoint_id=endpoint_id))


def _expired(endpoint_id: int):
    flash(_("The form expired or was incomplete; nothing changed. Try again."), "danger")
    return redirect(url_for("admin.webhook", endpoint_id=endpoint_id))


def _form_page(form: EndpointForm, endpoint: WebhookEndpoint | None) -> str:
    return render_template("admin/webhook_form.html", form=form, endpoint=endpoint)


def _secret_page(endpoint: WebhookEndpoint, secret: str, message: str):
    page = render_template(
        "admin/webhook_secret.html", endpoint=endpoint, secret=secret, message=message
    )
    return page, 200, {"Cache-Control": "no-store"}
