"""A course without an attestation block certifies on the pass, as it always did."""

import sqlalchemy as sa

from lms.extensions import db
from lms.models import Attestation
from lms.models import Certification
from tests.helpers import COURSE
from tests.helpers import answer_form
from tests.helpers import latest_attempt
from tests.helpers import read_all_modules
from tests.helpers import sign_in
from tests.helpers import text_of


def test_passing_certifies_at_once_without_an_affirm_page(client, employee):
    sign_in(client, employee)
    read_all_modules(client, COURSE, ["say-who-you-are", "keep-secrets"])
    client.post(f"/training/{COURSE}/quiz")
    attempt = latest_attempt(employee)
    response = client.post(f"/training/attempts/{attempt.id}", data=answer_form(attempt))
    assert response.headers["Location"].endswith(f"/training/attempts/{attempt.id}/result")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certification)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attestation)) == 0
    assert "One step left" not in text_of(client.get("/training"))
    affirm_page = client.get(f"/training/attempts/{attempt.id}/affirm")
    assert affirm_page.headers["Location"].endswith(f"/training/attempts/{attempt.id}/result")
