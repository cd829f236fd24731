"""Retention: what the daily ``retention`` job deletes, or strips of personal data, once
it is older than its configured period (docs/privacy.md; listed at ``/admin/retention``).

Each kind is worked in batches of ``RETENTION_BATCH`` rows, one short transaction each,
so 100,000 expired rows are never one giant transaction. Every batch re-selects what is
still expired, so running twice, or on two servers at once, deletes each row once and
does nothing the second time. Certification evidence (certifications, attempts,
attestations, the audit trail) is never deleted here: see :data:`EVIDENCE`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from typing import cast

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from lms.extensions import db
from lms.models import HandleLookupCount
from lms.models import Job
from lms.models import JobFile
from lms.models import OutboxEvent
from lms.models import PasswordLink
from lms.models import ReminderSent
from lms.models import RosterUpload
from lms.models import ScimPushTarget
from lms.models import SignInAttempt
from lms.models import UserSession
from lms.models import WebhookDelivery
from lms.models import WebhookEndpoint
from lms.models import XapiProgress
from lms.models import XapiSend

#: What a reminder's addresses become once its period is over (the record of the
#: reminder, which stops a second one, stays).
REMOVED = "(removed)"


@dataclass(frozen=True)
class Policy:
    """One kind of record: the setting that holds its period in days, what is done, why."""

    kind: str
    setting: str
    what: object  # lazy strings, shown on the admin page
    why: object
    #: ``(cutoff, now, batch) -> rows changed``: one batch, in the caller's transaction.
    batch: Callable[[datetime, datetime, int], int] = field(repr=False)

    def days(self) -> int:
        return int(current_app.config[self.setting])


def _ids_delete(model, id_column, conditions):
    """A batch that deletes up to ``size`` rows matching ``conditions(cutoff, now)``: one
    ``DELETE … WHERE id IN (SELECT id … LIMIT size)``."""

    def batch(cutoff: datetime, now: datetime, size: int) -> int:
        some = sa.select(id_column).where(*conditions(cutoff, now)).limit(size)
        result = db.session.execute(
            sa.delete(model)
            .where(id_column.in_(some.scalar_subquery()))
            .execution_options(synchronize_session=False)
        )
        return cast(sa.CursorResult, result).rowcount

    return batch


def _finished_jobs_before(cutoff: datetime) -> sa.Select:
    return sa.select(Job.id).where(Job.created_at < cutoff, Job.status.in_(("succeeded", "failed")))


def _reminders(cutoff: datetime, now: datetime, size: int) -> int:
    stale = (ReminderSent.created_at < cutoff, ReminderSent.to_addr != REMOVED)
    some = sa.select(ReminderSent.id).where(*stale).limit(size)
    result = db.session.execute(
        sa.update(ReminderSent)
        .where(ReminderSent.id.in_(some.scalar_subquery()), *stale)
        .values(to_addr=REMOVED, cc_addr=None, error=None)
        .execution_options(synchronize_session=False)
    )
    return cast(sa.CursorResult, result).rowcount


def outbox_floor() -> int | None:
    """The newest outbox event every consumer has read (None: no consumer waits for any).

    A new consumer of the outbox (xAPI, notifications…) that follows a cursor of its own
    adds it here, or retention may delete events it has not read yet."""
    floors = [
        *db.session.scalars(
            sa.select(WebhookEndpoint.settled_event_id).where(WebhookEndpoint.enabled)
        ),
        *db.session.scalars(
            sa.select(sa.func.coalesce(ScimPushTarget.cursor, 0)).where(
                ScimPushTarget.cursor.is_not(None)
            )
        ),
    ]
    if current_app.config["XAPI_LRS_URL"]:
        floors.append(db.session.scalar(sa.select(XapiProgress.settled_event_id)) or 0)
    return min(floors) if floors else None


def _outbox_conditions(cutoff: datetime, now: datetime):
    conditions = [
        OutboxEvent.occurred_at < cutoff,
        ~sa.exists().where(
            WebhookDelivery.event_id == OutboxEvent.id, WebhookDelivery.finished_at.is_(None)
        ),
        # An xAPI statement still to send reads its event when it is sent.
        ~sa.exists().where(XapiSend.event_id == OutboxEvent.id, XapiSend.finished_at.is_(None)),
    ]
    floor = outbox_floor()
    if floor is not None:
        conditions.append(OutboxEvent.id <= floor)
    return conditions


POLICIES: tuple[Policy, ...] = (
    Policy(
        "sign_in_attempts",
        "RETENTION_SIGN_IN_ATTEMPTS_DAYS",
        _l(
            "Failed and refused sign-ins and reset requests, "
            "with what was typed and the client's IP address: deleted."
        ),
        _l("Needed to investigate attacks on accounts for a while, not longer."),
        _ids_delete(
            SignInAttempt, SignInAttempt.id, lambda cutoff, now: [SignInAttempt.at < cutoff]
        ),
    ),
    Policy(
        "sessions",
        "RETENTION_SESSIONS_DAYS",
        _l("Sign-ins (one per browser): deleted, which signs that browser out."),
        _l("A sign-in's cookie does not last longer; an old row is of no use."),
        _ids_delete(
            UserSession, UserSession.id, lambda cutoff, now: [UserSession.created_at < cutoff]
        ),
    ),
    Policy(
        "reminders",
        "RETENTION_REMINDERS_DAYS",
        _l(
            "Reminder e-mails sent: the addresses and "
            "errors are removed; that a reminder went out is kept."
        ),
        _l("The record stops a reminder being sent twice; the addresses are not needed for that."),
        _reminders,
    ),
    Policy(
        "outbox",
        "RETENTION_OUTBOX_DAYS",
        _l("Events for other systems (webhooks, SCIM push) that every consumer has read: deleted."),
        _l("They are messages for machines; the audit trail is the record."),
        _ids_delete(OutboxEvent, OutboxEvent.id, _outbox_conditions),
    ),
    Policy(
        "handle_lookups",
        "RETENTION_HANDLE_LOOKUPS_DAYS",
        _l("Daily counts of public handle checks: deleted."),
        _l("They are statistics; a year of them shows the trend."),
        _ids_delete(
            HandleLookupCount,
            HandleLookupCount.day,
            lambda cutoff, now: [HandleLookupCount.day < cutoff.date()],
        ),
    ),
    Policy(
        # Before their jobs: SQLite enforces no ON DELETE CASCADE, so files go first.
        "job_files",
        "RETENTION_JOBS_DAYS",
        _l("Files finished jobs made (evidence packs): deleted with their jobs."),
        _l("A pack can be built again from the evidence, which is kept."),
        _ids_delete(
            JobFile,
            JobFile.job_id,
            lambda cutoff, now: [JobFile.job_id.in_(_finished_jobs_before(cutoff))],
        ),
    ),
    Policy(
        "jobs",
        "RETENTION_JOBS_DAYS",
        _l("Finished background jobs and their results: deleted."),
        _l(
            "Their results can name people (e-mail "
            "errors); what they changed is in the audit trail."
        ),
        _ids_delete(
            Job,
            Job.id,
            lambda cutoff, now: [Job.id.in_(_finished_jobs_before(cutoff))],
        ),
    ),
    Policy(
        "password_links",
        "RETENTION_PASSWORD_LINKS_DAYS",
        _l(
            "Invitation and password-reset links that "
            "were used, expired, cancelled or failed: deleted."
        ),
        _l("A link is of no use once it cannot set a password."),
        _ids_delete(
            PasswordLink,
            PasswordLink.id,
            lambda cutoff, now: [
                PasswordLink.created_at < cutoff,
                PasswordLink.status.not_in(("pending", "retry", "sending")),
                sa.or_(PasswordLink.expires_at.is_(None), PasswordLink.expires_at < now),
            ],
        ),
    ),
    Policy(
        "roster_uploads",
        "ROSTER_UPLOAD_RETENTION_DAYS",
        _l("Uploaded roster files (the whole HR export): deleted."),
        _l("Needed only between the preview and applying it; the audit trail keeps what changed."),
        _ids_delete(
            RosterUpload, RosterUpload.id, lambda cutoff, now: [RosterUpload.uploaded_at < cutoff]
        ),
    ),
)

#: What is kept and never deleted by this job (shown on the page with its period).
EVIDENCE = (
    _l(
        "Certifications, quiz attempts and answers, "
        "attestations, clearance history and the audit trail."
    ),
    _l(
        "Kept as compliance evidence for the configured years after the person leaves "
        "(legal obligation, legitimate interest); erasure pseudonymises the person instead. "
        "Deleting evidence is not automated."
    ),
)


def run(now: datetime, progress: Callable[[str, int, int], None] | None = None) -> dict[str, int]:
    """Operation: every kind's expired rows, batch by batch, each batch committed.

    :return: rows deleted or stripped, by kind.
    """
    size = int(current_app.config["RETENTION_BATCH"])
    done: dict[str, int] = {}
    for n, policy in enumerate(POLICIES):
        if progress:
            progress("expiring", n, len(POLICIES))
        cutoff = now - timedelta(days=policy.days())
        done[policy.kind] = 0
        while True:
            changed = policy.batch(cutoff, now, size)
            db.session.commit()
            done[policy.kind] += changed
            if changed == 0:  # re-selected until none is left (another server may share)
                break
    return done
