"""``flask lms content import`` and ``export``: files in, files out, byte for byte."""

import shutil
from pathlib import Path

from lms.extensions import db
from lms.queries import catalog
from tests.helpers import COURSE
from tests.helpers import EN_MODULE
from tests.helpers import TEST_CONTENT
from tests.helpers import publish
from tests.helpers import save

HE_CRLF = f"courses/{COURSE}/he/02-keep-secrets.md"
ZH_BOM = f"courses/{COURSE}/zh_Hans/guidelines.md"


def every_file(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def content_copy(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(TEST_CONTENT, root)
    (root / HE_CRLF).write_bytes(
        "---\r\ntitle: שמרו סודות\r\n---\r\n\r\nאל תשתפו מוצרים שלא הוכרזו.\r\n".encode()
    )
    (root / ZH_BOM).write_bytes(
        "\ufeff---\ntitle: 我们的社交媒体准则\n---\n\n说明你在哪里工作。\n".encode()
    )
    return root


def test_import_then_export_reproduces_every_file_byte_for_byte(app, runner, tmp_path):
    root = content_copy(tmp_path)
    app.config["CONTENT_ROOT"] = str(root)
    result = runner.invoke(args=["lms", "content", "import"])
    assert result.exit_code == 0, result.output
    assert f"published {COURSE} 1.1" in result.output
    out = tmp_path / "exported"
    result = runner.invoke(args=["lms", "content", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"exported {COURSE} 1.1" in result.output
    assert every_file(out) == every_file(root)
    assert (out / HE_CRLF).read_bytes().count(b"\r\n") == 5
    assert (out / ZH_BOM).read_bytes().startswith(b"\xef\xbb\xbf")


def test_import_publishes_only_when_something_changed(app, runner, tmp_path):
    app.config["CONTENT_ROOT"] = str(content_copy(tmp_path))
    assert "published" in runner.invoke(args=["lms", "content", "import"]).output
    again = runner.invoke(args=["lms", "content", "import"])
    assert again.exit_code == 0 and f"unchanged {COURSE}" in again.output


def test_import_does_not_undo_a_version_published_in_the_browser(app, runner, author):
    save(author, EN_MODULE, "---\ntitle: Say who you work for\n---\n\nNew text.\n")
    publish(author, "minor")
    result = runner.invoke(args=["lms", "content", "import"])  # the files are still 1.0
    assert f"unchanged {COURSE}" in result.output
    db.session.expire_all()
    assert catalog.latest_version(COURSE).version == "1.1"


def test_export_of_drafts_and_of_one_course(app, runner, author, tmp_path):
    save(author, EN_MODULE, "---\ntitle: Say who you work for\n---\n\nDraft text.\n")
    out = tmp_path / "drafts"
    result = runner.invoke(args=["lms", "content", "export", "--drafts", "--out", str(out), COURSE])
    assert result.exit_code == 0 and f"exported {COURSE} draft" in result.output
    assert (out / EN_MODULE).read_text() == "---\ntitle: Say who you work for\n---\n\nDraft text.\n"
    published = tmp_path / "published"
    runner.invoke(args=["lms", "content", "export", "--out", str(published)])
    assert every_file(published) == every_file(TEST_CONTENT)


def test_export_names_files_it_did_not_write_and_refuses_unknown_courses(runner, tmp_path):
    out = tmp_path / "out"
    (out / f"courses/{COURSE}/en").mkdir(parents=True)
    (out / f"courses/{COURSE}/en/09-old.md").write_text("old")
    result = runner.invoke(args=["lms", "content", "export", "--out", str(out)])
    assert "not in the export, left as it is" in result.output and "09-old.md" in result.output
    unknown = runner.invoke(args=["lms", "content", "export", "--out", str(out), "nope"])
    assert unknown.exit_code == 1 and "No published course 'nope'" in unknown.output
