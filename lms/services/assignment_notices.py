"""Telling people a requirement enrolled them: an invitation, or an "assigned" notice.

A person a requirement enrols who has never been invited (and signs in with a password)
gets an invitation to set one (:func:`password_links.invite`); whoever has an invitation
on its way already gets nothing more (that e-mail brings them in); everyone else (signed
in before, invited long ago, or signing in through the identity provider) gets an
"assigned" notice naming the course and its due date. Intents are recorded in the
enrolling transaction (:func:`record`, set-based); delivery (:func:`send_pending`, run by
the ``invitations`` job with the links) claims each notice with a conditional UPDATE, so
two servers send each once; the unique enrolment id makes recording twice impossible.
"""

from collections.abc import Sequence
from datetime import datetime
from datetime import timedelta
from email.message import EmailMessage

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import format_date
from flask_babel import gettext as _

from lms.extensions import db
from lms.models import AssignmentNotice
from lms.models import Enrollment
from lms.models import PasswordLink
from lms.models import User
from lms.models import utcnow
from lms.models.types import UTCDateTime
from lms.queries import catalog
from lms.services import mail
from lms.services import password_links
from lms.services.mail import SendReport

CHUNK = 2000
CLAIMABLE = ("pending", "retry")
STALE_MINUTES = 30
MAX_ATTEMPTS = 5


def record(enrollment_ids: Sequence[int], now: datetime) -> tuple[int, int]:
    """Step: for these new enrolments, invitations for people never invited and notices
    for the rest (see the module), in the caller's transaction. Returns (invitations,
    notices)."""
    invited = noticed = 0
    ids = sorted(enrollment_ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        people = sa.select(Enrollment.user_id).where(Enrollment.id.in_(chunk))
        ever_invited = sa.exists().where(
            PasswordLink.user_id == User.id, PasswordLink.kind == password_links.INVITATION
        )
        invited += password_links.invite(sa.and_(User.id.in_(people), ~ever_invited), now)
        noticed += _notices(chunk, now)
    return invited, noticed


def _notices(enrollment_ids: list[int], now: datetime) -> int:
    waiting = sa.exists().where(
        PasswordLink.user_id == User.id,
        PasswordLink.kind == password_links.INVITATION,
        PasswordLink.status.in_(password_links.WAITING),
    )
    invitation_coming = sa.and_(User.password_hash.is_(None), waiting)
    if not password_links.invitations_wanted():
        invitation_coming = sa.false()
    rows = (
        sa.select(
            Enrollment.id,
            Enrollment.user_id,
            sa.literal("pending"),
            sa.literal(0),
            sa.literal(now, UTCDateTime()),
        )
        .join(User, User.id == Enrollment.user_id)
        .where(Enrollment.id.in_(enrollment_ids), User.active, ~invitation_coming)
        .order_by(Enrollment.id)
    )
    return len(
        db.session.execute(
            sa.insert(AssignmentNotice.__table__)
            .from_select(["enrollment_id", "user_id", "status", "attempts", "created_at"], rows)
            .returning(AssignmentNotice.__table__.c.id)
        ).all()
    )


def waiting() -> bool:
    """Whether a notice waits to be e-mailed (or e-mailed again)."""
    query = sa.select(AssignmentNotice.id).where(AssignmentNotice.status.in_(CLAIMABLE))
    return bool(db.session.scalar(sa.select(query.exists())))


def send_pending(now: datetime | None = None) -> SendReport:
    """Send every waiting notice, each claimed first (a conditional UPDATE in its own
    transaction); commits per e-mail. Safe to run on several servers at once."""
    now = now or utcnow()
    report = SendReport()
    mail.release_stale(AssignmentNotice, now - timedelta(minutes=STALE_MINUTES))
    last = 0
    with mail.Mailer() as mailer:
        while True:
            ids = list(
                db.session.scalars(
                    sa.select(AssignmentNotice.id)
                    .where(AssignmentNotice.status.in_(CLAIMABLE), AssignmentNotice.id > last)
                    .order_by(AssignmentNotice.id)
                    .limit(500)
                )
            )
            db.session.commit()
            if not ids:
                return report
            last = ids[-1]
            for notice_id in ids:
                _claim_and_send(mailer, notice_id, now, report)


def _claim_and_send(mailer, notice_id: int, now: datetime, report: SendReport) -> None:
    claimed = db.session.execute(
        sa.update(AssignmentNotice)
        .where(AssignmentNotice.id == notice_id, AssignmentNotice.status.in_(CLAIMABLE))
        .values(status="sending", claimed_at=now, attempts=AssignmentNotice.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        report.skipped += 1
        return
    notice = db.session.get_one(AssignmentNotice, notice_id, populate_existing=True)
    enrollment = db.session.get_one(Enrollment, notice.enrollment_id)
    user = db.session.get_one(User, notice.user_id)
    if not user.active or enrollment.completed_at is not None:
        notice.status, notice.error = "cancelled", "left or finished before the notice went out"
        db.session.commit()
        return
    mail.deliver(mailer, notice, message(user, enrollment), report, MAX_ATTEMPTS)


def message(user: User, enrollment: Enrollment) -> EmailMessage:
    """The notice in the person's language: which course, by when, where."""
    lang = mail.language_of(user.preferred_language)
    with force_locale(lang):
        version = catalog.latest_version(enrollment.course_id)
        title = catalog.course_of(version).meta.title(lang) if version else enrollment.course_id
        lead = _("You have been assigned the course %(course)s.", course=title)
        if enrollment.due_at is not None:
            lead += " " + _(
                "Please finish it by %(date)s.", date=format_date(enrollment.due_at, "long")
            )
        body = "\n\n".join(
            [
                _("Hello %(name)s,", name=user.name),
                lead,
                _(
                    "Open the course here: %(link)s",
                    link=mail.link(f"/training/{enrollment.course_id}"),
                ),
                _("This e-mail was sent by the brand ambassador training."),
                "",
            ]
        )
        subject = _("New course to take: %(course)s", course=title)
    return mail.compose(to=(user.name, user.email), subject=subject, body=body, lang=lang)
