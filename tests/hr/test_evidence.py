"""Evidence packs through HTTP: what an auditor receives for one certification, for one
person, and for a department's period (a job), on every database."""

import csv
import hashlib
import io
import json
import zipfile
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.models import Certification
from lms.models import Job
from lms.models import JobFile
from lms.models import ModuleProgress
from lms.models import QuizAttempt
from lms.models import Role
from lms.queries import catalog
from lms.services import job_files
from tests.helpers import COURSE
from tests.helpers import affirm
from tests.helpers import answer_form
from tests.helpers import attesting_content
from tests.helpers import events
from tests.helpers import latest_attempt
from tests.helpers import read_module
from tests.helpers import sign_in
from tests.helpers import text_of

MODULES = ["say-who-you-are", "keep-secrets"]
PARTS = (
    "manifest.json",
    "index.html",
    "certifications.jsonl",
    "certifications.csv",
    "attempts.jsonl",
    "attempts.csv",
    "answers.csv",
    "audit_events.jsonl",
    "audit_events.csv",
)


@pytest.fixture(scope="session")
def attesting_root(tmp_path_factory):
    return attesting_content(tmp_path_factory.mktemp("evidence"))


@pytest.fixture
def content_root(attesting_root):
    return attesting_root


@pytest.fixture
def learner(make_user):
    return make_user(name="Ada Quinn", department="Sales", preferred_language="en")


@pytest.fixture
def hr(make_user):
    return make_user(roles=[Role.HR], name="Hanna Reyes")


def certify(client, person, seconds=(130, 75)) -> QuizAttempt:
    """Read each module for ``seconds``, pass the quiz, affirm the statement; sign out."""
    sign_in(client, person)
    for module_id, spent in zip(MODULES, seconds, strict=True):
        read_module(client, COURSE, module_id, spent)
    client.post(f"/training/{COURSE}/quiz")
    attempt = latest_attempt(person)
    client.post(f"/training/attempts/{attempt.id}", data=answer_form(attempt))
    assert affirm(client, attempt, person.name).status_code == 302
    client.post("/logout")
    db.session.expire_all()
    return db.session.get(QuizAttempt, attempt.id)


def certification_of(attempt: QuizAttempt) -> Certification:
    return db.session.scalar(sa.select(Certification).where(Certification.attempt_id == attempt.id))


def seconds_spent(attempt: QuizAttempt) -> dict[str, int]:
    rows = db.session.execute(
        sa.select(ModuleProgress.module_id, ModuleProgress.seconds_spent).where(
            ModuleProgress.enrollment_id == attempt.enrollment_id
        )
    )
    return dict(rows.all())


def unzip(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.get_data()))


def lines(pack: zipfile.ZipFile, name: str) -> list[dict]:
    return [json.loads(line) for line in pack.read(name).decode().splitlines()]


def csv_of(pack: zipfile.ZipFile, name: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(pack.read(name).decode("utf-8-sig"))))


def test_a_certifications_pack_holds_every_part_and_its_hashes(client, learner, hr, content_root):
    attempt = certify(client, learner)
    cert = certification_of(attempt)
    sign_in(client, hr)
    pack = unzip(client.get(f"/hr/certifications/{cert.id}/evidence.zip"))
    names = set(pack.namelist())
    assert set(PARTS) <= names

    # The manifest names every other file with its SHA-256, and who generated it.
    manifest = json.loads(pack.read("manifest.json"))
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    assert set(listed) == names - {"manifest.json"}
    for name, digest in listed.items():
        assert hashlib.sha256(pack.read(name)).hexdigest() == digest, name
    assert manifest["generated_by"]["employee_id"] == hr.employee_id
    assert manifest["generator"]["format"] and manifest["generated_at"]

    # The module and quiz files studied, byte for byte as the course files hold them.
    version = catalog.latest_version(COURSE)
    studied = [
        f"courses/{COURSE}/en/01-say-who-you-are.md",
        f"courses/{COURSE}/en/02-keep-secrets.md",
    ]
    studied.append(f"quizzes/{COURSE}/en.md")
    for path in studied:
        on_disk = hashlib.sha256((content_root / path).read_bytes()).hexdigest()
        in_pack = f"content/{COURSE}/{version.version}/{path}"
        assert listed[in_pack] == on_disk, path
    [check] = manifest["content"]
    assert check["files_match_published_hash"] is True
    assert check["content_hash"] == version.content_hash

    [record] = lines(pack, "certifications.jsonl")
    assert record["certification_id"] == cert.id and record["version"] == version.version
    spent = seconds_spent(attempt)
    assert spent["say-who-you-are"] >= 130 and spent["keep-secrets"] >= 75
    assert [(m["module_id"], m["lang"], m["seconds"]) for m in record["modules"]] == [
        ("say-who-you-are", "en", spent["say-who-you-are"]),
        ("keep-secrets", "en", spent["keep-secrets"]),
    ]
    assert record["modules"][0]["sha256"] == listed[f"content/{COURSE}/1.0/{studied[0]}"]
    assert record["seat_time_seconds"] == sum(spent.values())
    assert record["pass_mark"] == 80 and record["score"] == round(attempt.score, 2)
    attestation = record["attestation"]
    assert attestation["typed_name"] == learner.name and attestation["matches_version"]
    assert "I have read the Policy basics, version 1.0" in attestation["statement"]

    # The questions drawn, in order, and the answers given.
    [taken] = lines(pack, "attempts.jsonl")
    assert [q["question_id"] for q in taken["questions"]] == [q["id"] for q in attempt.questions]
    assert {q["question_id"]: q["chosen"] for q in taken["questions"]} == attempt.answers
    assert all(q["correct"] for q in taken["questions"])
    answers = csv_of(pack, "answers.csv")
    assert [r["question_id"] for r in answers] == [q["id"] for q in attempt.questions]

    # The person's audit events, in the order they happened.
    trail = lines(pack, "audit_events.jsonl")
    actions = [e["action"] for e in trail]
    assert actions.index("quiz.submitted") < actions.index("certification.issued")
    assert "certification.attested" in actions
    assert [e["id"] for e in trail] == sorted(e["id"] for e in trail)
    assert [e["occurred_at"] for e in trail] == sorted(e["occurred_at"] for e in trail)
    assert [r["action"] for r in csv_of(pack, "audit_events.csv")] == actions

    index = pack.read("index.html").decode()
    assert learner.name in index and version.content_hash in index

    # Who exported whose evidence is on the trail.
    [exported] = events("evidence.exported")
    assert exported.actor_id == hr.id and exported.subject_user_id == learner.id
    assert exported.after["certification_id"] == cert.id


def test_the_pack_holds_the_certificate(client, learner, hr):
    cert = certification_of(certify(client, learner))
    sign_in(client, hr)
    pack = unzip(client.get(f"/hr/certifications/{cert.id}/evidence.zip"))
    assert pack.read(f"certificates/{cert.id}.pdf").startswith(b"%PDF")


def test_only_hr_and_admins_get_packs(client, learner, make_user):
    cert = certification_of(certify(client, learner))
    for path in (
        f"/hr/certifications/{cert.id}/evidence.zip",
        f"/hr/people/{learner.employee_id}/evidence.zip",
        "/hr/evidence",
    ):
        sign_in(client, learner)
        assert client.get(path).status_code == 403, path
        client.post("/logout")
        sign_in(client, make_user(roles=[Role.LEAD]))
        assert client.get(path).status_code == 403, path
        client.post("/logout")
    sign_in(client, make_user(roles=[Role.ADMIN]))
    assert client.get(f"/hr/certifications/{cert.id}/evidence.zip").status_code == 200
    assert client.get("/hr/certifications/999999/evidence.zip").status_code == 404
    assert client.get("/hr/people/NOBODY/evidence.zip").status_code == 404
    assert events("evidence.exported")[0].after["certification_id"] == cert.id


def test_a_persons_pack_holds_every_attempt_and_certification(client, learner, hr):
    # A failed attempt first, then a pass.
    sign_in(client, learner)
    for module_id in MODULES:
        read_module(client, COURSE, module_id, 30)
    client.post(f"/training/{COURSE}/quiz")
    failed = latest_attempt(learner)
    client.post(f"/training/attempts/{failed.id}", data=answer_form(failed, right=False))
    client.post("/logout")
    earlier = failed.submitted_at - timedelta(days=2)  # the cool-down has passed
    db.session.execute(
        sa.update(QuizAttempt)
        .where(QuizAttempt.id == failed.id)
        .values(started_at=earlier, submitted_at=earlier)
    )
    db.session.commit()
    passed = certify(client, learner)
    sign_in(client, hr)
    page = client.get(f"/hr/people/{learner.employee_id}").get_data(as_text=True)
    assert f'href="/hr/people/{learner.employee_id}/evidence.zip"' in page
    cert = certification_of(passed)
    assert f'href="/hr/certifications/{cert.id}/evidence.zip"' in page
    pack = unzip(client.get(f"/hr/people/{learner.employee_id}/evidence.zip"))
    assert [a["id"] for a in lines(pack, "attempts.jsonl")] == [failed.id, passed.id]
    assert [a["passed"] for a in csv_of(pack, "attempts.csv")] == ["false", "true"]
    assert [c["certification_id"] for c in lines(pack, "certifications.jsonl")] == [cert.id]
    [exported] = events("evidence.exported")
    assert exported.subject_user_id == learner.id and exported.after["kind"] == "person"


def test_a_departments_period_pack_is_a_job_with_a_download(
    client, learner, make_user, hr, monkeypatch
):
    monkeypatch.setattr(job_files, "CHUNK", 4096)  # the stored ZIP spans many chunks
    other = make_user(name="Ole Marsh", department="Support")
    cert = certification_of(certify(client, learner))
    certify(client, other)
    sign_in(client, hr)
    form = client.get("/hr/evidence")
    assert form.status_code == 200 and "Sales" in text_of(form)
    today = datetime.now(UTC).date()  # certifications are issued in UTC
    bad = client.post(
        "/hr/evidence",
        data={"department": "Sales", "issued_from": today.isoformat(), "issued_to": "2000-01-01"},
    )
    assert bad.status_code == 400 and "must not be before" in text_of(bad)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0

    response = client.post(
        "/hr/evidence",
        data={
            "department": "Sales",
            "issued_from": (today - timedelta(days=1)).isoformat(),
            "issued_to": (today + timedelta(days=1)).isoformat(),
        },
    )
    job_page = response.headers["Location"]
    db.session.expire_all()
    job = db.session.scalar(sa.select(Job).where(Job.kind == "evidence_pack"))
    assert job_page.endswith(f"/jobs/{job.id}")
    assert job.status == "succeeded" and job.done == job.total == 1
    stored = db.session.scalar(sa.select(sa.func.count()).where(JobFile.job_id == job.id))
    assert stored == -(-job.result["bytes"] // 4096) and stored > 1
    page = client.get(job_page).get_data(as_text=True)
    assert f'href="/jobs/{job.id}/file"' in page and "1 certification(s)" in page
    pack = unzip(client.get(f"/jobs/{job.id}/file"))
    assert [c["certification_id"] for c in lines(pack, "certifications.jsonl")] == [cert.id]
    assert {e["employee_id"] for e in lines(pack, "audit_events.jsonl")} == {learner.employee_id}
    manifest = json.loads(pack.read("manifest.json"))
    assert manifest["selection"]["department"] == "Sales"
    assert manifest["counts"]["certifications"] == 1
    assert (
        hashlib.sha256(client.get(f"/jobs/{job.id}/file").get_data()).hexdigest()
        == (job.result["sha256"])
    )
    [generated] = events("evidence.generated")
    assert generated.actor_id == hr.id and generated.after["job_id"] == job.id
    assert len(events("evidence.downloaded")) == 2

    # Run again (a retried job): one file, the same certifications.
    from lms import jobs

    db.session.execute(sa.update(Job).where(Job.id == job.id).values(status="queued"))
    db.session.commit()
    jobs.run(job.id, retries_left=0)
    again = unzip(client.get(f"/jobs/{job.id}/file"))
    assert [c["certification_id"] for c in lines(again, "certifications.jsonl")] == [cert.id]

    # The whole company: both people.
    everyone = client.post(
        "/hr/evidence",
        data={"department": "", "issued_from": today.isoformat(), "issued_to": today.isoformat()},
    )
    company_job = int(everyone.headers["Location"].rsplit("/", 1)[1])
    pack = unzip(client.get(f"/jobs/{company_job}/file"))
    people = {c["employee_id"] for c in lines(pack, "certifications.jsonl")}
    assert people == {learner.employee_id, other.employee_id}

    client.post("/logout")
    sign_in(client, learner)
    assert client.get(f"/jobs/{job.id}/file").status_code == 403


def test_the_attempts_csv_names_the_version_studied_and_the_seat_time(client, learner, hr):
    attempt = certify(client, learner)
    spent = seconds_spent(attempt)
    sign_in(client, hr)
    response = client.get("/hr/export/attempts.csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert list(rows[0])[-4:] == [
        "content_hash",
        "seat_time_seconds",
        "seat_time_by_module",
        "module_languages",
    ]
    [row] = rows
    assert row["content_hash"] == catalog.latest_version(COURSE).content_hash
    assert row["language"] == "en"
    assert row["seat_time_seconds"] == str(sum(spent.values()))
    first, second = spent["say-who-you-are"], spent["keep-secrets"]
    assert row["seat_time_by_module"] == (
        f"say-who-you-are={first // 60}m{first % 60:02d}s;"
        f"keep-secrets={second // 60}m{second % 60:02d}s"
    )
    assert row["module_languages"] == "say-who-you-are=en;keep-secrets=en"


@pytest.mark.parametrize(
    ("seconds", "shown"), [(0, "0s"), (59, "59s"), (252, "4m12s"), (3725, "1h02m05s")]
)
def test_seat_time_reads_short_and_unambiguous(seconds, shown):
    from lms.queries.seat_time import duration

    assert duration(seconds) == shown
