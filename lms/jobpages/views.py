"""``/jobs/<id>``: a job's progress and outcome; ``/jobs``: the recent jobs.

The person who started a job sees it, and so does everyone whose role covers its kind
(HR: roster, rules, reminders, the daily run; marketing: publishing; admins: all). The
page refreshes itself every 2 seconds while the job waits or runs (a meta refresh: no
script needed), and shows the result when it ends; leaving and coming back shows the
same page.
"""

from flask import abort
from flask import render_template
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lms import jobs
from lms.jobpages import bp
from lms.jobs.kinds import VIEWERS
from lms.models import Job
from lms.models import Role
from lms.permissions import role_required
from lms.queries import jobs as job_reads

#: Seconds between refreshes of a job's page while it waits or runs.
REFRESH_SECONDS = 2

KIND_NAMES = {
    "publish": _l("Publish a course version"),
    "sync": _l("Publish the course files"),
    "roster_apply": _l("Apply a roster"),
    "assignment_rules": _l("Apply the assignment rules"),
    "reminders": _l("Send reminders"),
    "invitations": _l("Send invitations and password links"),
    "daily": _l("Daily run"),
    "webhooks": _l("Deliver webhooks"),
    "scim_push": _l("Push clearance changes to the advocacy tool (SCIM)"),
    "scim_reconcile": _l("Compare the advocacy tool's group with the cleared people (SCIM)"),
    "xapi": _l("Send learning records (xAPI)"),
    "retention": _l("Delete records past their retention period"),
    "evidence_pack": _l("Evidence pack for a period"),
    "manager_digest": _l("Send the managers' weekly digests"),
    "team_reminders": _l("Remind my overdue reports"),
    "requirement": _l("Assign a course to its audience"),
    "people_bulk": _l("Act on the people found"),
}
STATUS_NAMES = {
    "queued": _l("Waiting"),
    "running": _l("Running"),
    "succeeded": _l("Done"),
    "failed": _l("Failed"),
}
PHASE_NAMES = {
    "checking": _l("Checking rows"),
    "writing": _l("Writing changes"),
    "publishing": _l("Publishing and recomputing clearances"),
    "assigning": _l("Assigning courses"),
    "sending": _l("Sending e-mails"),
    "renewals": _l("Renewals, recertification and lapsed clearances"),
    "retention": _l("Deleting old roster uploads"),
    "delivering": _l("Delivering webhooks"),
    "pushing": _l("Pushing changes"),
    "reconciling": _l("Finding the group"),
    "accounts": _l("Finding or creating accounts"),
    "members": _l("Correcting the group's members"),
    "statements": _l("Sending xAPI statements"),
    "expiring": _l("Deleting expired records"),
    "collecting": _l("Collecting certifications"),
    "acting": _l("Acting on the people found"),
}


@bp.route("")
@role_required(Role.HR, Role.MARKETING)
def index():
    return render_template(
        "jobpages/index.html",
        jobs=job_reads.recent(_visible_kinds()),
        kind_names=KIND_NAMES,
        status_names=STATUS_NAMES,
        summary=summary,
        format_number=format_decimal,
    )


@bp.route("/<int:job_id>")
@role_required(Role.HR, Role.MARKETING)
def show(job_id: int):
    job = job_reads.get(job_id) or abort(404)
    kinds = _visible_kinds()
    if job.started_by_id != current_user.id and kinds is not None and job.kind not in kinds:
        abort(403)
    live = jobs.live_progress(job.id) if job.status == "running" else None
    return render_template(
        "jobpages/job.html",
        job=job,
        live=live,
        phase=PHASE_NAMES.get(live["phase"], "") if live else "",
        refresh=REFRESH_SECONDS if not job.is_finished else None,
        kind_names=KIND_NAMES,
        status_names=STATUS_NAMES,
        summary=summary(job),
        format_number=format_decimal,
    )


def _visible_kinds() -> set[str] | None:
    """The kinds the current person's roles cover; None for every kind (admins)."""
    if current_user.has_role(Role.ADMIN):
        return None
    return {kind for kind, role in VIEWERS.items() if current_user.has_role(role)}


def summary(job: Job) -> str:
    """The outcome in one sentence, in the reader's language."""
    result = job.result or {}
    if job.status == "failed":
        if "refused" in result:
            return _refusal(result["refused"])
        return _(
            "Failed after %(attempts)d attempt(s): %(error)s",
            attempts=job.attempts,
            error=job.error or "",
        )
    if job.status != "succeeded":
        return ""
    return _SUMMARIES[job.kind](result)


def _refusal(shown: dict) -> str:
    if "msgid" in shown:
        return _(shown["msgid"], **shown.get("params", {}))
    return shown.get("text", "")


def _publish(result: dict) -> str:
    if result.get("new") and "restored" in result:
        return _(
            "The content of version %(old)s is published again as version %(new)s.",
            old=result["restored"],
            new=result["version"],
        )
    if result.get("new"):
        return _(
            "Version %(version)s of %(course)s is published.",
            version=result["version"],
            course=result["course_id"],
        )
    return _(
        "Version %(version)s of %(course)s was already published; nothing changed.",
        version=result["version"],
        course=result["course_id"],
    )


def _sync(result: dict) -> str:
    summary = _(
        "%(published)d published, %(unchanged)d unchanged, %(rejected)d rejected.",
        published=len(result["published"]),
        unchanged=len(result["unchanged"]),
        rejected=len(result["rejected"]),
    )
    if not result.get("held"):
        return summary
    held = _(
        "%(held)d held back: a major version with out-of-date translations "
        "(publish it with flask lms content sync --force).",
        held=len(result["held"]),
    )
    return f"{summary} {held}"


def _roster(result: dict) -> str:
    if result.get("already_applied"):
        return _("This file was already applied; nothing changed.")
    if not any(result.get(k) for k in ("added", "updated", "deactivated", "reactivated")):
        return _("The roster already matches the accounts: nothing changed.")
    return _(
        "Roster applied: %(added)d added, %(updated)d updated, %(deactivated)d "
        "deactivated, %(reactivated)d reactivated.",
        added=result["added"],
        updated=result["updated"],
        deactivated=result["deactivated"],
        reactivated=result["reactivated"],
    )


def _rules(result: dict) -> str:
    return _("%(count)d enrolment(s) created.", count=result["enrolled"])


def _reminders(result: dict) -> str:
    return _(
        "%(sent)d sent, %(skipped)d already sent, %(failed)d failed (will be retried).",
        sent=result["sent"],
        skipped=result["skipped"],
        failed=result["failed"],
    )


def _daily(result: dict) -> str:
    return _(
        "%(renewals)d renewal(s), %(recertifications)d recertification(s), %(assigned)d "
        "assigned by rules, %(lapsed)d lapsed clearance(s) refreshed, %(purged)d roster "
        "upload(s) deleted.",
        renewals=result["renewals"],
        recertifications=result["recertifications"],
        assigned=result["assigned"],
        lapsed=result["clearances_refreshed"],
        purged=result["uploads_purged"],
    )


def _webhooks(result: dict) -> str:
    return _(
        "%(delivered)d delivered, %(failed)d failed (will be retried), %(given_up)d given "
        "up, %(disabled)d endpoint(s) disabled.",
        delivered=result["delivered"],
        failed=result["failed"],
        given_up=result["given_up"],
        disabled=len(result["disabled"]),
    )


def _retention(result: dict) -> str:
    return _(
        "%(count)d expired record(s) deleted or stripped of addresses.", count=sum(result.values())
    )


def _scim_push(result: dict) -> str:
    return _(
        "%(events)d change(s) read: %(added)d added to the group, %(removed)d removed, "
        "%(created)d account(s) created, %(deactivated)d deactivated.",
        events=result["events"],
        added=result["added"],
        removed=result["removed"],
        created=result["created"],
        deactivated=result["deactivated"],
    )


def _xapi(result: dict) -> str:
    return _(
        "%(sent)d sent to the learning record store, %(failed)d failed (will be retried), "
        "%(given_up)d given up.",
        sent=result["sent"],
        failed=result["failed"],
        given_up=result["given_up"],
    )


def _evidence_pack(result: dict) -> str:
    return _(
        "The pack holds %(certifications)d certification(s), %(attempts)d attempt(s) and "
        "%(events)d audit event(s).",
        certifications=result["certifications"],
        attempts=result["attempts"],
        events=result["audit_events"],
    )


def _people_bulk(result: dict) -> str:
    return _(
        "%(changed)d person(s) changed, %(unchanged)d already as asked or not concerned.",
        changed=result["changed"],
        unchanged=result["unchanged"],
    )


_SUMMARIES = {
    "publish": _publish,
    "sync": _sync,
    "roster_apply": _roster,
    "assignment_rules": _rules,
    "reminders": _reminders,
    "invitations": _reminders,  # the same counts: sent, already sent, failed
    "daily": _daily,
    "webhooks": _webhooks,
    "scim_push": _scim_push,
    "scim_reconcile": _scim_push,  # the same counts
    "xapi": _xapi,
    "retention": _retention,
    "evidence_pack": _evidence_pack,
    "manager_digest": _reminders,  # the same counts: sent, already sent, failed
    "team_reminders": _reminders,
    "requirement": _rules,
    "people_bulk": _people_bulk,
}
