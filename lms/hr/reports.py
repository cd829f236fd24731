"""The HR dashboard, its drill-down lists, transcripts and CSV exports.

HR and admins see everyone; a department lead sees the departments they lead, enforced by the
:class:`~lms.queries.reporting.Scope` every query takes.
"""

from dataclasses import dataclass
from datetime import datetime

from flask import abort
from flask import render_template
from flask import request
from flask_babel import _
from flask_login import current_user

from lms.hr import bp
from lms.hr import charts
from lms.hr.responses import csv_response
from lms.hr.responses import page_number
from lms.hr.responses import refusal
from lms.models import Role
from lms.models import utcnow
from lms.permissions import role_required
from lms.queries import reporting
from lms.queries import transcript as transcripts

PER_PAGE = 50


@dataclass
class Report:
    """What every report page starts from: the viewer's scope and the validated filters."""

    scope: reporting.Scope
    courses: list[reporting.RequiredCourse]
    filters: reporting.Filters
    errors: list
    now: datetime

    def rows(self):
        return reporting.status_rows(self.scope, self.filters, self.courses, self.now)

    def statuses(self):
        return reporting.stored_statuses(self.scope, self.filters, self.courses, self.now)


def _report() -> Report:
    now = utcnow()
    scope = reporting.scope_for(current_user)
    courses = reporting.required_courses(now)
    filters, errors = reporting.parse_filters(request.args, scope, courses)
    return Report(scope, courses, filters, errors, now)


@bp.route("/")
@role_required(Role.HR, Role.LEAD)
def dashboard():
    report = _report()
    period = request.args.get("period") or "month"
    if period not in reporting.PERIODS:
        report.errors.append(_("“%(value)s” is not a period: choose month or week.", value=period))
        period = "month"
    summary = reporting.summary(report.statuses())
    breakdowns = summary.breakdowns
    headline = reporting.headline(report.scope, report.filters, report.now)
    series = reporting.over_time(report.scope, report.filters, report.courses, period)
    page = render_template(
        "hr/dashboard.html",
        report=report,
        filters=report.filters,
        period=period,
        headline=headline,
        totals=summary.totals,
        breakdowns=breakdowns,
        series=series,
        charts=_charts(series, breakdowns["department"][0], summary.totals.total),
        choices=reporting.choices(report.scope),
        statuses=reporting.FILTER_STATUSES,
        no_value=reporting.NONE,
        due_soon_days=reporting.DUE_SOON.days,
    )
    return page, 400 if report.errors else 200


def _charts(series, departments, pairs: int) -> dict:
    labels = [p.start for p in series]
    return {
        "issued": charts.columns(labels, [p.issued for p in series]),
        "share": charts.line(labels, [round(p.share(pairs), 1) for p in series]),
        "departments": charts.rows(
            [g.label or _("No department") for g in departments],
            [round(g.figures.percent, 1) for g in departments],
        ),
    }


@bp.route("/people")
@role_required(Role.HR, Role.LEAD)
def people():
    report = _report()
    listing = reporting.people(report.rows(), page_number(), PER_PAGE)
    page = render_template(
        "hr/people.html",
        report=report,
        filters=report.filters,
        listing=listing,
        no_value=reporting.NONE,
    )
    return page, 400 if report.errors else 200


@bp.route("/people/<employee_id>")
@role_required(Role.HR, Role.LEAD)
def person(employee_id: str):
    record = transcripts.transcript(reporting.scope_for(current_user), employee_id, utcnow())
    if record is None:
        abort(404)
    return render_template("hr/person.html", record=record, now=utcnow())


@bp.route("/export/status.csv")
@role_required(Role.HR, Role.LEAD)
def export_status():
    report = _report()
    if report.errors:
        return refusal(report.errors)
    rows = reporting.status_export(report.rows(), report.now)
    return csv_response("status.csv", reporting.STATUS_COLUMNS, rows)


@bp.route("/export/attempts.csv")
@role_required(Role.HR, Role.LEAD)
def export_attempts():
    report = _report()
    if report.errors:
        return refusal(report.errors)
    rows = reporting.attempts_export(report.scope, report.filters, report.courses, report.now)
    return csv_response("attempts.csv", reporting.ATTEMPT_COLUMNS, rows)
