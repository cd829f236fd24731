"""A course that asks for a written attestation certifies only once the learner affirms
its policy and signs with their name: through HTTP, on every database."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.models import Attestation
from lms.models import Certification
from lms.models import Clearance
from lms.models import OutboxEvent
from lms.models import QuizAttempt
from lms.models import Role
from lms.queries import catalog
from tests.helpers import COURSE
from tests.helpers import PASSWORD
from tests.helpers import affirm
from tests.helpers import answer_form
from tests.helpers import at_once
from tests.helpers import attesting_content
from tests.helpers import csrf_token_of
from tests.helpers import csv_rows
from tests.helpers import events
from tests.helpers import latest_attempt
from tests.helpers import read_all_modules
from tests.helpers import sign_in
from tests.helpers import text_of

MODULES = ["say-who-you-are", "keep-secrets"]
STATEMENT = "I have read the Policy basics, version 1.0, and I will follow it."


@pytest.fixture(scope="session")
def attesting_root(tmp_path_factory):
    return attesting_content(tmp_path_factory.mktemp("attesting"))


@pytest.fixture
def content_root(attesting_root):
    return attesting_root


@pytest.fixture
def learner(make_user):
    return make_user(name="Zoë  Martín-López", email="zoe@example.com", preferred_language="en")


def pass_quiz(client, person) -> QuizAttempt:
    """Sign in, read, pass; returns the attempt (the submission's answer asserted)."""
    sign_in(client, person)
    read_all_modules(client, COURSE, MODULES)
    client.post(f"/training/{COURSE}/quiz")
    attempt = latest_attempt(person)
    response = client.post(f"/training/attempts/{attempt.id}", data=answer_form(attempt))
    assert response.headers["Location"].endswith(f"/training/attempts/{attempt.id}/affirm")
    return attempt


def certifications() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Certification))


def cleared(person) -> bool:
    db.session.expire_all()
    row = db.session.get(Clearance, person.id)
    return bool(row and row.cleared)


def test_a_pass_waits_for_the_affirmation_then_certifies(client, learner):
    attempt = pass_quiz(client, learner)
    assert certifications() == 0 and not cleared(learner)
    page = text_of(client.get(f"/training/attempts/{attempt.id}/affirm"))
    assert STATEMENT in page and "Zoë Martín-López" in page

    wrong = affirm(client, attempt, "Zoe Martin Lopez")
    assert wrong.status_code == 400
    assert "is not the name on your account" in text_of(wrong)
    unticked = affirm(client, attempt, "Zoë Martín-López", ticked=False)
    assert unticked.status_code == 400
    assert "Tick the box to affirm the statement." in text_of(unticked)
    assert certifications() == 0 and not cleared(learner)
    assert events("certification.attested") == []

    # Case, spacing and Unicode forms (decomposed accents) do not matter:
    typed = "  zoë MARTI\u0301N-LÓPEZ "
    response = affirm(client, attempt, typed)
    assert response.headers["Location"].endswith(f"/training/attempts/{attempt.id}/result")
    assert certifications() == 1 and cleared(learner)
    record = db.session.scalar(sa.select(Attestation))
    version = catalog.latest_version(COURSE)
    assert (record.statement, record.lang, record.version) == (STATEMENT, "en", "1.0")
    assert record.content_hash == version.content_hash and len(record.content_hash) == 64
    assert record.typed_name == typed.strip() and record.ip_address == "127.0.0.1"
    assert record.user_id == learner.id and record.attempt_id == attempt.id
    [event] = events("certification.attested")
    assert event.actor_id == learner.id and event.subject_user_id == learner.id
    assert event.after["statement"] == STATEMENT
    assert event.after["content_hash"] == version.content_hash
    assert event.after["attestation_id"] == record.id and event.after["lang"] == "en"
    assert "ip_address" not in event.after and "typed_name" not in event.after  # in the row
    kinds = list(db.session.scalars(sa.select(OutboxEvent.kind).order_by(OutboxEvent.id)))
    assert kinds[-2:] == ["certification.issued", "clearance.changed"]
    assert "You may represent the brand until" in text_of(
        client.get(f"/training/attempts/{attempt.id}/result")
    )


def test_the_wait_shows_on_the_pages_and_survives_signing_out(client, learner):
    attempt = pass_quiz(client, learner)
    client.post("/logout")
    sign_in(client, learner)
    affirm_link = f'href="/training/attempts/{attempt.id}/affirm"'
    for page in ("/training", f"/training/{COURSE}", f"/training/{COURSE}/quiz"):
        html = client.get(page).get_data(as_text=True)
        assert "One step left: affirm the policy" in html and affirm_link in html, page
    result = client.get(f"/training/attempts/{attempt.id}/result").get_data(as_text=True)
    assert affirm_link in result
    # No new attempt while the pass waits: the quiz says what is left instead.
    refused = text_of(client.post(f"/training/{COURSE}/quiz"))
    assert "one step left, affirm the policy" in refused
    assert latest_attempt(learner).id == attempt.id


def test_a_pass_not_affirmed_within_30_days_lapses(client, learner):
    attempt = pass_quiz(client, learner)
    db.session.execute(
        sa.update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id)
        .values(submitted_at=attempt.submitted_at - timedelta(days=31))
    )
    db.session.commit()
    assert "One step left" not in text_of(client.get("/training"))
    response = client.get(f"/training/attempts/{attempt.id}/affirm")
    assert response.headers["Location"].endswith(f"/training/attempts/{attempt.id}/result")
    result = text_of(client.get(f"/training/attempts/{attempt.id}/result"))
    assert "can no longer be affirmed" in result
    late = affirm(client, attempt, learner.name)
    assert late.headers["Location"].endswith(f"/training/attempts/{attempt.id}/result")
    assert certifications() == 0
    client.post(f"/training/{COURSE}/quiz")  # a new attempt may start
    assert latest_attempt(learner).id != attempt.id


def test_the_statement_is_in_the_learners_language_else_the_source(client, make_user):
    hebrew = make_user(name="נועה כהן", preferred_language="he")
    attempt = pass_quiz(client, hebrew)
    page = client.get(f"/training/attempts/{attempt.id}/affirm").get_data(as_text=True)
    assert "קראתי את יסודות המדיניות, גרסה 1.0, ואפעל לפיה." in page
    assert 'lang="he" dir="rtl"' in page
    affirm(client, attempt, "נועה כהן", lang="he")
    chinese = make_user(name="Li Wei", preferred_language="zh_Hans")
    client.post("/logout")
    attempt = pass_quiz(client, chinese)
    affirm(client, attempt, "li wei", lang="zh_Hans")
    langs = dict(db.session.execute(sa.select(Attestation.user_id, Attestation.lang)).all())
    assert langs == {hebrew.id: "he", chinese.id: "en"}  # no Chinese statement: English


def test_someone_else_cannot_affirm_a_pass(client, app, learner, make_user):
    attempt = pass_quiz(client, learner)
    client.post("/logout")
    other = make_user(name="Mallory")
    sign_in(client, other)
    assert client.get(f"/training/attempts/{attempt.id}/affirm").status_code == 404
    assert affirm(client, attempt, "Mallory").status_code == 404
    assert affirm(client, attempt, learner.name).status_code == 404
    assert certifications() == 0 and events("certification.attested") == []


def test_affirming_twice_certifies_once(client, learner):
    attempt = pass_quiz(client, learner)
    assert affirm(client, attempt, learner.name).status_code == 302
    again = affirm(client, attempt, learner.name)
    assert again.headers["Location"].endswith(f"/training/attempts/{attempt.id}/result")
    assert certifications() == 1 and len(events("certification.attested")) == 1


@pytest.mark.fresh_database  # two threads, each with its own connection
def test_two_tabs_affirming_at_once_certify_once(app, learner):
    from lms.models import User
    from lms.services import attestation

    attempt = pass_quiz(app.test_client(), learner)

    def affirm_now():
        person = db.session.get(User, learner.id)
        mine = db.session.get(QuizAttempt, attempt.id)
        try:
            attestation.attest(
                person, mine, lang="en", typed_name=person.name, affirmed=True, ip_address=None
            )
            return "certified"
        except attestation.Refused:
            return "refused"

    assert sorted(at_once(app, affirm_now)) == ["certified", "refused"]
    assert certifications() == 1 and len(events("certification.attested")) == 1


@pytest.mark.parametrize("app_config", [{"PROXY_FIX_X_FOR": 1}])
@pytest.mark.parametrize(
    ("forwarded", "stored"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:DB8:0::1", "2001:db8::1"),  # canonical
        ("x" * 60, "x" * 45),  # whatever a proxy says: kept, never a server error
    ],
)
def test_the_clients_address_comes_through_the_trusted_proxy(client, learner, forwarded, stored):
    attempt = pass_quiz(client, learner)
    response = client.post(
        f"/training/attempts/{attempt.id}/affirm",
        data={"affirm": "y", "name": learner.name, "lang": "en"},
        headers={"X-Forwarded-For": forwarded},
    )
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Attestation.ip_address)) == stored


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_the_form_needs_its_csrf_token(client, learner):
    def post(path, data):
        """Post as the page at ``path`` would, with its CSRF token."""
        html = client.get(path).get_data(as_text=True)
        token = csrf_token_of(html)
        return client.post(path, data={**data, "csrf_token": token})

    post("/login", {"email": learner.email, "password": PASSWORD})
    for module_id in MODULES:
        post(f"/training/{COURSE}/modules/{module_id}", {"view": ""})
    post(f"/training/{COURSE}/quiz", {})
    attempt = latest_attempt(learner)
    post(f"/training/attempts/{attempt.id}", answer_form(attempt))
    affirm_page = f"/training/attempts/{attempt.id}/affirm"
    assert 'name="csrf_token"' in client.get(affirm_page).get_data(as_text=True)
    forged = affirm(client, attempt, learner.name)
    assert forged.status_code == 400 and certifications() == 0
    signed = post(affirm_page, {"affirm": "y", "name": learner.name, "lang": "en"})
    assert signed.status_code == 302 and certifications() == 1


def test_hr_sees_the_attestation_in_the_transcript_and_the_attempts_export(
    client, learner, make_user
):
    attempt = pass_quiz(client, learner)
    affirm(client, attempt, learner.name)
    client.post("/logout")
    hr = make_user(roles=[Role.HR])
    sign_in(client, hr)
    page = text_of(client.get(f"/hr/people/{learner.employee_id}"))
    record = db.session.scalar(sa.select(Attestation))
    assert "Signed “Zoë Martín-López”" in page  # the page collapses the double space
    assert STATEMENT in page and record.content_hash in page and "127.0.0.1" in page
    [row] = csv_rows(client.get("/hr/export/attempts.csv"))
    assert row["attested_name"] == learner.name and row["attestation_language"] == "en"
    assert row["attestation_ip"] == "127.0.0.1"
    assert row["attested_content_hash"] == record.content_hash
    assert row["attested_at"].endswith("Z")
