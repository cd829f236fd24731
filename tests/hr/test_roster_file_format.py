"""Roster files as spreadsheets write them: header spellings and text encodings."""

import codecs
import io

import pytest

from lms.models import Role
from tests.helpers import GOOD_ROWS
from tests.helpers import HEADER
from tests.helpers import roster_text
from tests.helpers import text_of
from tests.helpers import user
from tests.helpers import write_roster


def run(runner, path, *options):
    return runner.invoke(args=["lms", "roster", "import", str(path), *options])


@pytest.mark.parametrize(
    "header",
    [
        HEADER.replace("email", "E-mail"),
        HEADER.replace("email", "e_mail").replace("employee_id", "EmployeeId"),
        "Employee-ID,E-Mail,Name,Department,Country,Manager,Preferred-Language,Hire Date,Active",
        "employee_id,email,name,department,country,manager,preferred_language,hire__date,active",
    ],
)
def test_case_spaces_hyphens_and_underscores_in_the_header_do_not_matter(runner, tmp_path, header):
    result = run(runner, write_roster(tmp_path, GOOD_ROWS, header=header))
    assert result.exit_code == 0, result.output
    assert user("E2").email == "ben@example.com"


def test_a_header_that_only_looks_alike_is_still_unknown(runner, tmp_path):
    result = run(
        runner, write_roster(tmp_path, GOOD_ROWS, header=HEADER.replace("email", "e.mail"))
    )
    assert result.exit_code == 1
    assert "e.mail: Unknown column" in result.output


@pytest.mark.parametrize(
    "codec, bom, name",
    [
        ("utf-16-le", codecs.BOM_UTF16_LE, "UTF-16"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "UTF-16"),
        ("utf-16-le", b"", "UTF-16"),
        ("utf-32-le", codecs.BOM_UTF32_LE, "UTF-32"),
    ],
)
def test_a_utf16_file_gets_one_message_saying_so(runner, tmp_path, codec, bom, name):
    path = tmp_path / "roster.csv"
    path.write_bytes(bom + roster_text().encode(codec))
    result = run(runner, path)
    assert result.exit_code == 1 and user("E1") is None
    problems = [line for line in result.output.splitlines() if line.startswith(str(path))]
    assert problems == [
        f"{path}:1: -: This file is {name}. Save it as UTF-8 (CSV UTF-8 in "
        "Excel) and upload it again."
    ]


def test_the_preview_of_a_utf16_upload_says_so_in_the_reader_language(client, auth, make_user):
    hr = make_user(roles=[Role.HR], preferred_language="de")
    auth.login(hr)
    data = codecs.BOM_UTF16_LE + roster_text().encode("utf-16-le")
    response = client.post(
        "/hr/roster",
        data={"file": (io.BytesIO(data), "roster.csv")},
        content_type="multipart/form-data",
    )
    preview = client.get(response.headers["Location"])
    text = text_of(preview)
    assert "UTF-16" in text and "UTF-8" in text
    assert "This file is" not in text  # translated
