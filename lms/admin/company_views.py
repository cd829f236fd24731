"""The company settings (``/admin/company``): the values filled into course text."""

from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import _
from flask_login import current_user

from lms.admin import bp
from lms.admin.company_forms import CompanyForm
from lms.content import company as content_company
from lms.models import Role
from lms.permissions import role_required
from lms.queries import catalog
from lms.queries import company as company_settings
from lms.services import Refused
from lms.services import company


@bp.route("/company", methods=["GET", "POST"], endpoint="company")
@role_required(Role.ADMIN)
def company_page():
    settings = company_settings.current()
    form = CompanyForm(data=dict(settings.explicit) if request.method == "GET" else None)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                changed = company.set_values(form.values(), current_user)
            except Refused as refused:
                flash(str(refused.message), "danger")
                status = 400
            else:
                if changed:
                    flash(
                        _(
                            "%(count)d company setting(s) saved. Learners see them now.",
                            count=len(changed),
                        ),
                        "success",
                    )
                else:
                    flash(_("Nothing changed."), "info")
                return redirect(url_for("admin.company"))
        else:
            status = 400
    used = catalog.company_keys_used()
    return render_template(
        "admin/company.html",
        form=form,
        settings=settings,
        used=used,
        unset=settings.unset(used),
        rows=company_settings.rows(),
        labels={s.key: s.label for s in content_company.SETTINGS},
    ), status
