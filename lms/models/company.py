"""Company settings: the values filled into course text's ``{{company.KEY}}`` markers."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.extensions import db
from lms.models.types import UTCDateTime
from lms.models.types import utcnow


class CompanySetting(db.Model):
    """One value an administrator set, the same in every language. The keys and their
    defaults are listed in code (``lms.content.company``); a key without a row has its
    default, or none."""

    __tablename__ = "company_settings"

    key: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    value: so.Mapped[str] = so.mapped_column(sa.Text)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )


class CompanySettingsVersion(db.Model):
    """One row naming the current state of the company settings: a new random ``version``
    with every change, written in the change's transaction. Pages key what they cache by
    it, and the module page reads it in its one statement, so a change shows at once on
    every server without reading the values on every request. Random, not a counter, so
    no two states ever share one (not even after a rolled-back change)."""

    __tablename__ = "company_settings_version"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)  # always 1
    version: so.Mapped[str] = so.mapped_column(sa.String(32))
