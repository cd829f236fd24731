"""The weekly digest: each manager hears who among their reports (direct or indirect) is
overdue or expiring soon, in the manager's language, once a week.

Who is below whom is one recursive query going UP from the people who need attention
(far fewer than everyone), so a run reads (manager, person) pairs, not a tree per
manager. Each digest is recorded first under a unique key (manager, week) in its own
transaction, as reminders are: two servers running the job at once send it once; a failed
send is retried by a later run of the same week.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta
from email.message import EmailMessage
from typing import cast

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from lms.extensions import db
from lms.i18n import company_zone
from lms.models import ManagerDigest
from lms.models import User
from lms.models import utcnow
from lms.queries import catalog
from lms.queries import reporting
from lms.rules import days as calendar
from lms.services import mail
from lms.services.mail import SendReport

ATTENTION = ("overdue", "expiring")
MANAGERS_PER_READ = 500


@dataclass(frozen=True)
class _Line:
    user_id: int
    name: str
    course_id: str
    status: str
    due_at: datetime | None
    expires_at: datetime | None


def send(now: datetime | None = None) -> SendReport:
    """Operation (the ``manager_digest`` job): this week's digests not sent yet, and the
    retries of failed ones. Commits per digest."""
    now = now or utcnow()
    week = calendar.week_start(now, company_zone())
    report = SendReport()
    with mail.Mailer() as mailer:
        _retry(mailer, now, week, report)
        managers = _managers_to_tell(now, week)
        for start in range(0, len(managers), MANAGERS_PER_READ):
            chunk = managers[start : start + MANAGERS_PER_READ]
            groups = _lines_by_manager(chunk, now)
            people = _people(chunk)
            db.session.commit()  # end the read before the claims (SQLite's one writer)
            for manager_id in chunk:
                if groups.get(manager_id):
                    _claim_and_send(
                        mailer, people[manager_id], groups[manager_id], week, now, report
                    )
    return report


def _problems(now: datetime) -> sa.Subquery:
    courses = reporting.required_courses(now)
    rows = reporting.status_rows(reporting.Scope(), reporting.Filters(), courses, now)
    return sa.select(rows).where(rows.c.status.in_(ATTENTION)).subquery("attention")


def _above(problems: sa.Subquery) -> sa.CTE:
    """(manager_id, person_id): every manager above each person needing attention."""
    start = (
        sa.select(User.manager_id.label("manager_id"), User.id.label("person_id"))
        .where(User.id.in_(sa.select(problems.c.user_id)), User.manager_id.is_not(None))
        .cte("above", recursive=True)
    )
    boss = aliased(User, name="boss")
    return start.union(
        sa.select(boss.manager_id, start.c.person_id)
        .join(boss, boss.id == start.c.manager_id)
        .where(boss.manager_id.is_not(None))
    )


def _managers_to_tell(now: datetime, week: date) -> list[int]:
    """Active managers with someone below them needing attention and no digest this week."""
    above = _above(_problems(now))
    done = sa.select(ManagerDigest.manager_id).where(ManagerDigest.week == week)
    ids = db.session.scalars(
        sa.select(above.c.manager_id)
        .join(User, User.id == above.c.manager_id)
        .where(User.active.is_(True), above.c.manager_id.not_in(done))
        .group_by(above.c.manager_id)
        .order_by(above.c.manager_id)
    ).all()
    db.session.commit()
    return list(ids)


def _lines_by_manager(manager_ids: list[int], now: datetime) -> dict[int, list[_Line]]:
    problems = _problems(now)
    above = _above(problems)
    urgency = sa.case({"overdue": 0}, value=problems.c.status, else_=1)
    rows = db.session.execute(
        sa.select(
            above.c.manager_id,
            problems.c.user_id,
            problems.c.name,
            problems.c.course_id,
            problems.c.status,
            problems.c.due_at,
            problems.c.expires_at,
        )
        .join(problems, problems.c.user_id == above.c.person_id)
        .where(above.c.manager_id.in_(manager_ids), above.c.person_id != above.c.manager_id)
        .order_by(above.c.manager_id, urgency, problems.c.name, problems.c.course_id)
    ).all()
    groups: dict[int, list[_Line]] = defaultdict(list)
    for manager_id, *line in rows:
        groups[manager_id].append(_Line(*line))
    return groups


def _people(ids: list[int]) -> dict[int, User]:
    return {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}


def _claim_and_send(
    mailer, manager: User, lines: list[_Line], week: date, now: datetime, report: SendReport
) -> None:
    message, lang = _message(manager, lines, now)
    row = ManagerDigest(
        manager_id=manager.id,
        week=week,
        status="sending",
        lang=lang,
        to_addr=message["To"],
        subject=message["Subject"],
        overdue=sum(line.status == "overdue" for line in lines),
        expiring=sum(line.status == "expiring" for line in lines),
        created_at=now,
        claimed_at=now,
        attempts=1,
    )
    db.session.add(row)
    try:
        db.session.commit()  # on record before it is sent
    except IntegrityError:
        db.session.rollback()  # another server's run claimed this digest first
        report.skipped += 1
        return
    mail.deliver(mailer, row, message, report, mail.setting("REMINDER_MAX_ATTEMPTS"))


def _retry(mailer, now: datetime, week: date, report: SendReport) -> None:
    """This week's digests whose send failed or was interrupted, each claimed first."""
    stale = now - timedelta(minutes=mail.setting("REMINDER_STALE_MINUTES"))
    mail.release_stale(ManagerDigest, stale)
    ids = db.session.scalars(
        sa.select(ManagerDigest.id).where(
            ManagerDigest.status == "retry", ManagerDigest.week == week
        )
    ).all()
    for row_id in ids:
        claimed = cast(
            sa.CursorResult,
            db.session.execute(
                sa.update(ManagerDigest)
                .where(ManagerDigest.id == row_id, ManagerDigest.status == "retry")
                .values(status="sending", claimed_at=now, attempts=ManagerDigest.attempts + 1)
                .execution_options(synchronize_session=False)
            ),
        ).rowcount
        db.session.commit()
        if claimed != 1:
            continue
        row = db.session.get_one(ManagerDigest, row_id, populate_existing=True)
        manager = db.session.get_one(User, row.manager_id)
        lines = _lines_by_manager([manager.id], now).get(manager.id)
        if not lines or not manager.active:
            row.status, row.error = "failed", "nobody needs attention any more"
            db.session.commit()
            continue
        mail.deliver(
            mailer,
            row,
            _message(manager, lines, now)[0],
            report,
            mail.setting("REMINDER_MAX_ATTEMPTS"),
        )


def _message(manager: User, lines: list[_Line], now: datetime) -> tuple[EmailMessage, str]:
    lang = mail.language_of(manager.preferred_language)
    tz = company_zone()
    shown = int(mail.setting("DIGEST_NAMES"))
    overdue = sum(line.status == "overdue" for line in lines)
    expiring = len(lines) - overdue
    with force_locale(lang):
        titles: dict[str, str] = {}
        entries = []
        for line in lines[:shown]:
            title = titles.get(line.course_id) or titles.setdefault(
                line.course_id, _course_title(line.course_id, lang)
            )
            if line.status == "overdue" and line.due_at is not None:
                when = format_date(calendar.day_in(line.due_at, tz), "long")
                text = _("%(course)s: overdue since %(date)s", course=title, date=when)
            elif line.status == "overdue":
                text = _("%(course)s: overdue", course=title)
            else:
                assert line.expires_at is not None, "expiring soon means a certification"
                when = format_date(calendar.day_in(line.expires_at, tz), "long")
                text = _("%(course)s: certification expires on %(date)s", course=title, date=when)
            entries.append(f"- {line.name} — {text}")
        if len(lines) > shown:
            entries.append(ngettext("…and %(num)d more.", "…and %(num)d more.", len(lines) - shown))
        subject = _(
            "Your team's training: %(overdue)d overdue, %(expiring)d expiring soon",
            overdue=overdue,
            expiring=expiring,
        )
        body = "\n\n".join(
            [
                _("Hello %(name)s,", name=manager.name),
                _(
                    "These people who report to you, directly or through their own "
                    "managers, need attention this week:"
                ),
                "\n".join(entries),
                _(
                    "See everyone's status and send reminders: %(link)s",
                    link=mail.link("/team"),
                ),
                _("You receive this summary once a week because people report to you."),
                "",
            ]
        )
    to = (manager.name, manager.email)
    return mail.compose(to=to, subject=subject, body=body, lang=lang), lang


def _course_title(course_id: str, lang: str) -> str:
    version = catalog.latest_version(course_id)
    if version is None:
        return course_id
    return catalog.course_of(version).meta.title(lang)
