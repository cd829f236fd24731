"""Who and what may reach the application: API tokens."""

import sqlalchemy as sa

from lms.extensions import db
from lms.models import ApiToken


def api_tokens() -> list[ApiToken]:
    """Every token, revoked ones included, oldest first."""
    return list(db.session.scalars(sa.select(ApiToken).order_by(ApiToken.id)))
