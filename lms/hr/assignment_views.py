"""Assignment rules (``/hr/assignments``): assign a course by scope, with a due date."""

from babel.dates import get_month_names
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_babel import _
from flask_babel import get_locale
from flask_login import current_user
from wtforms import SelectChoice

from lms import jobs
from lms.hr import bp
from lms.hr.assignment_forms import AssignmentRuleForm
from lms.hr.assignment_forms import DeactivateForm
from lms.i18n import current_language
from lms.models import Role
from lms.permissions import role_required
from lms.queries import audiences
from lms.queries import catalog
from lms.services import Refused
from lms.services import assignments


@bp.route("/assignments", methods=["GET", "POST"])
@role_required(Role.HR)
def assignments_index():
    form = AssignmentRuleForm()
    titles = _course_titles()
    form.course_id.choices = [SelectChoice(cid, title) for cid, title in titles.items()]
    months = get_month_names("wide", locale=get_locale())
    form.recertify_month.choices = [SelectChoice(m, months[m]) for m in range(1, 13)]
    if form.validate_on_submit():
        anchored = form.recertify.data in ("month", "day")
        try:
            rule, created = assignments.create_rule(
                current_user,
                form.course_id.data,
                form.scope_kind.data,
                form.scope_value.data,
                form.due_kind.data,
                due_date=form.due_date.data,
                due_days=form.due_days.data,
                required=form.required.data,
                recertify_month=form.recertify_month.data if anchored else None,
                recertify_day=_recertify_day(form),
            )
        except Refused as refused:
            flash(str(refused.message), "danger")
        else:
            if created is None:  # too many people for one request
                job = jobs.start("requirement", {"rule_id": rule.id}, current_user.id)
                return redirect(url_for("jobpages.show", job_id=job.id))
            flash(_("Rule saved: %(count)d people enrolled.", count=created), "success")
            if created:  # their invitations and notices go out now
                jobs.start("invitations", {}, current_user.id)
            return redirect(url_for("hr.assignments_index"))
    status = 400 if form.is_submitted() else 200
    rules = assignments.all_rules()
    return render_template(
        "hr/assignments.html",
        form=form,
        rules=rules,
        counts=audiences.rule_counts([r for r in rules if r.active]),
        unassigned=audiences.required_of_everyone_unassigned(),
        months=months,
        titles=titles,
        stop_form=DeactivateForm(),
    ), status


def _recertify_day(form: AssignmentRuleForm) -> int | None:
    """The day of a "fixed day each year" recertification; -1 (refused) when missing."""
    if form.recertify.data != "day":
        return None
    return form.recertify_day.data if form.recertify_day.data is not None else -1


@bp.route("/assignments/<int:rule_id>/deactivate", methods=["POST"])
@role_required(Role.HR)
def assignments_deactivate(rule_id: int):
    if DeactivateForm().validate_on_submit() and assignments.deactivate_rule(rule_id, current_user):
        flash(_("The rule no longer applies to people who join later."), "success")
    return redirect(url_for("hr.assignments_index"))


@bp.route("/assignments/apply", methods=["POST"])
@role_required(Role.HR)
def assignments_apply():
    """Apply every active rule now, as a job (a rule for everyone at 100,000 people)."""
    if not DeactivateForm().validate_on_submit():
        return redirect(url_for("hr.assignments_index"))
    job = jobs.start("assignment_rules", {}, current_user.id)
    return redirect(url_for("jobpages.show", job_id=job.id))


def _course_titles() -> dict[str, str]:
    lang = current_language()
    return {v.course_id: catalog.course_of(v).meta.title(lang) for v in catalog.current_versions()}
