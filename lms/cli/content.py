"""``flask lms content …`` and ``flask lms quiz …``: check, measure, publish, export."""

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from lms import content
from lms.cli import lms_cli

content_cli = AppGroup("content", help="Check, measure and publish courses/ and quizzes/.")
quiz_cli = AppGroup("quiz", help="Quiz banks.")
lms_cli.add_command(content_cli)
lms_cli.add_command(quiz_cli)


def _content_root() -> Path:
    """The folder holding courses/ and quizzes/; a clear error if it has no courses/."""
    root = Path(current_app.config["CONTENT_ROOT"])
    if not (root / "courses").is_dir():
        raise click.ClickException(
            f"{root} has no courses/ folder: set LMS_CONTENT_ROOT to the folder that holds "
            "courses/ and quizzes/. Nothing changed."
        )
    return root


@content_cli.command("check")
@click.option("--strict", is_flag=True, help="Fail on warnings too (e.g. stale translations).")
def content_check(strict: bool):
    """Report every problem in the content files, with file and line; exit 1 on errors."""
    courses, problems = content.load_catalog(_content_root())
    problems += _unset_settings(courses)
    for problem in problems:
        click.echo(str(problem), err=problem.severity == "error")
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    click.echo(f"{len(courses)} course(s) valid, {errors} error(s), {warnings} warning(s).")
    sys.exit(1 if errors or (strict and warnings) else 0)


def _unset_settings(courses: dict[str, content.Course]) -> list[content.Problem]:
    """A warning for each company setting the courses use that has no value (learners
    see a placeholder there): where it is first used, and how to set it."""
    from sqlalchemy.exc import SQLAlchemyError

    from lms.queries import company

    found = []
    try:
        for course in courses.values():
            for key, places in company.used_and_unset(course.sources).items():
                path, line = places[0]
                more = f" (and {len(places) - 1} more place(s))" if len(places) > 1 else ""
                message = (
                    f"company setting {key} is used{more} but not set: learners see a "
                    f"placeholder; set it with flask lms company set {key} VALUE or at "
                    "/admin/company"
                )
                found.append(content.Problem(path, line, message, "warning"))
    except SQLAlchemyError:
        click.echo("company settings not checked: the database does not answer", err=True)
    return found


@content_cli.command("stats")
@click.option("--modules", "per_module", is_flag=True, help="Also list every module.")
@click.option(
    "--sources", is_flag=True, help="Also name each language's reading rate and its source."
)
def content_stats(per_module: bool, sources: bool):
    """Estimated reading time per course and language (and per module)."""
    courses, _ = content.load_catalog(_content_root())
    for course in courses.values():
        click.echo(f"{course.id} {course.meta.version}")
        click.echo(f"  {'lang':<8}{'modules':>8}{'reading':>9}{'quiz':>7}{'total':>8}")
        for row in content.stats(course):
            click.echo(
                f"  {row['lang']:<8}{row['modules']:>8}{_mmss(row['module_seconds']):>9}"
                f"{_mmss(row['quiz_seconds']):>7}{_mmss(row['total_seconds']):>8}"
            )
            if sources:
                click.echo(f"      {row['rate']} {row['unit']}/min: {row['source']}")
            if per_module:
                for m in row["per_module"]:
                    click.echo(f"      {m['id']:<40}{_mmss(m['seconds']):>8}")


@content_cli.command("guessing")
@click.argument("course_id", required=False)
@click.option("--attempts", default=2000, show_default=True, type=click.IntRange(min=1))
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--check", is_flag=True, help="Exit 1 when a guesser passes too often.")
def content_guessing(course_id: str | None, attempts: int, seed: int, check: bool):
    """How often a learner who never read the course passes the quiz by a test-taking
    heuristic (longest option, always False, …): the share of simulated attempts passed,
    per guesser and language, drawn and graded as real attempts are."""
    from lms.rules import guessing

    courses, _ = content.load_catalog(_content_root())
    if course_id is not None and course_id not in courses:
        raise click.ClickException(f"No valid course {course_id!r}: see flask lms content check.")
    too_high = False
    for course in courses.values():
        if course_id in (None, course.id):
            too_high |= _guessing_table(course, attempts, seed)
    limits = f"{guessing.LIMIT:.0%} ({guessing.RANDOM_LIMIT:.0%} for random guessing)"
    click.echo(f"! marks a guesser at or above the limit: {limits}.")
    sys.exit(1 if check and too_high else 0)


def _guessing_table(course: content.Course, attempts: int, seed: int) -> bool:
    """Print one course's table; True when a guesser passes too often."""
    from lms.rules import guessing

    source = course.meta.source_language
    quizzes = [
        course.quizzes[lang]
        for lang in sorted(course.quizzes, key=lambda code: (code != source, code))
    ]
    outcomes = guessing.course_outcomes(quizzes, course.meta.pass_mark, attempts, seed)
    click.echo(
        f"{course.id} {course.meta.version}: share of {attempts} attempts passed "
        f"(pass mark {course.meta.pass_mark}%, seed {seed})"
    )
    click.echo(f"  {'guesser':<30}" + "".join(f"{lang:>9}" for lang in outcomes))
    for row, guesser in enumerate(guessing.GUESSERS):
        cells = [found[row] for found in outcomes.values()]
        click.echo(
            f"  {guesser.name:<30}"
            + "".join(f"{100 * o.pass_rate:>7.1f}%{'!' if o.too_high else ' '}" for o in cells)
        )
    return any(o.too_high for found in outcomes.values() for o in found)


def _mmss(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


@content_cli.command("sync")
@click.option(
    "--background",
    is_flag=True,
    help="Send the job to the queue and return (default: run it here, a deploy step).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Publish a major version even when translations are out of date (their learners "
    "read the source language until they are updated).",
)
def content_sync(background: bool, force: bool):
    """Publish every course whose files changed and are valid (recorded as a job). A major
    version whose translations are out of date is held back without --force."""
    from lms import jobs

    params = {"root": str(_content_root()), "force": force}
    if background:
        job = jobs.start("sync", params, None)
        click.echo(f"job {job.id} sent to the queue: flask lms jobs list")
        return
    job = jobs.run_here("sync", params, None)
    if job.status != "succeeded":
        click.echo(f"job {job.id} {job.status}: {job.error}", err=True)
        sys.exit(1)
    result = job.result or {}
    for published in result["published"]:
        click.echo(f"published {published}")
    for course_id in result["unchanged"]:
        click.echo(f"unchanged {course_id}")
    for course_id, problems in result["rejected"].items():
        click.echo(f"rejected {course_id}: the last good version stays", err=True)
        for problem in problems:
            click.echo(f"  {problem}", err=True)
    for course_id, behind in result.get("held", {}).items():
        click.echo(
            f"held back {course_id}: this major version has {len(behind)} out-of-date "
            "translation(s); their learners would read the source language until they are "
            "updated. Update them, or publish anyway with --force:",
            err=True,
        )
        for found in behind:
            click.echo(f"  {found['lang']}: {found['item']} ({found['path']})", err=True)
    sys.exit(1 if result["rejected"] or result.get("held") else 0)


@content_cli.command("revisions")
def content_revisions():
    """The revision of every source-language file, for translators' ``translation_of``."""
    courses, _ = content.load_catalog(_content_root())
    for course in courses.values():
        source = course.meta.source_language
        for module in course.modules.get(source, ()):
            click.echo(f"{module.revision}  {module.path}")
        if source in course.guidelines:
            guidelines = course.guidelines[source]
            click.echo(f"{guidelines.revision}  {guidelines.path}")
        if source in course.quizzes:
            quiz = course.quizzes[source]
            click.echo(f"{quiz.revision}  {quiz.path}")


# "import" is the authoring name for a sync: both publish only what changed.
content_cli.add_command(content_sync, "import")


@content_cli.command("export")
@click.argument("course_id", required=False)
@click.option("--drafts", is_flag=True, help="Write each course's draft, where it has one.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write courses/ and quizzes/ into; default: the content root.",
)
def content_export(course_id: str | None, drafts: bool, out: Path | None):
    """Write the published files (or drafts) of every course, or COURSE_ID, back in the
    courses/ and quizzes/ layout, byte for byte."""
    from lms.queries import content_export as exporter

    out = out or Path(current_app.config["CONTENT_ROOT"])  # may not hold courses/ yet
    try:
        report = exporter.export(out, course_id, drafts)
    except LookupError as exc:
        raise click.ClickException(f"No published course {course_id!r}.") from exc
    for done in report.courses:
        click.echo(f"exported {done.course_id} {done.label}: {done.files} file(s) to {out}")
    for path in report.stale:
        click.echo(f"not in the export, left as it is: {out / path}", err=True)


def _read_upload(file: Path) -> str:
    from lms.content.files import NotUtf8
    from lms.content.files import decode_upload

    try:
        return decode_upload(file.read_bytes())
    except OSError as exc:
        raise click.ClickException(f"{file}: cannot read: {exc.strerror or exc}") from exc
    except NotUtf8 as exc:
        if exc.utf16:
            raise click.ClickException(f"{file}: the file is UTF-16: save it as UTF-8") from exc
        raise click.ClickException(
            f"{file}:{exc.line}: not UTF-8: byte 0x{exc.byte:02x} at "
            f"byte offset {exc.offset}; save the file as UTF-8"
        ) from exc


def _write_quiz(file: Path, out: Path, convert, hint: str = "") -> None:
    """Report every question left out (file:line), write the quiz if any converted; exit 1
    when none did."""
    try:
        result = convert()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    if not result.converted and not result.skipped:
        raise click.ClickException(f"{file}: no questions in the file{hint}")
    for report in sorted(result.skipped + result.notes, key=lambda r: r.line):
        click.echo(f"{file}:{report}")
    if result.converted:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(result.markdown, encoding="utf-8")
    click.echo(f"converted {result.converted}, skipped {len(result.skipped)}")
    sys.exit(0 if result.converted else 1)


_QUIZ_OPTIONS = [
    click.argument("file", type=click.Path(dir_okay=False, path_type=Path)),
    click.option(
        "--out",
        required=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help="Where to write the quiz, e.g. quizzes/<course-id>/en.md.",
    ),
    click.option("--title", help="The quiz title; default: the file name."),
    click.option("--pool", type=click.IntRange(min=1), help="Questions drawn per attempt."),
]


def _quiz_options(command):
    for decorate in reversed(_QUIZ_OPTIONS):
        command = decorate(command)
    return command


@quiz_cli.command("import-gift")
@_quiz_options
def quiz_import_gift(file: Path, out: Path, title: str | None, pool: int | None):
    """Convert the Moodle GIFT file FILE to a quiz; report every question left out (exit 1
    when none could be converted or FILE cannot be read)."""
    from lms.content.gift import gift_to_quiz
    from lms.content.gift import parse_gift

    text = _read_upload(file)
    _write_quiz(
        file,
        out,
        lambda: gift_to_quiz(parse_gift(text), title or file.stem.replace("_", " "), pool),
    )


@quiz_cli.command("import-aiken")
@_quiz_options
def quiz_import_aiken(file: Path, out: Path, title: str | None, pool: int | None):
    """Convert the Aiken file FILE (multiple-choice questions, as Moodle imports them) to a
    quiz; report every question left out with its line (exit 1 when none could be
    converted or FILE cannot be read)."""
    from lms.content.aiken import FORMAT_HINT
    from lms.content.aiken import aiken_to_quiz

    text = _read_upload(file)
    _write_quiz(
        file,
        out,
        lambda: aiken_to_quiz(text, title or file.stem.replace("_", " "), pool),
        f" ({FORMAT_HINT})",
    )
