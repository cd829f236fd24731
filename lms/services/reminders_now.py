"""Reminders sent now, by hand (a manager or HR), and escalations to the manager's manager.

Both share the scheduled reminders' table and its once-only key (enrolment, kind, due
date, week), under kinds of their own so they never block a scheduled reminder:

- ``manual``: one a person per company day. The key's week holds the day's number and its
  enrolment is the person's most urgent open one, so two clicks at once (two servers)
  insert the same key and only one is sent; a second click later that day is refused.
- ``escalate``: once per enrolment and due date, when it is overdue by more than
  ``ESCALATE_AFTER_DAYS`` days; sent to the person's manager's manager, in their language.

A send that fails leaves the row in ``retry``; the scheduled reminders job retries it
(:func:`message_again` writes it anew).
"""

from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from email.message import EmailMessage

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from lms.extensions import db
from lms.i18n import company_zone
from lms.models import Enrollment
from lms.models import ReminderSent
from lms.models import User
from lms.models import utcnow
from lms.queries import catalog
from lms.queries import team
from lms.rules import days as calendar
from lms.services import Refused
from lms.services import audit
from lms.services import mail
from lms.services.mail import SendReport

MANUAL = "manual"
ESCALATE = "escalate"
KINDS = (MANUAL, ESCALATE)
CHUNK = 1000


# --- Sent now, by hand ----------------------------------------------------------------


def remind_now(person: User, *, by: User, now: datetime | None = None) -> ReminderSent:
    """Operation: e-mail ``person`` now about their open training, in their language.

    Commits the reminder's record and an audit event (ids only) before sending, then
    the outcome. Returns the row: ``sent``, or ``retry`` (the scheduled job tries again).

    :raise Refused: the person left, has nothing open, or was reminded by hand today.
    """
    now = now or utcnow()
    if not person.active:
        raise Refused(_l("%(name)s has left; nobody is reminded.", name=person.name))
    open_ones = _open_of(person.id)
    if not open_ones:
        raise Refused(
            _l("%(name)s has no unfinished training to be reminded of.", name=person.name)
        )
    today = calendar.day_in(now, company_zone())
    if _reminded_on(person.id, today):
        raise Refused(_already(person))
    message, lang = _manual_message(person, open_ones)
    first = open_ones[0]
    row = ReminderSent(
        enrollment_id=first.id,
        user_id=person.id,
        kind=MANUAL,
        due_at=first.due_at or first.assigned_at,
        week=today.toordinal(),  # one a day: the day is part of the once-only key
        status="sending",
        lang=lang,
        to_addr=message["To"],
        subject=message["Subject"],
        created_at=now,
        claimed_at=now,
        attempts=1,
    )
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()  # the same click on another server got there first
        raise Refused(_already(person)) from None
    audit.record(
        "reminder.sent_now",
        actor=by,
        subject=person,
        after={"reminder_id": row.id, "enrollment_ids": [e.id for e in open_ones]},
    )
    db.session.commit()  # the intent and its evidence are on record before the send
    with mail.Mailer() as mailer:
        mail.deliver(mailer, row, message, SendReport(), mail.setting("REMINDER_MAX_ATTEMPTS"))
    return row


def _already(person: User):
    return _l(
        "%(name)s was already reminded today. One reminder a day is sent by hand; try "
        "again tomorrow.",
        name=person.name,
    )


def _reminded_on(user_id: int, day) -> bool:
    found = db.session.scalar(
        sa.select(ReminderSent.id)
        .where(
            ReminderSent.user_id == user_id,
            ReminderSent.kind == MANUAL,
            ReminderSent.week == day.toordinal(),
        )
        .limit(1)
    )
    return found is not None


def _open_of(user_id: int) -> list[Enrollment]:
    """The person's unfinished enrolments, the most urgent first (no due date last)."""
    return list(
        db.session.scalars(
            sa.select(Enrollment)
            .where(Enrollment.user_id == user_id, Enrollment.completed_at.is_(None))
            .order_by(Enrollment.due_at.is_(None), Enrollment.due_at, Enrollment.id)
        )
    )


def _manual_message(person: User, open_ones: list[Enrollment]) -> tuple[EmailMessage, str]:
    lang = mail.language_of(person.preferred_language)
    tz = company_zone()
    now = utcnow()
    with force_locale(lang):
        lines = []
        for enrollment in open_ones:
            title = _course_title(enrollment.course_id, lang)
            if enrollment.due_at is None:
                lines.append(f"- {title}")
                continue
            when = format_date(calendar.day_in(enrollment.due_at, tz), "long")
            if enrollment.due_at < now:
                lines.append("- " + _("%(course)s: was due on %(date)s", course=title, date=when))
            else:
                lines.append("- " + _("%(course)s: due on %(date)s", course=title, date=when))
        body = "\n\n".join(
            [
                _("Hello %(name)s,", name=person.name),
                _("Please finish your brand ambassador training:"),
                "\n".join(lines),
                _("Open your training here: %(link)s", link=mail.link("/training/")),
                _("This reminder was sent by the brand ambassador training."),
                "",
            ]
        )
        subject = _("Reminder: please finish your brand ambassador training")
    return mail.compose(to=(person.name, person.email), subject=subject, body=body, lang=lang), lang


def remind_team(manager: User, now: datetime | None = None) -> SendReport:
    """Operation (a job's work): :func:`remind_now` for each of ``manager``'s reports who
    is overdue; a person already reminded today is counted as skipped."""
    report = SendReport()
    for user_id in team.overdue_reports(manager.id, now or utcnow()):
        person = db.session.get_one(User, user_id)
        try:
            row = remind_now(person, by=manager, now=now)
        except Refused:
            report.skipped += 1
            continue
        if row.status == "sent":
            report.sent += 1
        else:
            report.failed += 1
    return report


# --- Escalations --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Escalation:
    enrollment_id: int
    course_id: str
    due_at: datetime
    user_id: int
    name: str
    manager_name: str
    to_name: str
    to_email: str
    to_language: str | None


def _escalations(untold: bool = True):
    """Open enrolments of active people with an active manager's manager (``untold``:
    without an escalation for their current due date yet)."""
    person, manager, grand = aliased(User), aliased(User), aliased(User)
    told = sa.exists().where(
        ReminderSent.enrollment_id == Enrollment.id,
        ReminderSent.kind == ESCALATE,
        ReminderSent.due_at == Enrollment.due_at,
    )
    return (
        sa.select(
            Enrollment.id,
            Enrollment.course_id,
            Enrollment.due_at,
            person.id,
            person.name,
            manager.name,
            grand.name,
            grand.email,
            grand.preferred_language,
        )
        .join(person, person.id == Enrollment.user_id)
        .join(manager, manager.id == person.manager_id)
        .join(grand, grand.id == manager.manager_id)
        .where(
            Enrollment.completed_at.is_(None),
            Enrollment.due_at.is_not(None),
            person.active,
            grand.active,
            grand.id != person.id,
            ~told if untold else sa.true(),
        )
    )


def escalate_due(mailer, now: datetime, report: SendReport) -> None:
    """Step of the reminders job (commits per escalation, as reminders do): tell the
    manager's manager of each person overdue by more than ``ESCALATE_AFTER_DAYS`` days."""
    after = int(mail.setting("ESCALATE_AFTER_DAYS"))
    tz = company_zone()
    query = _escalations().where(Enrollment.due_at < now - timedelta(days=after))
    last = 0
    while True:
        rows = db.session.execute(
            query.where(Enrollment.id > last).order_by(Enrollment.id).limit(CHUNK)
        ).all()
        db.session.commit()
        if not rows:
            return
        last = rows[-1][0]
        for row in rows:
            target = _Escalation(*row)
            if calendar.overdue_days(target.due_at, now, tz) > after:
                _claim_escalation(mailer, target, now, report)


def _claim_escalation(mailer, target: _Escalation, now: datetime, report: SendReport) -> None:
    message, lang = _escalation_message(target, now)
    row = ReminderSent(
        enrollment_id=target.enrollment_id,
        user_id=target.user_id,
        kind=ESCALATE,
        due_at=target.due_at,
        week=0,
        status="sending",
        lang=lang,
        to_addr=message["To"],
        subject=message["Subject"],
        created_at=now,
        claimed_at=now,
        attempts=1,
    )
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # another server told them
        report.skipped += 1
        return
    mail.deliver(mailer, row, message, report, mail.setting("REMINDER_MAX_ATTEMPTS"))


def _escalation_message(target: _Escalation, now: datetime) -> tuple[EmailMessage, str]:
    lang = mail.language_of(target.to_language)
    tz = company_zone()
    with force_locale(lang):
        title = _course_title(target.course_id, lang)
        when = format_date(calendar.day_in(target.due_at, tz), "long")
        overdue = calendar.overdue_days(target.due_at, now, tz)
        subject = _(
            "%(person)s is %(days)d days overdue on %(course)s",
            person=target.name,
            days=overdue,
            course=title,
        )
        body = "\n\n".join(
            [
                _("Hello %(name)s,", name=target.to_name),
                _(
                    "%(person)s, who reports to %(manager)s, has not finished the course "
                    "%(course)s, which was due on %(date)s (%(days)d days ago). Their "
                    "manager has been receiving the overdue reminders.",
                    person=target.name,
                    manager=target.manager_name,
                    course=title,
                    date=when,
                    days=overdue,
                ),
                _("See your team's training: %(link)s", link=mail.link("/team")),
                _("This message was sent by the brand ambassador training."),
                "",
            ]
        )
    to = (target.to_name, target.to_email)
    return mail.compose(to=to, subject=subject, body=body, lang=lang), lang


# --- Retries ------------------------------------------------------------------------------


def message_again(row: ReminderSent) -> EmailMessage | None:
    """The message of a ``manual`` or ``escalate`` row, written anew for a retry; None
    when there is nothing left to say (finished, left)."""
    if row.kind == MANUAL:
        person = db.session.get(User, row.user_id)
        open_ones = _open_of(row.user_id) if person is not None and person.active else []
        return _manual_message(person, open_ones)[0] if person and open_ones else None
    found = db.session.execute(
        _escalations(untold=False).where(Enrollment.id == row.enrollment_id).limit(1)
    ).first()
    if found is None:
        return None
    return _escalation_message(_Escalation(*found), utcnow())[0]


def _course_title(course_id: str, lang: str) -> str:
    version = catalog.latest_version(course_id)
    if version is None:
        return course_id
    return catalog.course_of(version).meta.title(lang)
