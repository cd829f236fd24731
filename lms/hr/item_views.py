"""Item analysis of a course's quiz, for HR and marketing: figures per question and
language, never a person (see :mod:`lms.queries.item_analysis`)."""

from flask import abort
from flask import render_template
from flask import request
from flask_babel import _

from lms.hr import bp
from lms.hr.responses import csv_response
from lms.hr.responses import refusal
from lms.models import CourseVersion
from lms.models import Role
from lms.permissions import role_required
from lms.queries import catalog
from lms.queries import item_analysis
from lms.rules.item_analysis import FLAG_GAP
from lms.rules.item_analysis import MIN_ATTEMPTS

items_required = role_required(Role.HR, Role.MARKETING)


@bp.route("/items")
@items_required
def item_courses():
    courses = [(v, catalog.course_of(v)) for v in catalog.current_versions()]
    return render_template("hr/item_courses.html", courses=courses)


@bp.route("/courses/<course_id>/items")
@items_required
def item_analysis_page(course_id: str):
    versions, version, errors = _version(course_id)
    page = render_template(
        "hr/items.html",
        analysis=item_analysis.analyse(version),
        versions=versions,
        errors=errors,
        min_attempts=MIN_ATTEMPTS,
        flag_gap=round(FLAG_GAP * 100),
    )
    return page, 400 if errors else 200


@bp.route("/courses/<course_id>/items.csv")
@items_required
def item_analysis_csv(course_id: str):
    _versions, version, errors = _version(course_id)
    if errors:
        return refusal(errors)
    rows = item_analysis.csv_rows(item_analysis.analyse(version))
    filename = f"items-{course_id}-{version.version}.csv"
    return csv_response(filename, item_analysis.CSV_COLUMNS, rows)


def _version(course_id: str) -> tuple[list[CourseVersion], CourseVersion, list[str]]:
    """The course's versions, the one asked for (``?version=``, else the newest) and
    what was wrong with the request; 404 for a course never published."""
    versions = item_analysis.versions(course_id) or abort(404)
    wanted = (request.args.get("version") or "").strip()
    if not wanted:
        return versions, versions[0], []
    found = next((v for v in versions if v.version == wanted), None)
    if found is None:
        message = _("This course has no version “%(value)s”.", value=wanted[:40])
        return versions, versions[0], [message]
    return versions, found, []
