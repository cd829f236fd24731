"""Pushing the cleared people to an advocacy tool (Hootsuite Amplify, Sprout Social,
EveryoneSocial, DSMN8, …) over SCIM 2.0, as one group ("Cleared representatives"), so
that the tool where people post knows at once who may speak for the company.

This LMS is the SCIM *client* here (scim2-client over httpx2); the tool is the server.
One target, from the settings (``SCIM_PUSH_URL``, ``SCIM_PUSH_TOKEN``,
``SCIM_PUSH_GROUP_NAME``): a company runs one advocacy tool at a time, and its token
stays in the deployment's secrets rather than in the database.

- People are matched on the target by ``userName`` = their email (lower case): the tools
  sign people in by company email, and an identity provider that provisions them too
  uses it, so a person already there is found, not created twice. ``externalId`` carries
  the employee id. A person not found is created (and then this LMS owns that account).
- :func:`push` follows the outbox (``clearance.changed``, ``person.deactivated``,
  ``person.reactivated``) from its own cursor, a batch at a time; for each person named
  it compares the group with the stored clearance *now* (never with the event's payload,
  so order and repeats do not matter) and adds or removes them with one PATCH. The
  cursor moves only after the target accepted the batch: a target that is down loses no
  change, the next run starts where this one stopped.
- :func:`reconcile` (daily, and the first push) reads the group's members and the
  cleared people (one set-based read) and fixes every difference, including members
  added by hand on the target and events a cursor can miss (two transactions may commit
  out of id order: see docs/architecture.md, "Events").
- A leaver is taken out of the group; their account is deactivated on the target too
  when this LMS created it (``SCIM_PUSH_DEACTIVATE_LEAVERS``); accounts the tool or the
  identity provider made are theirs to close.

Every change on the target is an audit event (``scim_push.added``, ``scim_push.removed``,
``scim_push.deactivated``) and a log line; the target's row keeps the last success and
the last error for the admin page.
"""

import logging
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime

import httpx2
import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from scim2_client import SCIMClientException
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_models import Group
from scim2_models import NotFoundException
from scim2_models import PatchOp
from scim2_models import SCIMException
from scim2_models import ScimProvider
from scim2_models import SearchRequest
from scim2_models import User as ScimUser

from lms.extensions import db
from lms.models import AuditEvent
from lms.models import ScimPushAccount
from lms.models import ScimPushTarget
from lms.models import utcnow
from lms.queries import scim_push as read
from lms.queries.scim_push import Person
from lms.services import Refused
from lms.services import bulk

log = logging.getLogger(__name__)
#: Outbox events read, and people sent in one PATCH, per step.
BATCH = 200
#: Longest error text kept for the admin page.
MAX_ERROR = 1000

Progress = Callable[[str, int, int], None]


class TargetUnavailable(Exception):
    """The target did not answer, or answered with an error: nothing was recorded as
    pushed, and the next run tries again from the same place."""


@dataclass
class PushReport:
    events: int = 0
    added: int = 0
    removed: int = 0
    deactivated: int = 0
    created: int = 0
    reconciled: bool = False
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "events": self.events,
            "added": self.added,
            "removed": self.removed,
            "deactivated": self.deactivated,
            "created": self.created,
            "reconciled": self.reconciled,
        }


# --- The target, through scim2-client -----------------------------------------------------


class Target:
    """The few SCIM requests the push makes, each turning any failure (network, HTTP
    status, SCIM error, malformed answer) into :class:`TargetUnavailable`."""

    def __init__(self, url: str, token: str, timeout: float) -> None:
        self.http = httpx2.Client(
            base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=timeout
        )
        # The standard User and Group, without discovery: tools publish their schemas
        # unevenly, and the push needs only the core attributes.
        self.scim = SyncSCIMClient(self.http, provider=ScimProvider(models=[ScimUser, Group]))

    def close(self) -> None:
        self.http.close()

    def find_group(self, name: str) -> str | None:
        found = self._call(self.scim.query, Group, query_parameters=_search("displayName", name))
        return found.resources[0].id if found.resources else None

    def create_group(self, name: str) -> str:
        return self._call(self.scim.create, Group.model_validate({"displayName": name})).id

    def members(self, group_id: str) -> set[str]:
        group = self._call(self.scim.query, Group, group_id)
        return {member.value for member in group.members or [] if member.value}

    def find_user(self, user_name: str) -> str | None:
        search = _search("userName", user_name)
        found = self._call(self.scim.query, ScimUser, query_parameters=search)
        return found.resources[0].id if found.resources else None

    def create_user(self, person: Person) -> str:
        email = person.email.lower()
        user: ScimUser = ScimUser.model_validate(
            {
                "userName": email,
                "externalId": person.employee_id,
                "displayName": person.name,
                "emails": [{"value": email, "primary": True, "type": "work"}],
                "active": True,
            }
        )
        return self._call(self.scim.create, user).id

    def set_active(self, remote_id: str, active: bool) -> None:
        patch = _patch(ScimUser, [{"op": "replace", "path": "active", "value": active}])
        self._call(self.scim.modify, ScimUser, remote_id, patch)

    def add_members(self, group_id: str, remote_ids: list[str]) -> None:
        for chunk in _chunks(remote_ids):
            value = [{"value": remote_id} for remote_id in chunk]
            patch = _patch(Group, [{"op": "add", "path": "members", "value": value}])
            self._call(self.scim.modify, Group, group_id, patch)

    def remove_members(self, group_id: str, remote_ids: list[str]) -> None:
        for chunk in _chunks(remote_ids):
            operations = [{"op": "remove", "path": f"members[{_eq('value', r)}]"} for r in chunk]
            self._call(self.scim.modify, Group, group_id, _patch(Group, operations))

    def _call(self, method, *args, **kwargs):
        try:
            return method(*args, **kwargs)
        except (SCIMClientException, SCIMException, httpx2.HTTPError, ValueError) as exc:
            raise TargetUnavailable(_describe(exc)) from exc


def _search(attribute: str, value: str) -> SearchRequest:
    return SearchRequest.model_validate({"filter": _eq(attribute, value)})


def _patch(model: type, operations: list[dict]) -> PatchOp:
    """A PATCH request body; built from JSON, as the protocol writes it."""
    return PatchOp[model].model_validate({"Operations": operations})  # type: ignore[valid-type]


def _eq(attribute: str, value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'{attribute} eq "{escaped}"'


def _chunks(items: list[str], size: int = BATCH) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _describe(exc: Exception) -> str:
    notes = "; ".join(getattr(exc, "__notes__", []))
    text = f"{type(exc).__name__}: {exc}".rstrip(": ")
    return f"{text} ({notes})" if notes else text


# --- Operations ---------------------------------------------------------------------------


def push(now: datetime | None = None, progress: Progress | None = None) -> PushReport:
    """Operation: push the changes past the target's cursor, a batch at a time, each
    committed with the cursor once the target accepted it; the first push of a target
    is a :func:`reconcile`.

    :raise Refused: the push is not configured.
    :raise TargetUnavailable: the target failed; the cursor stays before the failed
        batch, and the error is recorded for the admin page.
    """
    now = now or utcnow()
    progress = progress or _silent
    with _session() as (row, target):
        if row.cursor is None or row.group_id is None:
            return _reconcile(row, target, now, progress)
        report = PushReport()
        while batch := read.pending(row.cursor, BATCH):
            progress("pushing", report.events, report.events + len(batch))
            user_ids = {user_id for _, user_id in batch if user_id is not None}
            _apply(row, target, read.people(user_ids, now), report)
            row.cursor = batch[-1][0]
            row.last_success_at = utcnow()
            row.last_error = None
            report.events += len(batch)
            db.session.commit()
        row.last_success_at = utcnow()
        db.session.commit()
        return report


def reconcile(now: datetime | None = None, progress: Progress | None = None) -> PushReport:
    """Operation: make the target's group hold exactly the people cleared now (the daily
    run, and a button for admins); commit.

    :raise Refused: the push is not configured.
    :raise TargetUnavailable: the target failed; the error is recorded.
    """
    now = now or utcnow()
    with _session() as (row, target):
        return _reconcile(row, target, now, progress or _silent)


@contextmanager
def _session() -> Iterator[tuple[ScimPushTarget, Target]]:
    config = current_app.config
    url = read.configured_url()
    if not url:
        raise Refused(_l("The SCIM push is off: set SCIM_PUSH_URL (and SCIM_PUSH_TOKEN)."))
    row = _target_row(url)
    target = Target(url, config["SCIM_PUSH_TOKEN"], config["SCIM_PUSH_TIMEOUT"])
    try:
        yield row, target
    except TargetUnavailable as failure:
        db.session.rollback()
        _record_failure(url, str(failure))
        raise
    finally:
        target.close()


def _target_row(url: str) -> ScimPushTarget:
    row = read.target(url)
    if row is None:
        db.session.add(ScimPushTarget(base_url=url))
        try:
            db.session.commit()
        except sa.exc.IntegrityError:  # another worker added it first
            db.session.rollback()
        row = read.target(url)
    assert row is not None
    return row


def _record_failure(url: str, message: str) -> None:
    log.warning("SCIM push to %s failed: %s", url, message)
    row = _target_row(url)
    row.last_error = message[:MAX_ERROR]
    row.last_error_at = utcnow()
    db.session.commit()


def _silent(_phase: str, _done: int, _total: int) -> None:
    """No progress to report to."""


# --- Steps --------------------------------------------------------------------------------


def _reconcile(row: ScimPushTarget, target: Target, now: datetime, progress: Progress):
    report = PushReport(reconciled=True)
    group_name = current_app.config["SCIM_PUSH_GROUP_NAME"]
    first_cursor = read.last_event_id()  # events after this are pushed again: harmless
    progress("reconciling", 0, 3)
    if row.group_id is None or not _group_exists(target, row.group_id):
        row.group_id = target.find_group(group_name) or target.create_group(group_name)
    cleared = read.cleared_people(now)
    remote_of = {user_id: a.remote_id for user_id, a in read.accounts(row.id).items()}
    progress("accounts", 1, 3)
    for chunk in _person_chunks([p for p in cleared if p.id not in remote_of]):
        ensured = _ensure_accounts(row, target, chunk, report)
        remote_of.update({user_id: a.remote_id for user_id, a in ensured.items()})
        db.session.commit()
    members = target.members(row.group_id)
    wanted = {remote_of[p.id]: p.id for p in cleared}
    by_remote = {remote_id: user_id for user_id, remote_id in remote_of.items()}
    progress("members", 2, 3)
    to_add = sorted(set(wanted) - members)
    to_remove = sorted(members - set(wanted))
    target.add_members(row.group_id, to_add)
    target.remove_members(row.group_id, to_remove)
    _audit_many("scim_push.added", [wanted[r] for r in to_add], row, group_name)
    _audit_many(
        "scim_push.removed", [by_remote[r] for r in to_remove if r in by_remote], row, group_name
    )
    strangers = [r for r in to_remove if r not in by_remote]
    if strangers:
        log.info("SCIM push: %d member(s) unknown here removed from %s", len(strangers), group_name)
    report.added, report.removed = len(to_add), len(to_remove)
    _mark_members(row, now)
    _deactivate_leavers(row, target, read.leavers_to_deactivate(row.id), report)
    if row.cursor is None:
        row.cursor = first_cursor
    row.last_reconcile_at = row.last_success_at = utcnow()
    row.last_error = None
    db.session.commit()
    progress("members", 3, 3)
    return report


def _group_exists(target: Target, group_id: str) -> bool:
    """Whether the group is still on the target (someone may have deleted it there)."""
    try:
        target.members(group_id)
    except TargetUnavailable as failure:
        if isinstance(failure.__cause__, NotFoundException):
            return False
        raise
    return True


def _apply(row: ScimPushTarget, target: Target, people: list[Person], report: PushReport):
    """Bring these people's membership (and leavers' accounts) up to date: the requests
    first, then the rows, so the transaction holds no write lock while the target thinks."""
    assert row.group_id is not None
    group_name = current_app.config["SCIM_PUSH_GROUP_NAME"]
    known = read.accounts(row.id, [p.id for p in people])
    joining = [p for p in people if p.cleared and not (p.id in known and known[p.id].in_group)]
    known.update(_ensure_accounts(row, target, [p for p in joining if p.id not in known], report))
    leaving = [p for p in people if not p.cleared and p.id in known and known[p.id].in_group]
    for person in joining:
        account = known[person.id]
        if account.deactivated:  # a returner whose account this LMS had closed
            target.set_active(account.remote_id, True)
            account.deactivated = False
    target.add_members(row.group_id, [known[p.id].remote_id for p in joining])
    target.remove_members(row.group_id, [known[p.id].remote_id for p in leaving])
    for person in joining:
        known[person.id].in_group = True
    for person in leaving:
        known[person.id].in_group = False
    _audit_many("scim_push.added", [p.id for p in joining], row, group_name)
    _audit_many("scim_push.removed", [p.id for p in leaving], row, group_name)
    report.added += len(joining)
    report.removed += len(leaving)
    gone = [known[p.id] for p in people if not p.active and p.id in known]
    _deactivate_leavers(
        row, target, [a for a in gone if a.created_here and not a.deactivated], report
    )


def _ensure_accounts(
    row: ScimPushTarget, target: Target, people: list[Person], report: PushReport
) -> dict[int, ScimPushAccount]:
    """Find each person's account on the target by userName, or create it; recorded."""
    found = {}
    for person in people:
        remote_id = target.find_user(person.email.lower())
        created = remote_id is None
        if remote_id is None:
            remote_id = target.create_user(person)
            report.created += 1
        account = ScimPushAccount(
            target_id=row.id,
            user_id=person.id,
            remote_id=remote_id,
            created_here=created,
            in_group=False,
            deactivated=False,
        )
        found[person.id] = db.session.merge(account)
    return found


def _deactivate_leavers(
    row: ScimPushTarget, target: Target, accounts: list[ScimPushAccount], report: PushReport
) -> None:
    if not current_app.config["SCIM_PUSH_DEACTIVATE_LEAVERS"]:
        return
    for account in accounts:
        target.set_active(account.remote_id, False)
        account.deactivated = True
    _audit_many("scim_push.deactivated", [a.user_id for a in accounts], row, None)
    report.deactivated += len(accounts)


def _mark_members(row: ScimPushTarget, now: datetime) -> None:
    """Set-based: the accounts of people cleared now are in the group, the others not."""
    cleared = read.cleared_ids(now)
    accounts = sa.update(ScimPushAccount).where(ScimPushAccount.target_id == row.id)
    db.session.execute(
        accounts.where(ScimPushAccount.user_id.in_(cleared)).values(in_group=True),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(
        accounts.where(ScimPushAccount.user_id.not_in(cleared)).values(in_group=False),
        execution_options={"synchronize_session": False},
    )
    db.session.expire_all()


def _person_chunks(people: list[Person]) -> Iterator[list[Person]]:
    for start in range(0, len(people), BATCH):
        yield people[start : start + BATCH]


def _audit_many(action: str, user_ids: list[int], row: ScimPushTarget, group: str | None):
    """One audit event per person, written in bulk (a first reconcile adds everyone)."""
    if not user_ids:
        return
    log.info("SCIM push to %s: %s for %d person(s)", row.base_url, action, len(user_ids))
    after = {"target": row.base_url} | ({"group": group} if group else {})
    now = utcnow()
    bulk.insert(
        AuditEvent.__table__,
        [
            {
                "occurred_at": now,
                "actor_id": None,
                "action": action,
                "subject_user_id": user_id,
                "course_id": None,
                "before": None,
                "after": after,
            }
            for user_id in user_ids
        ],
    )
