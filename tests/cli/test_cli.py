"""``flask lms …`` commands, through Click's runner."""

import shutil

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.models import ApiToken
from lms.models import AuditEvent
from lms.models import CourseVersion
from lms.models import User
from lms.models.api_token import hash_token
from tests.helpers import TEST_CONTENT


def test_content_check_passes_on_valid_content(runner):
    result = runner.invoke(args=["lms", "content", "check"])
    assert result.exit_code == 0, result.output
    assert "1 course(s) valid, 0 error(s)" in result.output


def test_content_check_reports_every_problem_with_file_and_line(runner, app, tmp_path):
    root = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, root)
    course = root / "courses/policy-basics"
    (course / "course.yml").write_text(
        (course / "course.yml").read_text().replace("pass_mark: 80", "pass_mark: 80\npass_mrak: 90")
    )
    quiz = root / "quizzes/policy-basics/en.md"
    quiz.write_text(quiz.read_text().replace("- [x] The press team.", "- [ ] The press team."))
    app.config["CONTENT_ROOT"] = str(root)
    result = runner.invoke(args=["lms", "content", "check"])
    assert result.exit_code == 1
    assert "courses/policy-basics/course.yml:11" in result.output  # the unknown key's line
    assert "pass_mrak" in result.output
    assert "quizzes/policy-basics/en.md:" in result.output
    assert "2 error(s)" in result.output or "error(s)" in result.output


def test_invalid_content_is_never_published_and_last_good_version_stays(runner, app, tmp_path):
    root = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, root)
    app.config["CONTENT_ROOT"] = str(root)
    before = db.session.scalars(sa.select(CourseVersion)).all()
    module = root / "courses/policy-basics/en/01-say-who-you-are.md"
    module.write_text("---\ntitle: [broken\n---\nText\n")
    result = runner.invoke(args=["lms", "content", "sync"])
    assert result.exit_code == 1 and "last good version stays" in result.output
    assert db.session.scalars(sa.select(CourseVersion)).all() == before


@pytest.mark.parametrize("command", ["sync", "check", "import"])
def test_a_content_root_without_courses_is_named_and_changes_nothing(
    runner, app, tmp_path, command
):
    app.config["CONTENT_ROOT"] = str(tmp_path)
    before = db.session.scalars(sa.select(CourseVersion)).all()
    result = runner.invoke(args=["lms", "content", command])
    assert result.exit_code == 1 and f"{tmp_path} has no courses/ folder" in result.output
    assert "Traceback" not in result.output
    assert db.session.scalars(sa.select(CourseVersion)).all() == before


def test_content_sync_publishes_a_minor_version_when_files_change(runner, app, tmp_path):
    root = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, root)
    app.config["CONTENT_ROOT"] = str(root)
    assert "unchanged policy-basics" in runner.invoke(args=["lms", "content", "sync"]).output
    module = root / "courses/policy-basics/en/01-say-who-you-are.md"
    module.write_text(module.read_text() + "\nOne more sentence.\n")
    result = runner.invoke(args=["lms", "content", "sync"])
    assert "published policy-basics 1.1" in result.output
    event = db.session.scalar(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "content.published")
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    assert event.after["version"] == "1.1" and event.before == {"version": "1.0"}


def test_content_stats_prints_minutes_per_language(runner):
    result = runner.invoke(args=["lms", "content", "stats", "--modules"])
    assert result.exit_code == 0, result.output
    for lang in ("en", "he", "zh_Hans"):
        assert f"  {lang} " in result.output
    assert "say-who-you-are" in result.output


def test_content_guessing_prints_pass_rates_per_guesser_and_language(runner):
    result = runner.invoke(args=["lms", "content", "guessing", "--attempts", "200"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "policy-basics 1.0: share of 200 attempts passed (pass mark 80%, seed 0)"
    assert lines[1].split() == ["guesser", "en"]
    # The test quiz is easy to guess: three questions, ties between its longest options.
    assert "longest (multiple: all)" in result.output and "%!" in result.output
    assert lines[-1] == "! marks a guesser at or above the limit: 5% (1% for random guessing)."


def test_content_guessing_check_fails_on_a_guessable_quiz(runner):
    result = runner.invoke(args=["lms", "content", "guessing", "--attempts", "50", "--check"])
    assert result.exit_code == 1, result.output
    unknown = runner.invoke(args=["lms", "content", "guessing", "no-such-course"])
    assert unknown.exit_code == 1 and "No valid course 'no-such-course'" in unknown.output


def test_token_create_prints_once_and_stores_hash(runner):
    result = runner.invoke(args=["lms", "token", "create", "Hootsuite"])
    assert result.exit_code == 0
    token = result.output.strip().splitlines()[-1]
    row = db.session.scalar(sa.select(ApiToken))
    assert row.name == "Hootsuite" and row.token_hash == hash_token(token)
    assert token not in row.token_hash
    revoke = runner.invoke(args=["lms", "token", "revoke", str(row.id)])
    assert revoke.exit_code == 0
    assert "revoked" in runner.invoke(args=["lms", "token", "list"]).output


def test_token_create_takes_several_scopes_a_rate_limit_and_the_old_scope_name(runner):
    args = ["lms", "token", "create", "Both", "--scope", "scim", "--scope", "clearance"]
    result = runner.invoke(args=[*args, "--rate-limit", "1200 per minute"])
    assert result.exit_code == 0, result.output
    assert "(clearance:read scim;" in result.output
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.name == "Both"))
    assert row.scope == "clearance:read scim" and row.rate_limit == "1200 per minute"
    listed = runner.invoke(args=["lms", "token", "list"]).output
    assert "clearance:read scim" in listed and "never used" in listed
    bad = runner.invoke(args=["lms", "token", "create", "x", "--rate-limit", "lots"])
    assert bad.exit_code != 0 and "is not a rate limit" in bad.output


def test_demo_creates_every_role_and_prints_credentials(runner):
    result = runner.invoke(args=["lms", "demo", "--password", "demo-pass-123"])
    assert result.exit_code == 0, result.output
    for email in (
        "employee@example.com",
        "hr@example.com",
        "marketing@example.com",
        "lead@example.com",
        "admin@example.com",
    ):
        assert email in result.output
        assert User.find(email).check_password("demo-pass-123")
    # Its digital badges can be signed at once: the demo made the organisation's key.
    assert "generated the key that signs digital badges" in result.output
    listed = runner.invoke(args=["lms", "keys", "list"])
    assert listed.exit_code == 0 and "RS256" in listed.output, listed.output
    again = runner.invoke(args=["lms", "demo"])
    assert again.exit_code == 0  # idempotent
    assert "generated the key" not in again.output  # the key is kept


def test_demo_fills_the_company_settings_it_finds_unset(runner):
    """The demo course names the demo company's contacts, not placeholders; a value someone
    set is kept when the demo runs again."""
    assert (
        runner.invoke(args=["lms", "company", "set", "hr_contact", "people@acme.test"]).exit_code
        == 0
    )
    assert runner.invoke(args=["lms", "demo"]).exit_code == 0
    shown = runner.invoke(args=["lms", "company", "show"]).output
    assert "privacy@example.com" in shown and "people@acme.test" in shown
    assert "hr@example.com" not in shown


def test_demo_is_refused_in_production(runner, app):
    app.config["LMS_ENV"] = "production"
    result = runner.invoke(args=["lms", "demo"])
    assert result.exit_code != 0 and "refused in production" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


@pytest.mark.parametrize("bad", [["--role", "wizard"]])
def test_user_create_validates_roles(runner, bad):
    result = runner.invoke(
        args=[
            "lms",
            "user",
            "create",
            "--email",
            "a@example.com",
            "--name",
            "A",
            "--employee-id",
            "A1",
            "--password",
            "x" * 12,
            *bad,
        ]
    )
    assert result.exit_code != 0


def test_a_surrogate_escape_fails_the_check_and_is_never_published(runner, app, tmp_path):
    root = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, root)
    app.config["CONTENT_ROOT"] = str(root)
    before = db.session.scalars(sa.select(CourseVersion)).all()
    module = root / "courses/policy-basics/en/01-say-who-you-are.md"
    module.write_text('---\ntitle: "Say who you \\ud83d are"\n---\nText\n')
    check = runner.invoke(args=["lms", "content", "check"])
    assert check.exit_code == 1
    assert (
        'courses/policy-basics/en/01-say-who-you-are.md:2: error: "\\ud83d" is half of a '
        "UTF-16 surrogate pair"
    ) in check.output
    sync = runner.invoke(args=["lms", "content", "sync"])
    assert sync.exit_code == 1 and "surrogate" in sync.output
    assert db.session.scalars(sa.select(CourseVersion)).all() == before
