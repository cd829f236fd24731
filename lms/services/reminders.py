"""Reminder e-mails about open enrolments: before, on and after the due date.

Cron may run the job on two servers at the same moment. Each reminder is therefore
recorded first, under a unique key (enrolment, kind, due date, overdue week), in its own
transaction; only the server whose INSERT succeeded sends it. A send that fails (or a
sender that crashed after recording) leaves the row in ``retry``; the next run claims it
with a conditional UPDATE, so it is retried by one server only.
"""

import logging
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from datetime import tzinfo
from email.message import EmailMessage
from typing import cast

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from lms.extensions import db
from lms.i18n import company_zone
from lms.models import Enrollment
from lms.models import ReminderSent
from lms.models import User
from lms.models import utcnow
from lms.queries import catalog
from lms.rules import days as calendar
from lms.services import mail
from lms.services import reminders_now
from lms.services.mail import SendReport

log = logging.getLogger(__name__)

CHUNK = 1000


def reminder_for(
    due_at: datetime, now: datetime, days_before: int, tz: tzinfo = UTC
) -> tuple[str, int] | None:
    """Which reminder an enrolment due at ``due_at`` needs today: (kind, overdue week).
    Days are counted in ``tz``, the company's zone, whose days the due dates are."""
    days = -calendar.overdue_days(due_at, now, tz)
    if days > days_before:
        return None
    if days > 0:
        return "before", 0
    if days == 0:
        return "due", 0
    return "overdue", (-days - 1) // 7  # one per week overdue, from the day after


@dataclass(frozen=True)
class _Target:
    """What one reminder needs to know, read in bulk (no lazy loads per person)."""

    enrollment_id: int
    course_id: str
    due_at: datetime
    user_id: int
    name: str
    email: str
    preferred_language: str | None
    manager_name: str | None
    manager_email: str | None


def send_due(now: datetime | None = None, days_before: int | None = None) -> SendReport:
    """Send every reminder due now, and retry interrupted ones. Commits per reminder."""
    now = now or utcnow()
    days_before = mail.setting("REMINDER_DAYS_BEFORE") if days_before is None else days_before
    report = SendReport()
    tz = company_zone()
    with mail.Mailer() as mailer:
        _retry(mailer, now, report)
        for chunk in _targets(_open_enrollments(now + timedelta(days=days_before + 2))):
            known = _known_keys([t.enrollment_id for t in chunk])
            for target in chunk:
                due = reminder_for(target.due_at, now, days_before, tz)
                if due is None or (target.enrollment_id, *due) in known:
                    continue
                _claim_and_send(mailer, target, *due, now, report)
        reminders_now.escalate_due(mailer, now, report)  # sent with the reminders
    return report


def _open_enrollments(horizon: datetime):
    """Open enrolments of active people due before ``horizon``."""
    manager = aliased(User)
    return (
        sa.select(
            Enrollment.id,
            Enrollment.course_id,
            Enrollment.due_at,
            User.id,
            User.name,
            User.email,
            User.preferred_language,
            manager.name,
            manager.email,
        )
        .join(User, User.id == Enrollment.user_id)
        .outerjoin(manager, sa.and_(manager.id == User.manager_id, manager.active))
        .where(
            Enrollment.completed_at.is_(None),
            Enrollment.due_at.is_not(None),
            Enrollment.due_at < horizon,
            User.active,
        )
    )


def _targets(query):
    """The rows of ``query`` in chunks by enrolment id. Each chunk's read transaction ends
    before any claim, so SQLite writers never wait on each other's readers."""
    last = 0
    while True:
        rows = db.session.execute(
            query.where(Enrollment.id > last).order_by(Enrollment.id).limit(CHUNK)
        ).all()
        db.session.commit()
        if not rows:
            return
        yield [_Target(*row) for row in rows]
        last = rows[-1][0]


def _known_keys(enrollment_ids: list[int]) -> set[tuple[int, str, int]]:
    """Reminders already recorded for these enrolments' current due dates."""
    rows = db.session.execute(
        sa.select(ReminderSent.enrollment_id, ReminderSent.kind, ReminderSent.week)
        .join(
            Enrollment,
            sa.and_(
                Enrollment.id == ReminderSent.enrollment_id,
                Enrollment.due_at == ReminderSent.due_at,
            ),
        )
        .where(ReminderSent.enrollment_id.in_(enrollment_ids))
    ).all()
    db.session.commit()
    return {(enrollment_id, kind, week) for enrollment_id, kind, week in rows}


def _claim_and_send(
    mailer, target: _Target, kind: str, week: int, now: datetime, report: SendReport
) -> None:
    message, lang = _message(target, kind)
    row = ReminderSent(
        enrollment_id=target.enrollment_id,
        user_id=target.user_id,
        kind=kind,
        due_at=target.due_at,
        week=week,
        status="sending",
        lang=lang,
        to_addr=message["To"],
        cc_addr=message["Cc"],
        subject=message["Subject"],
        created_at=now,
        claimed_at=now,
        attempts=1,
    )
    db.session.add(row)
    try:
        db.session.commit()  # the intent is on record before anything is sent
    except IntegrityError:
        db.session.rollback()  # another server claimed this reminder first
        report.skipped += 1
        return
    _deliver(mailer, row, message, report)


def _deliver(mailer, row: ReminderSent, message: EmailMessage, report: SendReport) -> None:
    mail.deliver(mailer, row, message, report, mail.setting("REMINDER_MAX_ATTEMPTS"))


def _retry(mailer, now: datetime, report: SendReport) -> None:
    """Mark reminders stuck in ``sending`` (the sender crashed) for retry, then retry each
    ``retry`` row that this server manages to claim."""
    mail.release_stale(
        ReminderSent, now - timedelta(minutes=mail.setting("REMINDER_STALE_MINUTES"))
    )
    ids = db.session.scalars(sa.select(ReminderSent.id).where(ReminderSent.status == "retry")).all()
    others = reminders_now.KINDS  # reminders sent by hand, and escalations
    for row_id in ids:
        claimed = cast(
            sa.CursorResult,
            db.session.execute(
                sa.update(ReminderSent)
                .where(ReminderSent.id == row_id, ReminderSent.status == "retry")
                .values(status="sending", claimed_at=now, attempts=ReminderSent.attempts + 1)
                .execution_options(synchronize_session=False)
            ),
        ).rowcount
        db.session.commit()
        if claimed != 1:
            continue
        row = db.session.get_one(ReminderSent, row_id, populate_existing=True)
        if row.kind in others:
            rebuilt = reminders_now.message_again(row)
            if rebuilt is None:
                row.status, row.error = "failed", "nothing left to remind of before the retry"
                db.session.commit()
            else:
                _deliver(mailer, row, rebuilt, report)
            continue
        target = db.session.execute(
            _open_enrollments(datetime.max.replace(tzinfo=UTC)).where(
                Enrollment.id == row.enrollment_id
            )
        ).first()
        if target is None:  # finished, or the person left, since: nothing to remind
            row.status, row.error = "failed", "enrolment closed before the retry"
            db.session.commit()
            continue
        message, _lang = _message(_Target(*target), row.kind)
        _deliver(mailer, row, message, report)


# --- The message ---------------------------------------------------------------------


def _message(target: _Target, kind: str) -> tuple[EmailMessage, str]:
    """The plain-text reminder in the employee's language; the manager is copied when
    the course is overdue."""
    lang = mail.language_of(target.preferred_language)
    with force_locale(lang):
        title = _course_title(target.course_id, lang)
        when = format_date(calendar.day_in(target.due_at, company_zone()), "long")
        subject, lead = _wording(kind, title, when)
        course_link = mail.link(f"/training/{target.course_id}")
        body = "\n\n".join(
            [
                _("Hello %(name)s,", name=target.name),
                lead,
                _("Open the course here: %(link)s", link=course_link),
                _("This reminder was sent by the brand ambassador training."),
                "",
            ]
        )
    cc = None
    if kind == "overdue" and target.manager_email:
        cc = (target.manager_name, target.manager_email)
    message = mail.compose(
        to=(target.name, target.email), subject=subject, body=body, lang=lang, cc=cc
    )
    return message, lang


def _wording(kind: str, title: str, when: str) -> tuple[str, str]:
    if kind == "before":
        return (
            _("Reminder: %(course)s is due on %(date)s", course=title, date=when),
            _("Please finish the course %(course)s by %(date)s.", course=title, date=when),
        )
    if kind == "due":
        return (
            _("Today: %(course)s is due", course=title),
            _(
                "The course %(course)s is due today, %(date)s. Please finish it today.",
                course=title,
                date=when,
            ),
        )
    return (
        _("Overdue: %(course)s was due on %(date)s", course=title, date=when),
        _(
            "The course %(course)s was due on %(date)s and is not finished yet. Your "
            "manager receives a copy of this reminder.",
            course=title,
            date=when,
        ),
    )


def _course_title(course_id: str, lang: str) -> str:
    version = catalog.latest_version(course_id)
    if version is None:
        return course_id
    return catalog.course_of(version).meta.title(lang)


# Reminders sent now by a manager or HR, and escalations to the manager's manager, live in
# :mod:`lms.services.reminders_now`; they share this module's table, key and retries.
remind_now = reminders_now.remind_now
