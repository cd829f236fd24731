"""Find anyone (``/hr/directory``), act on one person from their page, and act on everyone
a search finds (``/hr/directory/bulk``: a confirmation with the count, then a job)."""

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import _
from flask_babel import format_decimal
from flask_login import current_user
from wtforms import SelectChoice

from lms import jobs
from lms.hr import bp
from lms.hr.people_forms import AssignCourseForm
from lms.hr.people_forms import BulkActionForm
from lms.hr.people_forms import ExtendDueForm
from lms.hr.responses import page_number
from lms.i18n import current_language
from lms.models import Role
from lms.models import User
from lms.models import utcnow
from lms.permissions import role_required
from lms.queries import catalog
from lms.queries import directory
from lms.queries import reporting
from lms.queries import transcript
from lms.services import Refused
from lms.services import person_actions


def _search():
    scope = reporting.scope_for(current_user)
    filters, errors = directory.parse(request.args, scope)
    return scope, filters, errors


@bp.route("/directory")
@role_required(Role.HR, Role.LEAD)
def directory_page():
    scope, filters, errors = _search()
    listing = directory.listing(scope, filters, utcnow(), page_number())
    return render_template(
        "hr/directory.html",
        filters=filters,
        errors=errors,
        listing=listing,
        numbers=directory.page_numbers(listing.page, listing.pages),
        choices=directory.choices(scope),
        statuses=directory.STATUSES,
        sorts=directory.SORTS,
        page_sizes=directory.PER_PAGE,
        no_value=reporting.NONE,
        format_number=format_decimal,
    )


@bp.route("/directory/bulk", methods=["GET", "POST"])
@role_required(Role.HR)
def directory_bulk():
    scope, filters, errors = _search()
    form = BulkActionForm()
    form.course_id.choices = _course_choices()
    if not errors and form.validate_on_submit():
        try:
            person_actions.check(
                form.action.data, form.course_id.data, form.due_date.data, utcnow()
            )
        except Refused as refused:
            flash(str(refused.message), "danger")
        else:
            params = {
                "filters": filters.params(),
                "action": form.action.data,
                "course_id": form.course_id.data if form.action.data != "resend" else None,
                "due": form.due_date.data.isoformat() if form.due_date.data else None,
            }
            job = jobs.start("people_bulk", params, current_user.id)
            return redirect(url_for("jobpages.show", job_id=job.id))
    return render_template(
        "hr/directory_bulk.html",
        filters=filters,
        errors=errors,
        form=form,
        count=directory.count(scope, filters, utcnow()),
        format_number=format_decimal,
    ), (400 if form.is_submitted() else 200)


@bp.route("/people/<employee_id>/assign", methods=["POST"])
@role_required(Role.HR)
def person_assign(employee_id: str):
    person = _person(employee_id)
    form = AssignCourseForm()
    form.course_id.choices = _course_choices()
    if _valid(form):
        try:
            person_actions.assign_one(person, form.course_id.data, form.due_date.data, current_user)
        except Refused as refused:
            flash(str(refused.message), "danger")
        else:
            flash(_("Course assigned."), "success")
    return redirect(url_for("hr.person", employee_id=employee_id))


@bp.route("/people/<employee_id>/extend", methods=["POST"])
@role_required(Role.HR)
def person_extend(employee_id: str):
    person = _person(employee_id)
    form = ExtendDueForm()
    form.course_id.choices = _open_choices(person)
    if _valid(form):
        try:
            person_actions.extend_one(person, form.course_id.data, form.due_date.data, current_user)
        except Refused as refused:
            flash(str(refused.message), "danger")
        else:
            flash(_("Due date changed."), "success")
    return redirect(url_for("hr.person", employee_id=employee_id))


@bp.context_processor
def _person_action_forms():
    """``person_actions(person)``: the forms of ``hr/_person_actions.html``."""

    def person_actions_for(person: User) -> dict:
        assign = AssignCourseForm(formdata=None)
        assign.course_id.choices = _course_choices()
        extend = ExtendDueForm(formdata=None)
        extend.course_id.choices = _open_choices(person)
        return {"assign": assign, "extend": extend}

    return {"person_actions": person_actions_for}


def _person(employee_id: str) -> User:
    person = transcript.find_person(reporting.scope_for(current_user), employee_id)
    if person is None:
        abort(404)
    return person


def _valid(form) -> bool:
    """Valid, or each problem flashed (a missing CSRF token is refused before: 400)."""
    if form.validate_on_submit():
        return True
    if "csrf_token" in form.errors:
        abort(400)
    for errors in form.errors.values():
        for error in errors if isinstance(errors, list) else [errors]:
            flash(str(error), "danger")
    return False


def _course_choices() -> list[SelectChoice]:
    lang = current_language()
    return [
        SelectChoice(v.course_id, catalog.course_of(v).meta.title(lang))
        for v in catalog.current_versions()
    ]


def _open_choices(person: User) -> list[SelectChoice]:
    titles = {c.value: c.label for c in _course_choices()}
    return [
        SelectChoice(course_id, titles.get(course_id, course_id))
        for course_id in directory.open_courses(person.id)
    ]
