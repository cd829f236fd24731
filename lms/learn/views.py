"""The learner's pages: my training, modules, the quiz and its results."""

from dataclasses import dataclass
from datetime import UTC
from datetime import datetime

from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import _
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadData
from itsdangerous import URLSafeTimedSerializer

from lms.content import pages
from lms.content.model import Course
from lms.extensions import db
from lms.i18n import content_language
from lms.i18n import current_language
from lms.learn import bp
from lms.learn import overview
from lms.learn import skeletons
from lms.learn.forms import AffirmForm
from lms.models import QuizAttempt
from lms.models import utcnow
from lms.permissions import employee_required
from lms.queries import attestations
from lms.services import attestation
from lms.services import clearance
from lms.services import learning
from lms.services import quiz as quiz_service


class ActionForm(FlaskForm):
    """A button that changes state: only its CSRF token is checked."""


@dataclass(frozen=True)
class LearnerLinks:
    """Where the shared course, module and quiz pages link to for a learner."""

    course_id: str

    def home(self) -> str:
        return url_for("learn.index")

    def course(self) -> str:
        return url_for("learn.course", course_id=self.course_id)

    def module(self, module_id: str) -> str:
        return url_for("learn.module", course_id=self.course_id, module_id=module_id)

    def quiz(self) -> str:
        return url_for("learn.quiz", course_id=self.course_id)


@bp.route("")
@employee_required
def index():
    now = utcnow()
    learning.ensure_required_enrollments(current_user, now)
    return render_template(
        "learn/index.html",
        now=now,
        clearance=clearance.current(current_user, now),
        cards=overview.course_cards(current_user, now),
    )


def _reading_language(course: Course) -> str:
    """The language a course is served in to this reader: their own language when the
    course is written in it (whether or not the interface is), else the nearest; else
    the interface's, whose modules then fall back to the source language with a notice."""
    return content_language(course.languages) or current_language()


@bp.route("/<course_id>")
@employee_required
def course(course_id: str):
    now = utcnow()
    learning.ensure_required_enrollments(current_user, now)
    version, course, enrollment = _reading(course_id)
    done = {p.module_id for p in enrollment.progress if p.completed_at}
    return render_template(
        "learn/course.html",
        page=pages.course_page(course, _reading_language(course), version.version),
        links=LearnerLinks(course_id),
        enrollment=enrollment,
        done=done,
        progress=learning.progress_of(enrollment, course, enrollment.completed_at is not None),
        certification=overview.valid_certification(current_user, course_id, now),
        awaiting=attestations.awaiting_in(enrollment, now),
    )


@bp.route("/<course_id>/modules/<module_id>", methods=["GET", "POST"])
@employee_required
def module(course_id: str, module_id: str):
    # Most views only read: one statement, no ORM objects. A view that records something
    # (the button, a module's first view, a first enrolment) takes the ORM path.
    reading = None
    if request.method == "GET":
        reading = overview.module_reading(current_user, course_id, module_id)
    if reading is None or reading.writes:
        return _module_recording(course_id, module_id)
    course = reading.course
    page = pages.module_page(course, _reading_language(course), module_id) or abort(404)
    return _module_view(page, reading)


def _module_recording(course_id: str, module_id: str):
    """The module page when its request records something: the "Done" button pressed, a
    module's first view (its progress row), the first visit to an optional course."""
    version, course, enrollment = _reading(course_id)
    page = pages.module_page(course, _reading_language(course), module_id) or abort(404)
    # The page is read far more often than its button is pressed: a form object (and
    # its CSRF check) only for the press; the page renders the session's token itself.
    if request.method == "POST" and ActionForm().validate_on_submit():
        if enrollment.completed_at is None:
            learning.finish_reading(
                enrollment,
                version,
                page.module,
                _viewed_since(enrollment.id, module_id),
                current_app.config["MAX_SECONDS_PER_PAGE_VIEW"],
            )
        return redirect(_after(page))
    if enrollment.completed_at is None:
        learning.start_reading(enrollment, version, page.module)
    reading = overview.ModuleReading(
        version.id,
        version.content_hash,
        enrollment.id,
        reviewing=enrollment.completed_at is not None,
        started=True,
        read=any(p.module_id == module_id and p.completed_at for p in enrollment.progress),
    )
    return _module_view(page, reading)


def _module_view(page: pages.ModulePage, reading: overview.ModuleReading) -> str:
    context = {
        "page": page,
        "links": LearnerLinks(page.course.id),
        "reviewing": reading.reviewing,
        "completed": reading.read,
    }
    view_token = _view_token(reading.enrollment_id, page.module.id)
    if request.method != "GET" or request.query_string or session.get("_flashes"):
        return render_template("learn/module.html", view_token=view_token, **context)
    return _module_skeleton(reading, context).fill({"view": view_token, "csrf": generate_csrf()})


# Module pages by published version, language, navigation and reading state (see
# lms.learn.skeletons): 3 courses x 8 modules x 8 languages x 4 states is 768 pages of
# ~10 kB for one set of roles.
_module_pages = skeletons.SkeletonCache(size=2048)


def _module_skeleton(reading: overview.ModuleReading, context: dict) -> skeletons.Skeleton:
    """The module page for everyone reading it as the current user does, with holes for
    the session's CSRF token and the signed time the page was served."""
    page = context["page"]
    key = (
        reading.version_id,
        reading.content_hash,
        page.course.company,  # the company settings filled in: a change makes new pages
        page.module.id,
        page.lang,
        frozenset(current_user.roles),
        reading.reviewing,
        reading.read,
        request.script_root,
        request.path,
    )
    return _module_pages.get(
        key,
        lambda: render_template(
            "learn/module.html",
            view_token=skeletons.hole("view"),
            csrf_token=lambda: skeletons.hole("csrf"),
            **context,
        ),
    )


@bp.route("/<course_id>/quiz", methods=["GET", "POST"])
@employee_required
def quiz(course_id: str):
    now = utcnow()
    _, course, enrollment = _reading(course_id)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            attempt = quiz_service.start(current_user, enrollment, _reading_language(course), now)
        except quiz_service.Refused as refused:
            flash(str(refused.message), "warning")
        else:
            return redirect(url_for("learn.attempt", attempt_id=attempt.id))
    return render_template(
        "learn/quiz.html",
        page=pages.quiz_page(course, _reading_language(course)),
        links=LearnerLinks(course_id),
        form=form,
        enrollment=enrollment,
        attempts=quiz_service.attempts_of(enrollment),
        ready=quiz_service.readiness(enrollment, course, now),
        certification=overview.valid_certification(current_user, course_id, now),
    )


@bp.route("/attempts/<int:attempt_id>", methods=["GET", "POST"])
@employee_required
def attempt(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if attempt.status != "open" and request.method == "GET":
        return redirect(url_for("learn.result", attempt_id=attempt.id))
    form = ActionForm()
    chosen: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        chosen = {k: request.form.getlist(k) for k in request.form if k.startswith("q-")}
        if form.validate_on_submit():
            try:
                quiz_service.submit(current_user, attempt, chosen)
            except quiz_service.Refused as refused:
                if attempt.status != "open":
                    flash(str(refused.message), "warning")
                    return redirect(url_for("learn.result", attempt_id=attempt.id))
                flash(str(refused.message), "danger")
                status = 400
            else:
                return redirect(_after_submit(attempt))
    course = quiz_service.course_for(attempt)
    quiz = course.quiz(attempt.lang)
    wanted = _reading_language(course)
    return render_template(
        "learn/attempt.html",
        attempt=attempt,
        course=course,
        quiz=quiz,
        # Asked in the source language: the reader's translation lacks this version's change.
        quiz_behind=quiz.lang != wanted and wanted in course.quizzes,
        form=form,
        chosen=chosen,
        questions=quiz_service.drawn_questions(attempt),
    ), status


def _after_submit(attempt: QuizAttempt) -> str:
    """The result, or first the written attestation when the pass awaits it."""
    if attestations.state(attempt, utcnow()) == "awaiting":
        return url_for("learn.affirm", attempt_id=attempt.id)
    return url_for("learn.result", attempt_id=attempt.id)


@bp.route("/attempts/<int:attempt_id>/result")
@employee_required
def result(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if attempt.status == "open":
        return redirect(url_for("learn.attempt", attempt_id=attempt.id))
    course = quiz_service.course_for(attempt)
    now = utcnow()
    return render_template(
        "learn/result.html",
        attempt=attempt,
        course=course,
        questions=quiz_service.drawn_questions(attempt),
        clearance=clearance.current(current_user),
        affirmation=attestations.state(attempt, now),
    )


@bp.route("/attempts/<int:attempt_id>/affirm", methods=["GET", "POST"])
@employee_required
def affirm(attempt_id: int):
    """The written attestation a course asks for: only once it is given is the pass
    certified. Anything but a pass awaiting it goes to the result page."""
    attempt = _own_attempt(attempt_id)
    if attestations.state(attempt, utcnow()) != "awaiting":
        return redirect(url_for("learn.result", attempt_id=attempt.id))
    form = AffirmForm()
    status = 200
    if request.method == "GET":
        form.lang.data = _reading_language(quiz_service.course_for(attempt))
    elif not form.validate_on_submit():
        status = 400
    else:
        try:
            attestation.attest(
                current_user,
                attempt,
                lang=form.lang.data or current_language(),
                typed_name=form.name.data or "",
                affirmed=bool(form.affirm.data),
                ip_address=request.remote_addr,  # the client's, through ProxyFix
            )
        except attestation.Refused as refused:
            if refused.field is None:  # nothing left to affirm (a second tab, lapsed)
                flash(str(refused.message), "warning")
                return redirect(url_for("learn.result", attempt_id=attempt.id))
            getattr(form, refused.field).errors.append(str(refused.message))
            status = 400
        else:
            flash(_("Thank you. You affirmed the policy and are now certified."), "success")
            return redirect(url_for("learn.result", attempt_id=attempt.id))
    statement = attestations.statement(attempt, form.lang.data or current_language())
    return render_template(
        "learn/affirm.html",
        attempt=attempt,
        course=quiz_service.course_for(attempt),
        statement=statement,
        form=form,
    ), status


def _reading(course_id: str):
    return overview.reading(current_user, course_id) or abort(404)


def _own_attempt(attempt_id: int) -> QuizAttempt:
    """The attempt, if it is the current user's; anyone else's is "not found"."""
    attempt = db.session.get(QuizAttempt, attempt_id)
    if attempt is None or attempt.user_id != current_user.id:
        abort(404)
    return attempt


def _after(page: pages.ModulePage) -> str:
    """Where "Done" leads: the next module, or the quiz after the last one."""
    links = LearnerLinks(page.course.id)
    return links.module(page.next_id) if page.next_id else links.quiz()


# Reading time is measured from when the page was served: the page carries a signed
# timestamp, so it needs no JavaScript and cannot be forged.
def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="module-view")


def _view_token(enrollment_id: int, module_id: str) -> str:
    return _serializer().dumps([enrollment_id, module_id, utcnow().timestamp()])


def _viewed_since(enrollment_id: int, module_id: str) -> datetime:
    """When this page view began; now when the token is missing, forged, expired or for
    another page, so the read is counted but its time is not."""
    try:
        e, m, ts = _serializer().loads(request.form.get("view", ""), max_age=86400)
        started = datetime.fromtimestamp(float(ts), UTC)
    except (BadData, ValueError, TypeError, OverflowError, OSError):
        return utcnow()
    return started if (e, m) == (enrollment_id, module_id) else utcnow()
