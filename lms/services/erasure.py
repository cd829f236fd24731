"""Erasure (GDPR Art. 17): pseudonymise a person, keep the evidence.

``flask lms person erase`` and the admin's person page come here. The person's account
row stays (their certifications, attempts, attestations, clearance history and audit
events point at it by id and are kept as compliance evidence: Art. 17(3)(b) and (e)), but
everything in it or elsewhere that identifies them is replaced or deleted: name, e-mail,
employee id, hire date, manager, password, sign-ins, password links, social handles, the
typed name and IP address of their attestations, reminder addresses, SCIM identifiers,
group display names, the sign-in log, roster files that contain them and job results
that mention them. The audit trail never held personal data (lms.services.audit), so it
stays as it is. Only an inactive person can be erased (``deactivate=True`` deactivates
them first, as a leaver). Erasing again changes nothing. See docs/privacy.md.
"""

import json
from typing import cast

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.extensions import db
from lms.models import Attestation
from lms.models import GroupMember
from lms.models import Job
from lms.models import ManagerDigest
from lms.models import PasswordLink
from lms.models import ReminderSent
from lms.models import RosterUpload
from lms.models import ScimUser
from lms.models import SignInAttempt
from lms.models import SocialHandle
from lms.models import User
from lms.models import UserSession
from lms.services import Refused
from lms.services import audit
from lms.services import events
from lms.services import search_terms
from lms.services import users

#: Pseudonymous e-mail addresses end here: ``.invalid`` can never be delivered (RFC 2606).
DOMAIN = "erased.invalid"


def pseudonyms(user_id: int) -> dict[str, str]:
    """The stable name, e-mail address and employee id an erased person gets."""
    return {
        "name": f"Erased person {user_id}",
        "email": f"erased-{user_id}@{DOMAIN}",
        "employee_id": f"erased-{user_id}",
    }


def is_erased(user: User) -> bool:
    return user.employee_id == pseudonyms(user.id)["employee_id"]


def erase(user: User, *, actor: User | None, deactivate: bool, via: str) -> bool:
    """Operation: pseudonymise ``user`` and delete what identifies them; commit.

    :param deactivate: deactivate an active person first (else they are refused).
    :param via: how it was asked (``cli``, ``admin``), for the audit trail.
    :return: False when they were erased already (nothing changes).
    :raise Refused: the person is active and ``deactivate`` is False, or they are the last
        active admin.
    """
    if is_erased(user):
        return False
    if user.active:
        if not deactivate:
            raise Refused(_l("This person is active: deactivate them first (they must have left)."))
        users.set_active(user, False, source=via, reason="erased", actor=actor)
    old = {"email": user.email, "employee_id": user.employee_id, "name": user.name}
    fake = pseudonyms(user.id)
    db.session.flush()
    # The claim: of two erasures at once, one finds the old employee id and goes on.
    claimed = db.session.execute(
        sa.update(User)
        .where(User.id == user.id, User.employee_id == old["employee_id"])
        .values(
            **fake,
            hire_date=None,
            manager_id=None,
            password_hash=None,
            roster_managed=False,  # a roster naming their old employee id adds a new person
        )
        .execution_options(synchronize_session=False)
    )
    if cast(sa.CursorResult, claimed).rowcount != 1:
        db.session.rollback()
        return False
    db.session.expire(user)
    # The bulk UPDATE went round the ORM hooks that keep the directory's search terms.
    search_terms.index([(user.id, fake["name"], fake["email"], fake["employee_id"])])
    counts = _forget(user, old, fake)
    audit.record("person.erased", actor=actor, subject=user, after={"via": via, "deleted": counts})
    events.record("person.erased", user_id=user.id)
    db.session.commit()
    return True


def _forget(user: User, old: dict[str, str], fake: dict[str, str]) -> dict[str, int]:
    """Delete or replace what identifies the person outside their account row; return how
    many rows of each kind were deleted."""
    uid = user.id
    deleted = {
        "sessions": UserSession.end_all([uid]),
        "password_links": _delete(PasswordLink, PasswordLink.user_id == uid),
        "handles": _delete(SocialHandle, SocialHandle.user_id == uid),
        "scim_identities": _delete(ScimUser, ScimUser.user_id == uid),
        "sign_in_attempts": _delete(
            SignInAttempt,
            sa.or_(
                SignInAttempt.user_id == uid,
                sa.func.lower(SignInAttempt.identifier).in_(
                    [old["email"].lower(), old["employee_id"].lower()]
                ),
            ),
        ),
        "roster_uploads": _delete_roster_uploads(old),
    }
    db.session.execute(
        sa.update(Attestation)
        .where(Attestation.user_id == uid)
        .values(typed_name=fake["name"], ip_address=None)
    )
    db.session.execute(
        sa.update(ReminderSent)
        .where(ReminderSent.user_id == uid)
        .values(to_addr=fake["email"], cc_addr=None, error=None)
    )
    # As a manager, their weekly digests went to them.
    db.session.execute(
        sa.update(ManagerDigest)
        .where(ManagerDigest.manager_id == uid)
        .values(to_addr=fake["email"], error=None)
    )
    # As a manager, they were copied on others' reminders.
    db.session.execute(
        sa.update(ReminderSent)
        .where(sa.func.lower(ReminderSent.cc_addr) == old["email"].lower())
        .values(cc_addr=fake["email"])
    )
    db.session.execute(
        sa.update(GroupMember).where(GroupMember.user_id == uid).values(display=None)
    )
    _scrub_jobs(old, fake)
    return deleted


def _delete(model, condition) -> int:
    result = db.session.execute(
        sa.delete(model).where(condition).execution_options(synchronize_session=False)
    )
    return result.rowcount  # type: ignore[attr-defined]


def _delete_roster_uploads(old: dict[str, str]) -> int:
    """Uploaded roster files that name them (a few, kept 30 days): the whole file goes."""
    needles = [old["email"].lower().encode(), old["employee_id"].lower().encode()]
    doomed = [
        upload_id
        for upload_id, content in db.session.execute(
            sa.select(RosterUpload.id, RosterUpload.content)
        )
        if any(needle in content.lower() for needle in needles)
    ]
    return _delete(RosterUpload, RosterUpload.id.in_(doomed)) if doomed else 0


def _scrub_jobs(old: dict[str, str], fake: dict[str, str]) -> None:
    """Job parameters, results and errors that name their e-mail address (a delivery
    error, say): the address is replaced. (Employee ids are too short to replace safely
    in free text; no job result holds one.)"""
    email = old["email"]
    text = [sa.cast(Job.params, sa.Text), sa.cast(Job.result, sa.Text), Job.error]
    for job in db.session.scalars(sa.select(Job).where(sa.or_(*(c.contains(email) for c in text)))):
        job.params = _replaced(job.params, email, fake["email"])
        job.result = _replaced(job.result, email, fake["email"])
        job.error = _replaced(job.error, email, fake["email"])


def _replaced(value, old: str, new: str):
    if value is None:
        return None
    if isinstance(value, str):
        return value.replace(old, new)
    return json.loads(json.dumps(value).replace(json.dumps(old)[1:-1], json.dumps(new)[1:-1]))
