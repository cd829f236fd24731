"""The people search (``/admin/``) and a person's roles (``/admin/people/<employee id>``)."""

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import _
from flask_login import current_user

from lms.admin import bp
from lms.admin.forms import ROLE_NAMES
from lms.admin.forms import GrantForm
from lms.admin.forms import RevokeForm
from lms.models import Role
from lms.models import User
from lms.permissions import role_required
from lms.queries import people
from lms.services import Refused
from lms.services import roles

PER_PAGE = 25


@bp.route("/")
@role_required(Role.ADMIN)
def index():
    """Search people by the start of a name, email or employee id; without a search, the
    people who hold a role."""
    query = request.args.get("q", "").strip()[: people.MAX_QUERY]
    page = max(1, request.args.get("page", 1, type=int) or 1)
    listing = people.search(query, page, PER_PAGE) if query else people.role_holders(page, PER_PAGE)
    return render_template("admin/index.html", query=query, listing=listing, role_names=ROLE_NAMES)


@bp.route("/people/<employee_id>")
@role_required(Role.ADMIN)
def person(employee_id: str):
    user = _person_or_404(employee_id)
    # Ticked: the departments a lead leads, or for someone else their own (the usual choice).
    ticked = user.lead_departments or [d for d in [user.department] if d]
    form = GrantForm(people.departments(), data={"departments": ticked})
    return _person_page(user, form)


@bp.route("/people/<employee_id>/grant", methods=["POST"])
@role_required(Role.ADMIN)
def grant(employee_id: str):
    user = _person_or_404(employee_id)
    form = GrantForm(people.departments())
    if not form.validate_on_submit():
        return _person_page(user, form), 400
    role = form.role.data
    departments = form.departments.data if role == Role.LEAD.value else None
    try:
        changed = roles.grant_role(user, role, by=current_user, departments=departments)
    except Refused as refused:
        flash(str(refused.message), "danger")
        return _person_page(user, form), 400
    flash(_changed_message(user, role, changed), "success" if changed else "info")
    return redirect(url_for("admin.person", employee_id=user.employee_id))


@bp.route("/people/<employee_id>/revoke", methods=["POST"])
@role_required(Role.ADMIN)
def revoke(employee_id: str):
    user = _person_or_404(employee_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        flash(_("The form expired or was incomplete; nothing changed. Try again."), "danger")
        return redirect(url_for("admin.person", employee_id=user.employee_id))
    try:
        changed = roles.revoke_role(user, form.role.data, by=current_user)
    except Refused as refused:
        flash(str(refused.message), "danger")
    else:
        name = ROLE_NAMES.get(form.role.data, form.role.data)
        if changed:
            flash(
                _("%(person)s no longer holds the role %(role)s.", person=user.name, role=name),
                "success",
            )
        else:
            flash(
                _("%(person)s did not hold that role; nothing changed.", person=user.name), "info"
            )
    return redirect(url_for("admin.person", employee_id=user.employee_id))


def _person_or_404(employee_id: str) -> User:
    user = people.person(employee_id)
    if user is None:
        abort(404)
    return user


def _person_page(user: User, grant_form: GrantForm) -> str:
    return render_template(
        "admin/person.html",
        person=user,
        grant_form=grant_form,
        revoke_form=RevokeForm(),
        role_names=ROLE_NAMES,
        held=[r.value for r in roles.GRANTABLE if r in user.roles],
    )


def _changed_message(user: User, role: str, changed: bool) -> str:
    name = ROLE_NAMES.get(role, role)
    if not changed:
        return _(
            "%(person)s already holds the role %(role)s; nothing changed.",
            person=user.name,
            role=name,
        )
    if role == Role.LEAD.value:
        return _(
            "%(person)s now leads: %(departments)s.",
            person=user.name,
            departments=", ".join(user.lead_departments),
        )
    return _("%(person)s now holds the role %(role)s.", person=user.name, role=name)
