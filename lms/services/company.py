"""Company settings: the values filled into course text's ``{{company.KEY}}`` markers.

The keys, labels and defaults are listed in :mod:`lms.content.company`; this module
stores what an administrator sets (in the browser or with ``flask lms company set``).
Learners see a change on their next page: filled content is cached under a hash of the
values (:mod:`lms.queries.company`).
"""

import re
import secrets
from collections.abc import Mapping
from typing import cast

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from lms.content import company
from lms.extensions import db
from lms.models import CompanySetting
from lms.models import CompanySettingsVersion
from lms.models import User
from lms.models import utcnow
from lms.services import Refused
from lms.services import audit

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def set_values(
    values: Mapping[str, str], actor: User | None, *, via: str | None = None
) -> list[str]:
    """Operation: store ``values`` (key -> value; "" clears a key: its default, or none,
    applies again), one audit event per changed key, and commit. Returns the keys that
    changed; a value equal to the stored one changes nothing and records nothing.
    ``via`` ("cli") says in the audit event how a change without an actor was made.

    :raise Refused: an unknown key, a value on several lines or longer than
        :data:`lms.content.company.MAX_VALUE` characters. Nothing changes then.
    """
    cleaned = {key: _checked(key, value) for key, value in values.items()}
    stored = {
        row.key: row
        for row in db.session.scalars(
            sa.select(CompanySetting).where(CompanySetting.key.in_(list(cleaned)))
        )
    }
    changed = []
    for key, value in cleaned.items():
        row = stored.get(key)
        before = row.value if row is not None else ""
        if value == before:
            continue
        _write(key, value, row, actor)
        audit.record(
            "company.setting_changed",
            actor=actor,
            before={"key": key, "value": before or None},
            after={"key": key, "value": value or None} | ({"via": via} if via else {}),
        )
        changed.append(key)
    if changed:
        _new_version()
    try:
        db.session.commit()
    except IntegrityError as exc:  # another administrator set the same new key just now
        db.session.rollback()
        raise Refused(
            _l("Someone else changed the company settings at the same moment. Try again.")
        ) from exc
    return changed


def _checked(key: str, value: str) -> str:
    setting = company.BY_KEY.get(key)
    if setting is None:
        raise Refused(_l("There is no company setting “%(key)s”.", key=key[:64]))
    value = value.strip()
    if _CONTROL.search(value):
        raise Refused(
            _l("%(setting)s: enter one line without control characters.", setting=_l(setting.label))
        )
    if len(value) > company.MAX_VALUE:
        raise Refused(
            _l(
                "%(setting)s: enter at most %(max)d characters.",
                setting=_l(setting.label),
                max=company.MAX_VALUE,
            )
        )
    return value


def _write(key: str, value: str, row: CompanySetting | None, actor: User | None) -> None:
    if not value:
        if row is not None:
            db.session.delete(row)
        return
    if row is None:
        row = CompanySetting(key=key)
        db.session.add(row)
    row.value, row.updated_at = value, utcnow()
    row.updated_by_id = actor.id if actor else None


def _new_version() -> None:
    """Name the new state (lms.models.CompanySettingsVersion): caches keyed by the old
    name are not used again. An UPDATE, so two changes at once are serialised by its row
    lock and the last to commit names the state that includes both."""
    version = secrets.token_hex(16)
    updated = db.session.execute(
        sa.update(CompanySettingsVersion)
        .where(CompanySettingsVersion.id == 1)
        .values(version=version)
    )
    if not cast(sa.CursorResult, updated).rowcount:  # the first change ever
        db.session.add(CompanySettingsVersion(id=1, version=version))
