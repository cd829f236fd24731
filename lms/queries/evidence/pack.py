"""Assembling an evidence pack: the ZIP an auditor reads to see what a person studied,
how long, what they answered and affirmed, and what the audit trail recorded.

Layout (``manifest.json`` lists every other file with its SHA-256)::

    index.html                 the pack for a person to read, without tools
    certifications.jsonl/.csv  one certification a line: files studied, seat time, score,
                               pass mark, attestation
    attempts.jsonl/.csv        the attempts: questions as drawn and the answers given
    answers.csv                one row per drawn question
    audit_events.jsonl/.csv    the people's audit events, in the order recorded
    content/<course>/<version>/<path>   the published files studied, byte for byte
    certificates/<id>.pdf      the certificates (lms.queries.certificate)
"""

import json
from collections.abc import Callable
from datetime import datetime

from flask import render_template
from flask_babel import force_locale

from lms.extensions import db
from lms.models import Certification
from lms.models import User
from lms.models.types import iso
from lms.queries.certificate import render_pdf
from lms.queries.evidence import records
from lms.queries.evidence.writer import PackWriter
from lms.queries.evidence.writer import Spool

#: The pack's format; a reader of old packs can tell which layout it holds.
FORMAT = "1"
GENERATOR = "lms evidence pack"
#: index.html details this many certifications; the files hold them all.
DETAILED = 100

CERTIFICATION_COLUMNS = (
    "certification_id",
    "employee_id",
    "name",
    "department",
    "course_id",
    "version",
    "issued_at",
    "expires_at",
    "status",
    "content_hash",
    "files_match_published_hash",
    "quiz_lang",
    "module_languages",
    "seat_time_seconds",
    "seat_time_by_module",
    "attempt_id",
    "score",
    "pass_mark",
    "attested_at",
    "attested_name",
    "attestation_lang",
    "attestation_statement",
)
ATTEMPT_COLUMNS = (
    "attempt_id",
    "employee_id",
    "course_id",
    "version",
    "content_hash",
    "lang",
    "status",
    "started_at",
    "submitted_at",
    "score",
    "pass_mark",
    "passed",
)
ANSWER_COLUMNS = (
    "attempt_id",
    "employee_id",
    "position",
    "question_id",
    "prompt",
    "answers_shown",
    "chosen",
    "chosen_text",
    "correct",
)
EVENT_COLUMNS = (
    "id",
    "occurred_at",
    "action",
    "employee_id",
    "actor_employee_id",
    "actor_name",
    "course_id",
    "before",
    "after",
)

Progress = Callable[[int, int], None]


def build(
    selection: records.Selection,
    sink,
    *,
    generated_by: User | None,
    now: datetime,
    certificates: bool = True,
    progress: Progress | None = None,
    lang: str = "en",
) -> dict:
    """Write the pack of ``selection`` into ``sink`` (a binary file-like object, need not
    seek); returns its manifest. ``certificates`` False leaves the PDFs out (a period's
    pack at 100,000 people)."""
    total = records.count(selection)
    versions = records.Versions()
    pack = PackWriter(sink)
    spools = {
        name: Spool(name)
        for name in (
            "certifications.jsonl",
            "certifications.csv",
            "attempts.jsonl",
            "attempts.csv",
            "answers.csv",
            "audit_events.jsonl",
            "audit_events.csv",
        )
    }
    detailed: list[dict] = []
    certified: list[tuple[int, str]] = []  # (certification id, language) for the PDFs
    summary = {"certifications": 0, "attempts": 0, "audit_events": 0, "attested": 0}
    done = 0
    for page in records.certification_records(selection, versions, now):
        for record in page:
            spools["certifications.jsonl"].json_line(record)
            spools["certifications.csv"].csv_row(CERTIFICATION_COLUMNS, _flat(record))
            summary["attested"] += record["attestation"] is not None
            if len(detailed) < DETAILED:
                detailed.append(record)
                certified.append((record["certification_id"], record["quiz_lang"]))
        done += len(page)
        summary["certifications"] = done
        if progress:
            progress(done, total)
    attempts: dict[int, dict] = {}
    for page in records.attempt_records(selection, versions):
        for attempt in page:
            spools["attempts.jsonl"].json_line(attempt)
            spools["attempts.csv"].csv_row(
                ATTEMPT_COLUMNS, {"attempt_id": attempt["id"], **attempt}
            )
            for question in attempt["questions"]:
                spools["answers.csv"].csv_row(ANSWER_COLUMNS, _answer(attempt, question))
            if len(attempts) < DETAILED:
                attempts[attempt["id"]] = attempt
            summary["attempts"] += 1
    events: list[dict] = []
    for page in records.audit_events(selection):
        for event in page:
            spools["audit_events.jsonl"].json_line(event)
            spools["audit_events.csv"].csv_row(EVENT_COLUMNS, _event_row(event))
            if len(events) < DETAILED * 10:
                events.append(event)
            summary["audit_events"] += 1
    for name, header in (
        ("certifications.csv", CERTIFICATION_COLUMNS),
        ("attempts.csv", ATTEMPT_COLUMNS),
        ("answers.csv", ANSWER_COLUMNS),
        ("audit_events.csv", EVENT_COLUMNS),
    ):
        spools[name].csv_header_only(header)
    content = _add_content(pack, versions)
    certificate = _add_certificates(pack, certified if certificates else [], certificates)
    for spool in spools.values():
        pack.add_spool(spool)
    with force_locale(lang):
        index = render_template(
            "evidence/index.html",
            selection=selection,
            summary=summary,
            certifications=detailed,
            attempts=attempts,
            events=events,
            content=content,
            certificate=certificate,
            generated_at=now,
            generated_by=generated_by,
            more=summary["certifications"] > len(detailed),
            lang=lang,
        )
    pack.add("index.html", index.encode())
    return pack.close(
        {
            "generator": {"name": GENERATOR, "format": FORMAT, "version": _app_version()},
            "generated_at": iso(now),
            "generated_by": _person(generated_by),
            "selection": selection.as_json(),
            "counts": summary,
            "content": content,
            "certificate": certificate,
        }
    )


def _add_content(pack: PackWriter, versions: records.Versions) -> list[dict]:
    """The published files studied, once each, with the check of each version's hash."""
    checks = []
    for version_id in sorted(versions.studied):
        published = versions.get(version_id)
        version = published.version
        folder = f"content/{version.course_id}/{version.version}"
        files = []
        for path in sorted(versions.studied[version_id]):
            digest = pack.add(f"{folder}/{path}", records.file_bytes(version, path))
            files.append(
                {
                    "path": path,
                    "in_pack": f"{folder}/{path}",
                    "sha256": digest,
                    "matches_published": digest == published.sha256.get(path),
                }
            )
        checks.append(
            {
                "course_id": version.course_id,
                "version": version.version,
                "content_hash": version.content_hash,
                "recomputed_hash": published.recomputed_hash,
                "files_match_published_hash": published.matches,
                "published_at": iso(version.published_at),
                "files": files,
            }
        )
    return checks


def _add_certificates(pack: PackWriter, certified: list[tuple[int, str]], wanted: bool) -> dict:
    if not wanted:
        return {"included": 0, "omitted": "not included in packs for a period"}
    included = []
    for certification_id, lang in certified:
        certification = db.session.get_one(Certification, certification_id)
        name = f"certificates/{certification_id}.pdf"
        pack.add(name, render_pdf(certification, lang))
        included.append(name)
    return {"included": len(included), "omitted": None, "files": included}


def _flat(record: dict) -> dict:
    attestation = record["attestation"] or {}
    return {
        **record,
        "module_languages": ";".join(f"{m['module_id']}={m['lang']}" for m in record["modules"]),
        "seat_time_by_module": ";".join(
            f"{m['module_id']}={m['seat_time']}" for m in record["modules"]
        ),
        "attested_at": attestation.get("attested_at"),
        "attested_name": attestation.get("typed_name"),
        "attestation_lang": attestation.get("lang"),
        "attestation_statement": attestation.get("statement"),
    }


def _answer(attempt: dict, question: dict) -> dict:
    return {
        "attempt_id": attempt["id"],
        "employee_id": attempt["employee_id"],
        **question,
        "answers_shown": " | ".join(f"{a['id']}: {a['text']}" for a in question["shown"]),
        "chosen": ",".join(question["chosen"]),
        "chosen_text": " | ".join(question["chosen_text"]),
    }


def _event_row(event: dict) -> dict:
    return {
        **event,
        "before": json.dumps(event["before"], ensure_ascii=False) if event["before"] else None,
        "after": json.dumps(event["after"], ensure_ascii=False) if event["after"] else None,
    }


def _person(user: User | None) -> dict | None:
    if user is None:
        return None
    return {"employee_id": user.employee_id, "name": user.name, "email": user.email}


def _app_version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version

    try:
        return version("brand-ambassador-lms")
    except PackageNotFoundError:
        return "unknown"
