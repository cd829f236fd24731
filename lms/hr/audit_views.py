"""The audit trail viewer: read, filter and export. There is no route that changes it."""

from flask import render_template
from flask import request

from lms.hr import bp
from lms.hr.responses import csv_response
from lms.hr.responses import page_number
from lms.hr.responses import refusal
from lms.models import Role
from lms.permissions import role_required
from lms.queries import audit_trail

PER_PAGE = 50


@bp.route("/audit")
@role_required(Role.HR)
def audit():
    filters, errors = audit_trail.parse_filters(request.args)
    listing = audit_trail.events(filters, page_number(), PER_PAGE)
    page = render_template(
        "hr/audit.html",
        filters=filters,
        errors=errors,
        listing=listing,
        actions=audit_trail.actions(),
        pretty=audit_trail.pretty,
    )
    return page, 400 if errors else 200


@bp.route("/audit.csv")
@role_required(Role.HR)
def audit_export():
    filters, errors = audit_trail.parse_filters(request.args)
    if errors:
        return refusal(errors)
    return csv_response("audit.csv", audit_trail.COLUMNS, audit_trail.export(filters))
