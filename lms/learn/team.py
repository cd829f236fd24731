"""A manager's page (``/team``): the training status of everyone who reports to them,
directly or through their own managers, and reminders sent now.

Not a role: anyone the roster names as someone's manager (``users.manager_id``) has a
team; everyone else gets 403. Its own blueprint, so the page lives at ``/team``, where
the weekly digest's links point (signed out: through sign-in, and back).
"""

from functools import wraps

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import _
from flask_login import current_user
from flask_login import login_required
from flask_wtf import FlaskForm

from lms import jobs
from lms.models import User
from lms.models import utcnow
from lms.queries import people
from lms.queries import team
from lms.security import local_path_or
from lms.services import Refused
from lms.services import reminders

team_bp = Blueprint("team", __name__)

PER_PAGE = 50


def manager_required(view):
    """Signed in, with at least one active direct report; else 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not team.has_reports(current_user.id):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


@team_bp.app_context_processor
def _team_link():
    # A function: the navigation asks only when it is drawn, once per page.
    def has_team() -> bool:
        return current_user.is_authenticated and team.has_reports(current_user.id)

    return {"has_team": has_team}


@team_bp.route("/team")
@manager_required
def index():
    status = request.args.get("status") or None
    if status not in (None, *team.TEAM_FILTERS):
        status = None
    page = max(1, request.args.get("page", 1, type=int) or 1)
    result = team.team_page(current_user.id, utcnow(), status, page, PER_PAGE)
    return render_template(
        "learn/team.html", result=result, status=status, form=FlaskForm(), filters=team.TEAM_FILTERS
    )


@team_bp.route("/team/remind/<employee_id>", methods=["POST"])
@manager_required
def remind(employee_id: str):
    person = people.person(employee_id)
    if person is None or not team.is_report_of(current_user.id, person.id):
        abort(404)
    if not FlaskForm().validate_on_submit():
        flash(_("The form expired; nothing was sent. Try again."), "danger")
        return redirect(url_for("team.index"))
    _remind(person)
    return redirect(local_path_or(request.form.get("back"), url_for("team.index")))


def _remind(person: User) -> None:
    try:
        by = current_user._get_current_object()  # type: ignore[attr-defined]
        row = reminders.remind_now(person, by=by)
    except Refused as refused:
        flash(str(refused.message), "warning")
        return
    if row.status == "sent":
        flash(_("A reminder was sent to %(name)s.", name=person.name), "success")
    else:
        flash(
            _(
                "The reminder to %(name)s could not be sent yet; it will be retried.",
                name=person.name,
            ),
            "warning",
        )


@team_bp.route("/team/remind-overdue", methods=["POST"])
@manager_required
def remind_overdue():
    if not FlaskForm().validate_on_submit():
        flash(_("The form expired; nothing was sent. Try again."), "danger")
        return redirect(url_for("team.index"))
    # A job (a CEO may have thousands overdue); its page is HR's, so the manager is told here.
    jobs.start("team_reminders", {"manager_id": current_user.id}, current_user.id)
    flash(
        _(
            "Reminders to everyone overdue are on their way (anyone reminded by hand today "
            "is left out)."
        ),
        "success",
    )
    return redirect(url_for("team.index"))
