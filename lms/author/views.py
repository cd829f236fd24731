"""Authoring pages: courses, the editor, previews, publishing, versions, translations."""

from dataclasses import dataclass

from flask import Response
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import _
from flask_login import current_user
from wtforms import SelectChoice

from lms import content
from lms import jobs
from lms.author import bp
from lms.author.forms import ActionForm
from lms.author.forms import AddLanguageForm
from lms.author.forms import AikenUploadForm
from lms.author.forms import EditFileForm
from lms.author.forms import GiftSaveForm
from lms.author.forms import GiftUploadForm
from lms.author.forms import PublishForm
from lms.author.forms import RollbackForm
from lms.content import company
from lms.content import diff as content_diff
from lms.content import pages
from lms.content import translation_status
from lms.content.company import Setting
from lms.content.course_files import languages_of
from lms.content.course_files import text_for_editing
from lms.content.files import LOCALE
from lms.i18n import current_language
from lms.i18n import language_name
from lms.models import Role
from lms.permissions import role_required
from lms.queries import catalog
from lms.queries import company as company_settings
from lms.queries import workspaces
from lms.services import authoring

author_required = role_required(Role.MARKETING)


@bp.route("")
@author_required
def index():
    return render_template("author/index.html", workspaces=workspaces.overview())


@bp.route("/<course_id>")
@author_required
def course(course_id: str):
    ws = _workspace(course_id)
    return _course_page(ws, AddLanguageForm())


def _course_page(ws: workspaces.Workspace, language_form: AddLanguageForm, status: int = 200):
    return render_template(
        "author/course.html",
        ws=ws,
        problems=authoring.check(ws.course_id, ws.files)[1],
        matrix=translation_status.matrix(ws.course_id, ws.files),
        language_form=language_form,
        action_form=ActionForm(),
        languages=current_app.config["LANGUAGES"],
    ), status


@bp.route("/<course_id>/files/<path:path>", methods=["GET", "POST"])
@author_required
def edit_file(course_id: str, path: str):
    ws = _workspace(course_id)
    authoring.file_ref(ws, path) or abort(404)
    form = EditFileForm()
    status = 200
    if request.method == "GET":
        form.text.data = text_for_editing(ws.files[path]) or ""
        form.base.data = authoring.fingerprint(ws.files[path])
    elif not form.validate_on_submit():
        status = 400
    elif form.save.data or form.save_current.data:
        try:
            authoring.save_file(
                ws,
                path,
                form.text.data or "",
                current_user,
                expected=form.base.data,
                mark_current=form.save_current.data,
            )
        except authoring.Refused as refused:
            flash(str(refused.message), "danger")
            form.base.data = authoring.fingerprint(ws.files[path])
            status = 409 if isinstance(refused, authoring.Conflict) else 400
        else:
            flash(_("Saved in the draft. Learners see it once the draft is published."), "success")
            return redirect(url_for("author.edit_file", course_id=course_id, path=path))
    text = form.text.data or ""
    checked = authoring.check_file(ws, path, text)
    return render_template(
        "author/edit.html",
        ws=ws,
        path=path,
        form=form,
        checked=checked,
        preview=_filled(checked.preview),
        unset_settings=_unset_in({path: text}),
    ), status


def _filled(preview):
    """The editor's preview with the company settings filled in, as learners see it."""
    if isinstance(preview, content.Module):
        return company_settings.filling().module(preview)
    if isinstance(preview, content.Quiz):
        return company_settings.filling().quiz(preview)
    return preview


@bp.route("/<course_id>/draft/discard", methods=["POST"])
@author_required
def discard(course_id: str):
    _workspace(course_id)
    if ActionForm().validate_on_submit() and authoring.discard_draft(course_id):
        flash(_("The draft was discarded. The published version is unchanged."), "success")
    return redirect(url_for("author.course", course_id=course_id))


@bp.route("/<course_id>/languages", methods=["POST"])
@author_required
def add_language(course_id: str):
    ws = _workspace(course_id)
    form = AddLanguageForm()
    if not form.validate_on_submit():
        return _course_page(ws, form, 400)
    try:
        created = authoring.add_language(ws, form.lang.data.strip(), current_user)
    except authoring.Refused as refused:
        form.lang.errors.append(str(refused.message))
        return _course_page(ws, form, 400)
    flash(
        _(
            "%(count)d file(s) copied from the source language into the draft, marked as "
            "untranslated. Translate them, then mark each one as current.",
            count=len(created),
        ),
        "success",
    )
    return redirect(url_for("author.status", course_id=course_id, lang=form.lang.data.strip()))


@bp.route("/<course_id>/status")
@author_required
def status(course_id: str):
    ws = _workspace(course_id)
    full = translation_status.matrix(ws.course_id, ws.files, current_app.config["LANGUAGES"])
    lang = request.args.get("lang") if request.args.get("lang") in full.languages else None
    wanted = request.args.get("status")
    wanted = wanted if wanted in translation_status.STATUSES else None
    return render_template(
        "author/status.html",
        ws=ws,
        full=full,
        matrix=full.filtered(lang, wanted),
        lang=lang,
        wanted=wanted,
        statuses=translation_status.STATUSES,
    )


# --- Preview as a learner: the learner's pages, built from the draft, with the preview's links


@dataclass(frozen=True)
class PreviewLinks:
    """Where the shared course, module and quiz pages link to in a preview: the preview's
    own pages, in the previewed language. The learner's "My training" has no counterpart."""

    course_id: str
    lang: str
    home = None

    def course(self) -> str:
        return url_for("author.preview_course", course_id=self.course_id, lang=self.lang)

    def module(self, module_id: str) -> str:
        return url_for(
            "author.preview_module", course_id=self.course_id, module_id=module_id, lang=self.lang
        )

    def quiz(self) -> str:
        return url_for("author.preview_quiz", course_id=self.course_id, lang=self.lang)


def _preview(course_id: str):
    """(workspace, course built from it, preview language); an explanation page instead
    when the draft has errors."""
    ws = _workspace(course_id)
    course, problems = authoring.check(course_id, ws.files)
    lang = request.args.get("lang", "")
    lang = lang if LOCALE.match(lang) else current_language()
    if course is None:
        page = render_template("author/preview_unavailable.html", ws=ws, problems=problems)
        abort(Response(page, 409))
    # As learners would read it after publishing the draft as a minor version: the same
    # translations served, the company settings filled in.
    return ws, company_settings.filled(catalog.as_next_version(course, "minor")), lang


def _render_preview(
    template: str,
    ws: authoring.Workspace,
    lang: str,
    page: pages.CoursePage | pages.ModulePage | pages.QuizPage,
) -> str:
    """A learner's page for the previewed version, without any learner: the templates
    leave out progress, the "Done" button and attempts, and nothing is recorded."""
    return render_template(
        template,
        page=page,
        links=PreviewLinks(ws.course_id, lang),
        ws=ws,
        lang=lang,
        preview_languages=languages_of(ws.course_id, ws.files),
    )


def _version_label(ws: authoring.Workspace) -> str:
    return (
        _("draft after %(version)s", version=ws.version.version) if ws.draft else ws.version.version
    )


@bp.route("/<course_id>/preview")
@author_required
def preview_course(course_id: str):
    ws, course, lang = _preview(course_id)
    page = pages.course_page(course, lang, _version_label(ws))
    return _render_preview("author/preview_course.html", ws, lang, page)


@bp.route("/<course_id>/preview/modules/<module_id>")
@author_required
def preview_module(course_id: str, module_id: str):
    ws, course, lang = _preview(course_id)
    page = pages.module_page(course, lang, module_id) or abort(404)
    return _render_preview("author/preview_module.html", ws, lang, page)


@bp.route("/<course_id>/preview/quiz")
@author_required
def preview_quiz(course_id: str):
    ws, course, lang = _preview(course_id)
    return _render_preview("author/preview_quiz.html", ws, lang, pages.quiz_page(course, lang))


# --- Versions ------------------------------------------------------------------------------


@bp.route("/<course_id>/publish", methods=["GET", "POST"])
@author_required
def publish(course_id: str):
    ws = _workspace(course_id)
    form = PublishForm()
    problems, status = [], 200
    if request.method == "GET":
        form.grace_days.data = _grace_days(ws)
    elif not form.validate_on_submit():
        status = 400
    else:
        try:
            plan = authoring.plan_publish(
                ws, form.kind.data, form.grace_days.data, accept_behind=form.accept_behind.data
            )
        except authoring.Refused as refused:
            _refusal_shown(form, refused)
            problems, status = refused.problems, 400
        else:
            # Recomputing everyone's clearance takes longer than a request may: a job
            # publishes, and the author follows it on its page.
            job = jobs.start("publish", plan, current_user.id)
            return redirect(url_for("jobpages.show", job_id=job.id))
    return render_template(
        "author/publish.html",
        ws=ws,
        form=form,
        refused=problems,
        problems=authoring.check(course_id, ws.files)[1],
        diffs=content_diff.diff_files(course_id, catalog.version_files(ws.version), ws.files)
        if ws.draft
        else [],
        numbers={k: authoring.next_number(ws.version, k) for k in authoring.KINDS},
        behind=authoring.behind_if_published(course_id, ws.files, "major") if ws.draft else [],
        unset_settings=_unset_settings(ws.files),
    ), status


def _refusal_shown(form: PublishForm, refused: authoring.Refused) -> None:
    """A refusal as a message at the top, and on the confirmation box when it is what
    is missing."""
    flash(str(refused.message), "danger")
    if isinstance(refused, authoring.TranslationsBehind):
        form.accept_behind.errors = [str(refused.message)]


def _unset_settings(files: dict[str, bytes]) -> list[tuple[Setting, str, int]]:
    """Company settings the files use that have no value: (setting, first file, line)."""
    return _unset_in({p: t for p, t in ((p, text_for_editing(d)) for p, d in files.items()) if t})


def _unset_in(texts: dict[str, str]) -> list[tuple[Setting, str, int]]:
    found = company_settings.used_and_unset(texts)
    return [(company.BY_KEY[key], *places[0]) for key, places in found.items()]


def _grace_days(ws: workspaces.Workspace) -> int:
    course = authoring.check(ws.course_id, ws.files)[0]
    return (course or catalog.course_of(ws.version)).meta.recertify_grace_days


@bp.route("/<course_id>/versions")
@author_required
def versions(course_id: str):
    ws = _workspace(course_id)
    return render_template("author/versions.html", ws=ws, history=workspaces.history(course_id))


@bp.route("/<course_id>/versions/<label>")
@author_required
def version(course_id: str, label: str):
    ws = _workspace(course_id)
    target = workspaces.find_version(course_id, label) or abort(404)
    against = request.args.get("against")
    base = (
        workspaces.find_version(course_id, against)
        if against
        else workspaces.previous_version(course_id, target)
    )
    old = catalog.version_files(base) if base else {}
    return render_template(
        "author/version.html",
        ws=ws,
        target=target,
        base=base,
        history=workspaces.history(course_id),
        diffs=content_diff.diff_files(course_id, old, catalog.version_files(target)),
    )


@bp.route("/<course_id>/versions/<label>/rollback", methods=["GET", "POST"])
@author_required
def rollback(course_id: str, label: str):
    ws = _workspace(course_id)
    target = workspaces.find_version(course_id, label) or abort(404)
    form = RollbackForm()
    problems, status = [], 200
    if request.method == "GET":
        form.grace_days.data = _grace_days(ws)
    elif not form.validate_on_submit():
        status = 400
    else:
        try:
            plan = authoring.plan_rollback(
                ws,
                target,
                form.kind.data,
                form.grace_days.data,
                accept_behind=form.accept_behind.data,
            )
        except authoring.Refused as refused:
            _refusal_shown(form, refused)
            problems, status = refused.problems, 400
        else:
            job = jobs.start("publish", plan, current_user.id)
            return redirect(url_for("jobpages.show", job_id=job.id))
    diffs = content_diff.diff_files(
        course_id, catalog.version_files(ws.version), catalog.version_files(target)
    )
    return render_template(
        "author/rollback.html",
        ws=ws,
        target=target,
        form=form,
        refused=problems,
        diffs=diffs,
        behind=authoring.behind_if_published(course_id, catalog.version_files(target), "major"),
        numbers={k: authoring.next_number(ws.version, k) for k in authoring.KINDS},
    ), status


# --- GIFT question banks ------------------------------------------------------------------


@bp.route("/<course_id>/gift", methods=["GET", "POST"])
@author_required
def gift(course_id: str):
    return _import_quiz(course_id, GiftUploadForm(), authoring.convert_gift, "gift")


@bp.route("/<course_id>/aiken", methods=["GET", "POST"])
@author_required
def aiken(course_id: str):
    return _import_quiz(course_id, AikenUploadForm(), authoring.convert_aiken, "aiken")


def _import_quiz(course_id: str, form: GiftUploadForm, convert, source: str):
    """Upload a question bank (GIFT or Aiken), show what converted and what not, and offer
    to save the quiz into the draft."""
    ws = _workspace(course_id)
    form.lang.choices = _language_choices(ws)
    page = f"author/{source}.html"
    if request.method == "GET":
        form.lang.data = ws.source_language
    if not form.validate_on_submit():
        return render_template(page, ws=ws, form=form), (400 if request.method == "POST" else 200)
    try:
        result = convert(form.file.data.read(), form.title.data, form.pool.data)
    except authoring.Refused as refused:
        form.file.errors.append(str(refused.message))
        return render_template(page, ws=ws, form=form), 400
    save_form = GiftSaveForm(formdata=None, lang=form.lang.data, markdown=result.markdown)
    return render_template(
        "author/gift_result.html",
        ws=ws,
        result=result,
        filename=form.file.data.filename,
        save_form=save_form,
        lang=form.lang.data,
        source=source,
    )


@bp.route("/<course_id>/gift/save", methods=["POST"])
@author_required
def gift_save(course_id: str):
    ws = _workspace(course_id)
    form = GiftSaveForm()
    if not form.validate_on_submit() or not LOCALE.match(form.lang.data):
        abort(400)
    markdown = form.markdown.data.replace("\r\n", "\n")
    if form.download.data:
        return Response(
            markdown,
            mimetype="text/markdown; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{form.lang.data}.md"'},
        )
    path = authoring.save_quiz(ws, form.lang.data, markdown, current_user)
    flash(
        _("The converted quiz is saved in the draft. Check it below before publishing."), "success"
    )
    return redirect(url_for("author.edit_file", course_id=course_id, path=path))


def _language_choices(ws: workspaces.Workspace) -> list[SelectChoice]:
    codes = languages_of(ws.course_id, ws.files)
    codes += [c for c in current_app.config["LANGUAGES"] if c not in codes]
    return [SelectChoice(code, f"{language_name(code)} ({code})") for code in codes]


def _workspace(course_id: str) -> workspaces.Workspace:
    return workspaces.workspace(course_id) or abort(404)
