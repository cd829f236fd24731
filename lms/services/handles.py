"""Employees' social handles: registering and removing them, and counting the public
check's answers.

A handle is registered once per platform across the company (its normalised form,
:func:`lms.rules.handles.normalise`), so "is this account ours?" has one owner to ask
about. Registering and removing are audit events: a removed handle stops being vouched
for on the public page at once, and the trail says who removed it and why.
"""

from datetime import date
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from lms.extensions import db
from lms.models import HandleLookupCount
from lms.models import SocialHandle
from lms.models import User
from lms.queries import handles as read
from lms.rules import handles as rules
from lms.services import Refused
from lms.services import audit

#: Handles one person may register: enough for every platform and a few more.
MAX_PER_PERSON = 30
MAX_DISPLAY_NAME = 100
MAX_REASON = 500

PROBLEMS = {
    "platform": _l("Choose a platform from the list."),
    "empty": _l("Enter the handle, for example @name."),
    "too_long": _l("A handle has at most %(max)d characters.", max=rules.MAX_LENGTH),
    "url": _l(
        "That address is not a profile on this platform. Enter the handle (@name) or the "
        "profile's address."
    ),
    "characters": _l(
        "A handle holds letters, digits, dots, hyphens and underscores only "
        "(on Mastodon: name@server)."
    ),
}


def normalised(platform: str, text: str) -> str:
    """The handle's stored form; :class:`Refused` with what is wrong."""
    try:
        return rules.normalise(platform, text)
    except rules.HandleProblem as problem:
        raise Refused(PROBLEMS[problem.code]) from None


def register(user: User, platform: str, text: str, display_name: str) -> SocialHandle:
    """Operation: ``user`` says the account ``text`` on ``platform`` is theirs, shown on
    the public check as ``display_name``; commit.

    :raise Refused: the handle cannot be read, the display name is empty or too long, the
        person has registered it already or holds too many, or someone else registered it.
    """
    handle = normalised(platform, text)
    display_name = " ".join(display_name.split())
    if not display_name:
        raise Refused(_l("Enter the name the public check shows for this account."))
    if len(display_name) > MAX_DISPLAY_NAME:
        raise Refused(_l("A display name has at most %(max)d characters.", max=MAX_DISPLAY_NAME))
    owner = read.owner_of(platform, handle)
    if owner == user.id:
        raise Refused(_l("You have registered this handle already."))
    if owner is not None:
        raise Refused(_taken())
    if len(read.of_person(user.id)) >= MAX_PER_PERSON:
        raise Refused(_l("You can register at most %(max)d handles.", max=MAX_PER_PERSON))
    row = SocialHandle(user_id=user.id, platform=platform, handle=handle, display_name=display_name)
    db.session.add(row)
    try:
        db.session.flush()  # the audit event names the row by its id
    except IntegrityError:  # registered by someone else a moment ago
        db.session.rollback()
        raise Refused(_taken()) from None
    audit.record("handle.registered", actor=user, subject=user, after=_facts(row))
    db.session.commit()
    return row


def _taken():
    return _l(
        "Someone else in the company has registered this handle. If the account is yours, "
        "ask HR or marketing to look into it."
    )


def remove_own(user: User, handle_id: int) -> None:
    """Operation: ``user`` removes one of their own handles; commit.

    :raise Refused: no such handle of theirs.
    """
    row = read.get(handle_id)
    if row is None or row.user_id != user.id:
        raise Refused(_l("You have no such handle (it may have been removed already)."))
    audit.record(
        "handle.removed", actor=user, subject=user, before=_facts(row), after={"reason": None}
    )
    db.session.delete(row)
    db.session.commit()


def remove(handle_id: int, actor: User, reason: str) -> None:
    """Operation: HR or marketing removes someone's handle (not theirs, an impostor's
    claim), giving the reason the audit trail keeps; commit.

    :raise Refused: no reason, or no such handle.
    """
    reason = " ".join(reason.split())
    if not reason:
        raise Refused(_l("Say why the handle is removed: the audit trail keeps the reason."))
    if len(reason) > MAX_REASON:
        raise Refused(_l("A reason has at most %(max)d characters.", max=MAX_REASON))
    row = read.get(handle_id)
    if row is None:
        raise Refused(_l("That handle was removed already."))
    audit.record(
        "handle.removed",
        actor=actor,
        subject_id=row.user_id,
        before=_facts(row),
        after={"reason": reason},
    )
    db.session.delete(row)
    db.session.commit()


def verify(platform: str, text: str, now: datetime) -> read.Representative | None:
    """Operation: the public check, "is ``text`` on ``platform`` a cleared representative
    right now?", counted for the day; commit. None for every kind of no (unknown, not
    cleared, left), so the answer tells nothing more.

    :raise Refused: the platform is unknown or the handle cannot be read (not counted).
    """
    handle = normalised(platform, text)
    answer = read.representative(platform, handle, now)
    count_lookup(platform, answer is not None, now.date())
    return answer


def count_lookup(platform: str, answered_yes: bool, day: date) -> None:
    """Operation: one more public check about ``platform`` on ``day``; commit. Only the
    count: not who asked, nor which handle."""
    key = {"day": day, "platform": platform, "answered_yes": answered_yes}
    for _attempt in range(2):
        updated = db.session.execute(
            sa.update(HandleLookupCount)
            .filter_by(**key)
            .values(count=HandleLookupCount.count + 1)
            .execution_options(synchronize_session=False)
        )
        if updated.rowcount:  # type: ignore[attr-defined]
            db.session.commit()
            return
        try:
            with db.session.begin_nested():
                db.session.add(HandleLookupCount(**key, count=1))
            db.session.commit()
            return
        except IntegrityError:  # another request added today's row first: count in it
            continue


def _facts(row: SocialHandle) -> dict:
    """The audit trail's view of a handle: the handle and its display name are personal
    data and stay in their row (deleted on removal or erasure)."""
    return {"platform": row.platform, "handle_id": row.id}


#: The platforms' names as people read them (a few differ by language: 微信 is WeChat).
PLATFORM_NAMES = {
    "linkedin": _l("LinkedIn"),
    "x": _l("X (Twitter)"),
    "instagram": _l("Instagram"),
    "facebook": _l("Facebook"),
    "tiktok": _l("TikTok"),
    "youtube": _l("YouTube"),
    "threads": _l("Threads"),
    "bluesky": _l("Bluesky"),
    "mastodon": _l("Mastodon"),
    "weibo": _l("Weibo"),
    "wechat": _l("WeChat"),
    "other": _l("Other"),
}
