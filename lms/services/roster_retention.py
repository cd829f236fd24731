"""How long uploaded roster files are kept.

An upload holds the whole HR export (names, emails, managers) and is needed only between
its preview and its application. Files uploaded more than ``ROSTER_UPLOAD_RETENTION_DAYS``
ago (default 30) are deleted by ``flask lms roster purge-uploads``, which the daily job
``flask lms assignments run`` also runs. What an import changed stays in the audit trail,
which names the file and its SHA-256.
"""

from datetime import datetime
from datetime import timedelta
from typing import cast

import sqlalchemy as sa
from flask import current_app

from lms.extensions import db
from lms.models import RosterUpload

DEFAULT_DAYS = 30


def retention_days() -> int:
    return int(current_app.config.get("ROSTER_UPLOAD_RETENTION_DAYS", DEFAULT_DAYS))


def purge_uploads(now: datetime, days: int | None = None) -> int:
    """Delete uploads older than ``days`` (default: the configured retention); commit.

    :return: how many were deleted.
    """
    days = retention_days() if days is None else days
    deleted = db.session.execute(
        sa.delete(RosterUpload)
        .where(RosterUpload.uploaded_at < now - timedelta(days=days))
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return cast(sa.CursorResult, deleted).rowcount  # typed as Result; is a CursorResult
