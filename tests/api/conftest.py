import pytest

from lms.extensions import db
from lms.models import ApiToken


@pytest.fixture
def token(app):
    """A live API token (the plain text, as a client would hold it)."""
    row, plain = ApiToken.issue("another system")
    db.session.add(row)
    db.session.commit()
    return plain
