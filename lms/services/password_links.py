"""Invitations and password resets: one-time links, e-mailed, that let a person set a
password when the company has no identity provider.

Recording a link is cheap and happens in the transaction that needs it: a new person
(:func:`invite`, a step, one statement for a roster of 100,000), HR's resend
(:func:`resend_invitation`, :func:`resend_to_everyone`), a "Forgot password?" request
(:func:`request_reset`). Delivery is separate (:func:`send_pending`, ``flask lms
invitations send``, and :func:`send_now` for one link): it claims pending links in chunks
with a conditional UPDATE, so two servers running it at once send each link once, then
makes each link's token (only its SHA-256 is stored), and e-mails it in the person's
language. A link works once, until it expires, and only while the person's password is
the one it was sent for.
"""

import secrets
from datetime import datetime
from datetime import timedelta
from email.message import EmailMessage
from functools import partial
from typing import cast

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.extensions import db
from lms.models import PasswordLink
from lms.models import User
from lms.models import utcnow
from lms.models.types import UTCDateTime
from lms.rules import passwords
from lms.services import Refused
from lms.services import audit
from lms.services import mail
from lms.services import sign_ins
from lms.services.mail import SendReport

INVITATION = "invitation"
RESET = "reset"
CHUNK = 500  # links claimed at once by a delivery run
#: Outcomes are committed every this many e-mails: a commit per e-mail (an fsync on
#: SQLite) costs more than the e-mail. A run that crashes between two commits leaves at
#: most this many sent links "sending"; a later run sends them again, with new links.
COMMIT_EVERY = 25
CLAIMABLE = ("pending", "retry")
WAITING = ("pending", "retry", "sending")  # recorded, not out yet
#: Audit actions per kind of link.
SENT = {INVITATION: "invitation.sent", RESET: "password_reset.sent"}
USED = {INVITATION: "invitation.used", RESET: "password_reset.used"}

_WEAKNESS = {
    "too_short": _l("Choose a password of at least %(n)d characters.", n=passwords.MIN_LENGTH),
    "too_long": _l("Choose a password of at most %(n)d characters.", n=passwords.MAX_LENGTH),
    "one_character": _l("Choose a password that is not one character repeated."),
    "personal": _l(
        "Choose a password that does not contain your name, email address or employee ID."
    ),
}
NO_LONGER_WORKS = _l(
    "This link no longer works: it has expired, it was used already, or the password was "
    "changed since it was sent. Ask for a new one with “Forgot password?”."
)
WRONG_PASSWORD = _l("Your current password is not right.")


def invitations_wanted() -> bool:
    """People sign in with a password, so new people need an invitation: the company has
    no identity provider (``OIDC_ISSUER`` unset)."""
    return not current_app.config.get("OIDC_ISSUER")


# --- Recording links ----------------------------------------------------------------------


def invite(who: sa.ColumnElement[bool], now: datetime) -> int:
    """Step: record a pending invitation for each active person without a password who
    matches ``who`` (a condition on :class:`User`): one INSERT … SELECT, whatever their
    number (a new hire, a roster of 100,000, everyone). Nothing when sign-in goes through
    an identity provider. Returns how many."""
    if not invitations_wanted():
        return 0
    people = sa.select(
        User.id,
        sa.literal(INVITATION),
        sa.literal("pending"),
        sa.literal(now, UTCDateTime()),
        sa.literal(0),
    ).where(who, User.active, User.password_hash.is_(None))
    # RETURNING counts them: psycopg reports no rowcount for a parameterised INSERT … SELECT.
    return len(
        db.session.execute(
            sa.insert(PasswordLink.__table__)
            .from_select(["user_id", "kind", "status", "created_at", "attempts"], people)
            .returning(PasswordLink.__table__.c.id)
        ).all()
    )


def _pending(user_id: int, kind: str, now: datetime) -> dict:
    return {
        "user_id": user_id,
        "kind": kind,
        "status": "pending",
        "created_at": now,
        "attempts": 0,
    }


def resend_invitation(person: User, actor: User) -> int:
    """Operation: invite ``person`` again (HR's button), audited; commit. Returns the link's
    id for :func:`send_now`.

    :raise Refused: sign-in goes through an identity provider, the person has left, or has
        a password already (they can use "Forgot password?").
    """
    check_invitable(person)
    link_id = invite_again(person, actor)
    assert link_id is not None, "reuse=True always gives a link"
    db.session.commit()
    return link_id


def invite_again(
    person: User, actor: User, *, note: dict | None = None, reuse: bool = True
) -> int | None:
    """Step: the invitation waiting to go to ``person`` (``reuse``), or a new one, with an
    ``invitation.resent`` audit event; None (nothing written) when one is waiting and
    ``reuse`` is False (a bulk resend run twice sends once). Call :func:`check_invitable` first."""
    link_id = db.session.scalar(
        sa.select(PasswordLink.id).where(
            PasswordLink.user_id == person.id,
            PasswordLink.kind == INVITATION,
            PasswordLink.status.in_(CLAIMABLE),
        )
    )
    if link_id is not None and not reuse:
        return None
    if link_id is None:
        link = PasswordLink(**_pending(person.id, INVITATION, utcnow()))
        db.session.add(link)
        db.session.flush()
        link_id = link.id
    audit.record(
        "invitation.resent", actor=actor, subject=person, after={"link": link_id} | (note or {})
    )
    return link_id


def check_invitable(person: User) -> None:
    """Refuse (:class:`Refused`) an invitation ``person`` cannot take."""
    if not invitations_wanted():
        raise Refused(_l("People sign in through the company's identity provider: no invitation."))
    if not person.active:
        raise Refused(_l("This person is inactive: no invitation."))
    if person.password_hash:
        raise Refused(
            _l("This person has a password already; they can use “Forgot password?” to reset it.")
        )


def resend_to_everyone(actor: User) -> int:
    """Operation: invite again every active person who has not set a password yet (one
    INSERT … SELECT, whatever their number), audited; commit. Returns how many.

    :raise Refused: sign-in goes through an identity provider.
    """
    if not invitations_wanted():
        raise Refused(_l("People sign in through the company's identity provider: no invitation."))
    # NOT IN (…): one pass over the waiting invitations into a hash, whatever the planner
    # believes of a table that a bulk import has just filled.
    waiting = sa.select(PasswordLink.user_id).where(
        PasswordLink.kind == INVITATION, PasswordLink.status.in_(WAITING)
    )
    added = invite(User.id.not_in(waiting), utcnow())
    audit.record("invitation.resent_to_everyone", actor=actor, after={"invitations": added})
    db.session.commit()
    return added


def request_reset(identifier: str, client: str | None) -> int | None:
    """Operation: "Forgot password?" for this email or employee id, audited (whether the
    account exists is in the audit trail, never in the answer); commit. Returns the id of
    the link to send, or None when there is nobody to send it to."""
    identifier = identifier.strip()
    user = User.find(identifier) if len(identifier) <= sign_ins.MAX_IDENTIFIER else None
    attempt = sign_ins.log_attempt("reset", identifier, user, client)
    audit.record(
        "password_reset.requested",
        subject=user,
        after={"account_exists": user is not None, "sign_in_attempt": attempt},
    )
    link_id = None
    if user is not None and user.active:
        link = PasswordLink(**_pending(user.id, RESET, utcnow()))
        db.session.add(link)
        db.session.flush()
        link_id = link.id
    db.session.commit()
    return link_id


# --- Delivery -----------------------------------------------------------------------------


def send_pending(now: datetime | None = None) -> SendReport:
    """Send every pending link and retry failed ones, chunk by chunk; commits per chunk
    claimed and per e-mail. Safe to run on several servers at once."""
    now = now or utcnow()
    report = SendReport()
    stale = now - timedelta(minutes=mail.setting("PASSWORD_LINK_STALE_MINUTES"))
    mail.release_stale(PasswordLink, stale)
    run = secrets.token_hex(8)
    last = 0
    with mail.Mailer() as mailer:
        while ids := _next_chunk(last):
            last = ids[-1]
            claimed = _claim(ids, run, now)
            report.skipped += len(ids) - len(claimed)  # another server is sending those
            _send_claimed(mailer, claimed, now, report)
    return report


def send_now(link_id: int) -> SendReport:
    """Send one link now (a reset the person is waiting for, HR's resend for one person),
    if no other run has claimed it; commits."""
    report = SendReport()
    now = utcnow()
    with mail.Mailer() as mailer:
        _send_claimed(mailer, _claim([link_id], secrets.token_hex(8), now), now, report)
    return report


def _next_chunk(after_id: int) -> list[int]:
    ids = list(
        db.session.scalars(
            sa.select(PasswordLink.id)
            .where(PasswordLink.status.in_(CLAIMABLE), PasswordLink.id > after_id)
            .order_by(PasswordLink.id)
            .limit(CHUNK)
        )
    )
    db.session.commit()  # end the read before claiming: SQLite writers do not wait on it
    return ids


def _claim(ids: list[int], run: str, now: datetime) -> list[tuple[PasswordLink, User]]:
    """Claim those of ``ids`` no other run has claimed (a conditional UPDATE: of two
    servers, one gets each row), in a transaction of their own; return them."""
    db.session.execute(
        sa.update(PasswordLink)
        .where(PasswordLink.id.in_(ids), PasswordLink.status.in_(CLAIMABLE))
        .values(
            status="sending",
            claimed_by=run,
            claimed_at=now,
            attempts=PasswordLink.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    rows = db.session.execute(
        sa.select(PasswordLink, User)
        .join(User, User.id == PasswordLink.user_id)
        .where(
            PasswordLink.id.in_(ids),
            PasswordLink.claimed_by == run,
            PasswordLink.status == "sending",
        )
        .order_by(PasswordLink.id)
        .execution_options(populate_existing=True)
    ).all()
    return [(link, user) for link, user in rows]


def _send_claimed(mailer, claimed, now: datetime, report: SendReport) -> None:
    """Give each claimed link its token and expiry and write its e-mail (one commit), then
    send each. The e-mails are written before the commit, which expires the rows: nothing
    is read again per e-mail."""
    ready = []
    for link, user in claimed:
        if not user.active or (link.kind == INVITATION and user.password_hash):
            link.status = "cancelled"  # left, or set a password meanwhile: nothing to send
            continue
        token = PasswordLink.new_token()
        link.token_hash = PasswordLink.digest(token)
        link.password_mark = PasswordLink.mark_of(user.password_hash)
        link.expires_at = now + _lifetime(link.kind)
        sent = {"link": link.id, "expires_at": link.expires_at.isoformat()}
        on_sent = partial(_audit_sent, link.kind, user.id, sent)
        ready.append((link, _message(link, user, token), on_sent))
    db.session.commit()  # the token is valid before its e-mail can arrive
    max_attempts = mail.setting("PASSWORD_LINK_MAX_ATTEMPTS")
    for n, (link, message, on_sent) in enumerate(ready, start=1):
        mail.deliver(mailer, link, message, report, max_attempts, on_sent=on_sent, commit=False)
        if n % COMMIT_EVERY == 0:
            db.session.commit()
    db.session.commit()


def _audit_sent(kind: str, user_id: int, after: dict) -> None:
    audit.record(SENT[kind], subject_id=user_id, after=after)


def _lifetime(kind: str) -> timedelta:
    if kind == INVITATION:
        return timedelta(days=mail.setting("INVITATION_DAYS"))
    return timedelta(hours=mail.setting("RESET_HOURS"))


def _message(link: PasswordLink, user: User, token: str) -> EmailMessage:
    """The e-mail with the link, in the person's language."""
    lang = mail.language_of(user.preferred_language)
    assert link.expires_at is not None
    with force_locale(lang):
        until = format_datetime(link.expires_at, "long")
        if link.kind == INVITATION:
            subject = _("Your account for the brand ambassador training")
            lead = _(
                "An account has been made for you on the brand ambassador training. Choose "
                "your password here to sign in:"
            )
            note = _(
                "The link works once, until %(until)s. When it has expired, ask for a new "
                "one with “Forgot password?” on the sign-in page.",
                until=until,
            )
        else:
            subject = _("Reset your password")
            lead = _(
                "Someone, probably you, asked to reset the password of your account on the "
                "brand ambassador training. Choose a new password here:"
            )
            note = _(
                "The link works once, until %(until)s. If you did not ask for it, ignore "
                "this e-mail: your password stays as it is.",
                until=until,
            )
        body = "\n\n".join(
            [
                _("Hello %(name)s,", name=user.name),
                lead,
                mail.link(f"/password/{token}"),
                note,
                _("This e-mail was sent by the brand ambassador training."),
                "",
            ]
        )
    return mail.compose(to=(user.name, user.email), subject=subject, body=body, lang=lang)


# --- Setting a password -------------------------------------------------------------------


def use(token: str, password: str) -> User:
    """Operation: set the password of the person a link was sent to, once; the link and
    every other sign-in of theirs stop working; audited; commit. Returns the person.

    :raise Refused: the link no longer works, or the password is too weak.
    """
    now = utcnow()
    link = PasswordLink.by_token(token)
    user = db.session.get(User, link.user_id) if link else None
    if link is None or user is None or not link.usable(user.password_hash, user.active, now):
        raise Refused(NO_LONGER_WORKS)
    check_strength(password, user)
    used = cast(
        sa.CursorResult,
        db.session.execute(
            sa.update(PasswordLink)
            .where(PasswordLink.id == link.id, PasswordLink.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    if used != 1:  # used by another request a moment ago
        db.session.rollback()
        raise Refused(NO_LONGER_WORKS)
    user.set_password(password)
    audit.record(USED[link.kind], actor=user, subject=user, after={"link": link.id})
    audit.record("auth.password_changed", actor=user, subject=user, after={"by": link.kind})
    db.session.commit()
    return user


def change(user: User, current: str, new: str) -> None:
    """Operation: a signed-in person changes their password (the current one required);
    every sign-in of theirs ends; audited; commit.

    :raise Refused: the current password is not right, or the new one is too weak.
    """
    if not user.check_password(current):
        raise Refused(WRONG_PASSWORD)
    check_strength(new, user)
    user.set_password(new)
    audit.record("auth.password_changed", actor=user, subject=user, after={"by": "account"})
    db.session.commit()


def check_strength(password: str, user: User) -> None:
    """:raise Refused: ``password`` breaks a rule of :mod:`lms.rules.passwords`."""
    problem = passwords.problem(password, user.email, user.employee_id, user.name)
    if problem is not None:
        raise Refused(_WEAKNESS[problem])
