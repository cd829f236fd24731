"""What each kind of job does: a thin wrapper over the service operations the web and the
CLI call too.

A runner takes the job's row and a ``progress(phase, done, total)`` callback and returns
``(result, done, total)``: a JSON summary for the job's page, and its final counts. It
raises :class:`lms.services.Refused` when the work is refused (nothing changed; trying
again would not help), any other exception when it broke (its transaction is rolled back
and the job is tried again).

Each runner is safe to run twice, because each operation is: publishing the planned
content finds it current the second time; a roster upload is applied once (its row is
claimed in the apply's transaction); rules enrol only people without an enrolment;
reminders claim each message before sending it; renewals skip people already enrolled.

Adding a kind (webhook deliveries, say): write its runner here, add it to :data:`RUNNERS`
with the role that sees it in :data:`VIEWERS`, and start it with :func:`lms.jobs.start`.
"""

from collections.abc import Callable
from datetime import datetime
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l

from lms.extensions import db
from lms.models import Job
from lms.models import Role
from lms.models import RosterUpload
from lms.models import User
from lms.models import utcnow
from lms.queries import accounts
from lms.queries import scim_push as scim_push_reads
from lms.queries import webhooks as webhook_reads
from lms.queries import xapi as xapi_reads
from lms.services import Refused
from lms.services import assignment_notices
from lms.services import assignments
from lms.services import authoring
from lms.services import content_store
from lms.services import evidence
from lms.services import manager_digest
from lms.services import password_links
from lms.services import reminders
from lms.services import reminders_now
from lms.services import retention as retention_service
from lms.services import roster
from lms.services import roster_retention
from lms.services import scim_push
from lms.services import webhook_delivery
from lms.services import xapi_delivery

Progress = Callable[[str, int, int], None]
Outcome = tuple[dict, int, int | None]


def publish(job: Job, progress: Progress) -> Outcome:
    """The author's Publish button (the draft) or a rollback (an old version's files
    again), as planned when the button was pressed."""
    progress("publishing", 0, 1)
    version, now = authoring.publish_planned(job.params, job.started_by)
    result = {"course_id": version.course_id, "version": version.version, "new": now}
    if "restore" in job.params:
        result["restored"] = job.params["restore"]
    return result, 1, 1


def sync(job: Job, progress: Progress) -> Outcome:
    """``flask lms content sync``: every course whose files changed and are valid."""
    from pathlib import Path

    progress("publishing", 0, 1)
    force = bool(job.params.get("force"))
    report = content_store.sync(Path(job.params["root"]), job.started_by, force=force)
    result = {
        "published": [f"{v.course_id} {v.version}" for v in report.published],
        "unchanged": report.unchanged,
        "rejected": {cid: [str(p) for p in problems] for cid, problems in report.rejected.items()},
    }
    if report.held:  # major versions waiting for their translations, or --force
        result["held"] = {cid: [b.to_dict() for b in found] for cid, found in report.held.items()}
    return result, 1, 1


def roster_apply(job: Job, progress: Progress) -> Outcome:
    """HR's Apply button on a roster preview."""
    upload_id = job.params["upload_id"]
    upload = db.session.get(RosterUpload, upload_id)
    if upload is not None and upload.applied_at is not None and job.attempts > 1:
        # An earlier attempt of this job applied it and died before saying so.
        return {"already_applied": True}, 0, None
    preview = roster.apply_upload(
        upload_id,
        current_app.config["LANGUAGES"],
        actor_id=job.started_by_id,
        fingerprint=job.params.get("fingerprint"),
        progress=progress,
    )
    if not preview.ok:
        raise Refused(
            _l("Nothing changed: the file has bad rows now. Open its preview to review them.")
        )
    return preview.counts() | {"applied": preview.applied}, preview.rows, preview.rows


def assignment_rules(job: Job, progress: Progress) -> Outcome:
    """Apply every active assignment rule to everyone it covers without an enrolment."""
    progress("assigning", 0, 1)
    created = assignments.apply_rules(now=_now(job))
    return {"enrolled": created}, 1, 1


def reminders_send(job: Job, progress: Progress) -> Outcome:
    """Due and overdue reminder e-mails, each sent once."""
    progress("sending", 0, 1)
    report = reminders.send_due(_now(job), job.params.get("days_before"))
    result = {"sent": report.sent, "skipped": report.skipped, "failed": report.failed}
    return result | {"errors": report.errors[:20]}, report.sent, None


def invitations(job: Job, progress: Progress) -> Outcome:
    """Invitation and password-link e-mails waiting to go (``flask lms invitations
    send``), then the notices of courses a requirement assigned: each claimed before it
    is sent, so two workers send it once."""
    progress("sending", 0, 1)
    report = password_links.send_pending(_now(job))
    notices = assignment_notices.send_pending(_now(job))
    report.sent, report.skipped = report.sent + notices.sent, report.skipped + notices.skipped
    report.failed, report.errors = report.failed + notices.failed, report.errors + notices.errors
    result = {"sent": report.sent, "skipped": report.skipped, "failed": report.failed}
    return result | {"errors": report.errors[:20]}, report.sent, None


def requirement(job: Job, progress: Progress) -> Outcome:
    """A course required of (or assigned to) an audience too large for one request:
    everyone in it enrolled, invited or told, and clearances recomputed."""
    created = assignments.apply_rule(
        job.params["rule_id"], job.started_by_id, _now(job), progress=progress
    )
    return {"enrolled": created}, 1, 1


def daily(job: Job, progress: Progress) -> Outcome:
    """The daily run: renewals, recertification, rules for newcomers, lapsed clearances,
    and roster uploads past their retention (what ``flask lms assignments run`` does)."""
    now = _now(job)
    progress("renewals", 0, 2)
    report = assignments.run(now)
    progress("retention", 1, 2)
    purged = roster_retention.purge_uploads(now)
    result = {
        "renewals": report.renewals,
        "recertifications": report.recertifications,
        "assigned": report.assigned,
        "clearances_refreshed": report.clearances_refreshed,
        "uploads_purged": purged,
    }
    return result, 2, 2


def webhooks(job: Job, progress: Progress) -> Outcome:
    """Webhook deliveries: new outbox events fanned out to the endpoints, then the due
    deliveries sent, each claimed first, so several runs at once send each once."""
    progress("delivering", 0, 1)
    report = webhook_delivery.run(_now(job))
    result = {
        "written": report.written,
        "delivered": report.delivered,
        "failed": report.failed,
        "given_up": report.given_up,
        "disabled": report.disabled,
    }
    return result, report.delivered, None


def webhooks_waiting() -> bool:
    """Whether a webhook run has work (new events, due deliveries)."""
    config = current_app.config
    return webhook_reads.work_waiting(
        utcnow(),
        settle=timedelta(minutes=config["WEBHOOKS_SETTLE_MINUTES"]),
        stale=timedelta(minutes=config["WEBHOOKS_STALE_MINUTES"]),
    )


def scim_push_changes(job: Job, progress: Progress) -> Outcome:
    """The clearance changes since the last push, to the advocacy tool's SCIM group (the
    first push, and a target whose group went missing, get a whole reconcile). A target
    that fails raises: the job is tried again and the next run starts where this stopped."""
    report = scim_push.push(_now(job), progress)
    return report.as_json(), report.events, None


def scim_reconcile(job: Job, progress: Progress) -> Outcome:
    """The whole SCIM group made equal to the people cleared now (daily, or an admin's
    button): members added by hand on the target, or changes missed, are fixed."""
    report = scim_push.reconcile(_now(job), progress)
    return report.as_json(), report.added + report.removed, None


def xapi(job: Job, progress: Progress) -> Outcome:
    """xAPI statements of the quiz events to the Learning Record Store, each claimed
    before it is sent, in order per person (nothing while ``XAPI_LRS_URL`` is unset)."""
    progress("statements", 0, 1)
    report = xapi_delivery.run(_now(job))
    result = {
        "written": report.written,
        "sent": report.sent,
        "failed": report.failed,
        "given_up": report.given_up,
    }
    return result, report.sent, None


def xapi_waiting() -> bool:
    """Whether an xAPI run has work (configured, and new events or due sends)."""
    config = current_app.config
    return xapi_reads.work_waiting(
        utcnow(),
        settle=timedelta(minutes=config["XAPI_SETTLE_MINUTES"]),
        stale=timedelta(minutes=config["XAPI_STALE_MINUTES"]),
    )


def retention(job: Job, progress: Progress) -> Outcome:
    """Records past their retention period (docs/privacy.md), deleted or stripped of
    addresses in batches; safe to run twice and on two servers at once."""
    done = retention_service.run(_now(job), progress)
    return done, sum(done.values()), None


def evidence_pack(job: Job, progress: Progress) -> Outcome:
    """HR's evidence pack for a department (or the company) and a period, stored as the
    job's file (``/jobs/<id>/file``); building it again replaces the file."""
    result = evidence.generate(
        job, _now(job), lambda done, total: progress("collecting", done, total)
    )
    return result, result["certifications"], result["certifications"]


def manager_digests(job: Job, progress: Progress) -> Outcome:
    """Each manager's weekly digest of reports overdue or expiring soon, sent once a week."""
    progress("sending", 0, 1)
    report = manager_digest.send(_now(job))
    result = {"sent": report.sent, "skipped": report.skipped, "failed": report.failed}
    return result | {"errors": report.errors[:20]}, report.sent, None


def team_reminders(job: Job, progress: Progress) -> Outcome:
    """A manager's "Remind everyone overdue": a reminder now to each overdue report
    (someone reminded by hand today already is skipped)."""
    progress("sending", 0, 1)
    manager = db.session.get(User, job.params.get("manager_id") or job.started_by_id)
    if manager is None:
        raise Refused(_l("The manager's account no longer exists."))
    report = reminders_now.remind_team(manager, _now(job))
    result = {"sent": report.sent, "skipped": report.skipped, "failed": report.failed}
    return result | {"errors": report.errors[:20]}, report.sent, None


def people_bulk(job: Job, progress: Progress) -> Outcome:
    """HR's "apply to the people shown": assign, extend a due date or resend invitations
    to everyone the stored search finds now, a batch at a time (each write compared first)."""
    from lms.services import person_actions

    if job.started_by is None:
        raise Refused(_l("Nobody started this job: there is no one to act for."))
    return person_actions.run_bulk(job.params, job.started_by, job.id, progress)


def _now(job: Job) -> datetime:
    """The moment the job is about: ``params["now"]`` (a replayed day), else now."""
    value = job.params.get("now")
    return datetime.fromisoformat(value) if value else utcnow()


RUNNERS: dict[str, Callable[[Job, Progress], Outcome]] = {
    "publish": publish,
    "sync": sync,
    "roster_apply": roster_apply,
    "assignment_rules": assignment_rules,
    "reminders": reminders_send,
    "invitations": invitations,
    "daily": daily,
    "webhooks": webhooks,
    "scim_push": scim_push_changes,
    "scim_reconcile": scim_reconcile,
    "xapi": xapi,
    "retention": retention,
    "evidence_pack": evidence_pack,
    "manager_digest": manager_digests,
    "team_reminders": team_reminders,
    "requirement": requirement,
    "people_bulk": people_bulk,
}

#: Who sees a kind's jobs in the list (admins see all; a person always sees their own).
VIEWERS: dict[str, Role] = {
    "publish": Role.MARKETING,
    "sync": Role.MARKETING,
    "roster_apply": Role.HR,
    "assignment_rules": Role.HR,
    "reminders": Role.HR,
    "invitations": Role.HR,
    "daily": Role.HR,
    "webhooks": Role.ADMIN,
    "scim_push": Role.ADMIN,
    "scim_reconcile": Role.ADMIN,
    "xapi": Role.ADMIN,
    "retention": Role.ADMIN,
    "evidence_pack": Role.HR,
    "manager_digest": Role.HR,
    "team_reminders": Role.HR,  # and the manager who started it
    "requirement": Role.HR,
    "people_bulk": Role.HR,
}

#: Scheduled kinds that start only when there is work for them, so the job list does not
#: fill with empty runs every few minutes.
NEEDED: dict[str, Callable[[], bool]] = {
    "invitations": lambda: accounts.links_waiting() or assignment_notices.waiting(),
    "webhooks": webhooks_waiting,
    "scim_push": scim_push_reads.needed,
    "scim_reconcile": lambda: bool(scim_push_reads.configured_url()),
    "xapi": xapi_waiting,
}

#: Kinds started when a job of another kind succeeds: a roster's new people get their
#: invitations now, not at the next scheduled delivery.
FOLLOW_UPS: dict[str, tuple[str, ...]] = {
    "roster_apply": ("invitations",),
    "requirement": ("invitations",),
    "daily": ("invitations",),  # newcomers a requirement enrolled
    "people_bulk": ("invitations",),  # a bulk resend's invitations go now
}

#: Kinds that must never run twice at the same time, on any server (Huey's lock_task).
EXCLUSIVE = {"daily", "reminders", "scim_push", "scim_reconcile", "retention", "manager_digest"}
