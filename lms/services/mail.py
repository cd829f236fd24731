"""Sending e-mail: the SMTP settings, one connection per run, translated plain-text
messages, and the bookkeeping every outgoing e-mail shares.

Jobs that several servers may run at the same moment (reminders, invitations and password
links) record each e-mail as a row before sending it, claim it in a transaction of its own,
and let :func:`deliver` send it and record the outcome: ``sent``, or ``retry`` until
``max_attempts``, then ``failed``. A row still ``sending`` after a while was interrupted
(:func:`release_stale` puts it back for a retry).
"""

import contextlib
import html
import logging
import re
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr
from email.utils import make_msgid
from typing import cast

import sqlalchemy as sa
from flask import current_app

from lms.extensions import db
from lms.i18n import supported
from lms.i18n import text_direction
from lms.models import utcnow

log = logging.getLogger(__name__)


def setting(key: str):
    """A delivery setting (``MAIL_SERVER``, ``BASE_URL``, ``REMINDER_MAX_ATTEMPTS``, …: see
    :mod:`lms.config`)."""
    return current_app.config[key]


def link(path: str) -> str:
    """An absolute link to ``path`` on this site, for e-mails (no request to build from)."""
    return f"{setting('BASE_URL').rstrip('/')}{path}"


def language_of(preferred: str | None) -> str:
    """The language to write to a person in: theirs if we ship it, else the default."""
    return supported(preferred) or current_app.config["BABEL_DEFAULT_LOCALE"]


def compose(
    *,
    to: tuple[str, str],
    subject: str,
    body: str,
    lang: str,
    cc: tuple[str | None, str] | None = None,
) -> EmailMessage:
    """A plain-text message from the configured sender; ``to`` and ``cc`` are (name, address)."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = setting("MAIL_SENDER")
    message["To"] = formataddr(to)
    if cc is not None:
        message["Cc"] = formataddr(cc)
    message.set_content(body)  # before Content-Language: set_content clears Content-*
    if text_direction(lang) == "rtl":
        message.add_alternative(right_to_left_html(body, lang), subtype="html")
    message["Content-Language"] = lang.replace("_", "-")
    return message


_URL = re.compile(r"https?://[^\s<>\"]+")


def right_to_left_html(body: str, lang: str) -> str:
    """The plain-text ``body`` as HTML that declares its language and direction: plain
    text cannot, and mail clients guess it line by line from the first letter, so a
    Hebrew or Arabic line that starts with a name, a number or a link runs left to right.
    Links stay links; nothing else is added."""
    escaped = html.escape(body)
    linked = _URL.sub(lambda m: f'<a href="{m[0]}">{m[0]}</a>', escaped)
    code = html.escape(lang.replace("_", "-"))
    return (
        f'<!DOCTYPE html><html lang="{code}" dir="rtl"><body>'
        f'<div dir="rtl" style="white-space: pre-wrap; font-family: sans-serif">{linked}</div>'
        "</body></html>"
    )


@dataclass
class SendReport:
    sent: int = 0
    skipped: int = 0  # already sent, or claimed by another server
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def deliver(
    mailer,
    row,
    message: EmailMessage,
    report: SendReport,
    max_attempts: int,
    on_sent: Callable[[], object] | None = None,
    commit: bool = True,
) -> bool:
    """Send ``message`` for a claimed ``row`` (with ``status``, ``attempts``, ``error`` and
    ``sent_at``), record the outcome on it (and ``on_sent``'s writes, such as an audit
    event, when it went out) and commit, unless the caller commits several at once.
    Returns whether it went out."""
    message["Message-ID"] = make_msgid(row.__tablename__)  # no row.id: it may be expired
    try:
        mailer.send(message)
    except (smtplib.SMTPException, OSError) as exc:
        row.status = "retry" if row.attempts < max_attempts else "failed"
        row.error = f"{type(exc).__name__}: {exc}"[:500]
        log.warning(
            "%s to %s not sent (%s): %s",
            row.__tablename__,
            message["To"],
            row.status,
            row.error,
        )
        report.failed += 1
        report.errors.append(row.error)
        sent = False
    else:
        row.status, row.sent_at, row.error = "sent", utcnow(), None
        report.sent += 1
        sent = True
        if on_sent is not None:
            on_sent()
    if commit:
        db.session.commit()
    return sent


def release_stale(model, stale_before: datetime) -> int:
    """Put rows of ``model`` stuck in ``sending`` since before ``stale_before`` (their
    sender crashed) back for a retry; commit. Returns how many."""
    # An UPDATE's result is a CursorResult (typed as a plain Result): it has the rowcount.
    stuck = cast(
        sa.CursorResult,
        db.session.execute(
            sa.update(model)
            .where(model.status == "sending", model.claimed_at < stale_before)
            .values(status="retry", error="interrupted before it was confirmed as sent")
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    db.session.commit()
    if stuck:
        log.error("%d %s were interrupted while sending; retrying them", stuck, model.__tablename__)
    return stuck


class Mailer:
    """One SMTP connection per run, opened when the first message goes out."""

    def __init__(self):
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self):
        return self

    def send(self, message: EmailMessage) -> None:
        if self.smtp is None:
            self.smtp = self._connect()
        try:
            self.smtp.send_message(message)
        except smtplib.SMTPServerDisconnected:
            self.smtp = None
            raise

    def _connect(self) -> smtplib.SMTP:
        smtp = smtplib.SMTP(
            setting("MAIL_SERVER"), int(setting("MAIL_PORT")), timeout=setting("MAIL_TIMEOUT")
        )
        if setting("MAIL_USE_TLS"):
            smtp.starttls()
        if setting("MAIL_USERNAME"):
            smtp.login(setting("MAIL_USERNAME"), setting("MAIL_PASSWORD") or "")
        return smtp

    def __exit__(self, *exc):
        if self.smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):  # closing anyway
                self.smtp.quit()
