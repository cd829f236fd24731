"""The PDF certificate: in the learner's language, with the name, course, code and a QR
code of the verification address; the holder, HR and admins may download it."""

import io

import pypdf
import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image

from lms.extensions import db
from lms.models import Certification
from lms.models import Role
from lms.queries import certificate
from tests.helpers import certify
from tests.helpers import sign_in

CASES = [
    ("en", "Ana Müller", "Policy basics", "Certificate"),
    ("he", "דנה לוי", "יסודות המדיניות", "תעודה"),
    ("zh_Hans", "李小龙", "政策基础", "证书"),
]


def certification_of(person) -> Certification:
    certify(person)
    return db.session.scalars(
        sa.select(Certification).where(Certification.user_id == person.id)
    ).one()


def text_and_qr(pdf: bytes) -> tuple[str, list[str]]:
    """The text a PDF reader extracts, and what its QR code images decode to."""
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    decoded = [
        result.text
        for picture in page.images
        for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(picture.data)))
    ]
    return page.extract_text(), decoded


def words(text: str) -> list[str]:
    return text.split()


@pytest.mark.parametrize(("lang", "name", "title", "heading"), CASES)
def test_the_certificate_reads_in_the_language_with_a_qr_code_of_its_check(
    app, make_user, lang, name, title, heading
):
    cert = certification_of(make_user(name=name, preferred_language=lang))
    pdf = certificate.render_pdf(cert, lang)
    assert pdf.startswith(b"%PDF")
    text, qr = text_and_qr(pdf)
    flat = "".join(text.split())
    # Right-to-left lines come out word by word; each word reads in its own order.
    for expected in (*name.split(), *title.split(), heading, cert.verification_code, "1.0"):
        assert expected in flat, (expected, text)
    assert qr == [f"http://localhost:5000/verify/{cert.verification_code}"]


def test_a_name_in_another_script_still_shows(app, make_user):
    cert = certification_of(make_user(name="王芳 Wang"))
    text, _ = text_and_qr(certificate.render_pdf(cert, "en"))
    assert "王芳" in text


SCRIPTS = [
    ("ar", "ليلى حداد"),
    ("fa", "سارا احمدی"),
    ("ur", "عائشہ خان"),
    ("ko", "김민준 한국"),
    ("th", "สมชาย ใจดี"),
    ("hi", "अनन्या शर्मा"),
    ("bn", "রাহুল দাস"),
    ("ta", "கார்த்திக் ராஜா"),
    ("el", "Νίκος Παπαδόπουλος"),
    ("uk", "Олена Коваленко"),
    ("vi", "Nguyễn Thị Hương"),
    ("zh_Hant", "陳美玲"),
]


@pytest.mark.parametrize(("lang", "name"), SCRIPTS)
def test_every_script_is_embedded_and_reads_back(app, make_user, lang, name):
    """A certificate in each of our languages' scripts: the name is drawn with a font that
    has its letters (shaped: Arabic joined, Indic marks placed) and extracts as typed."""
    cert = certification_of(make_user(name=name, preferred_language=lang))
    text, qr = text_and_qr(certificate.render_pdf(cert, lang))
    flat = "".join(text.split())
    for word in name.split():
        assert word in flat, (word, text)
    assert qr == [f"http://localhost:5000/verify/{cert.verification_code}"]


def test_the_learner_downloads_their_own_and_no_one_elses(app, client, make_user):
    learner = make_user(name="Ana Müller")
    mine = certification_of(learner)
    other = certification_of(make_user(name="Ben Other"))
    sign_in(client, learner)
    response = client.get(f"/training/certifications/{mine.id}/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "Ana Müller" in text_and_qr(response.data)[0]
    assert client.get(f"/training/certifications/{other.id}/certificate.pdf").status_code == 404
    assert client.get("/training/certifications/999999/certificate.pdf").status_code == 404
    # The course page where they see they are certified links to it.
    page = client.get("/training/policy-basics").get_data(as_text=True)
    assert f"/training/certifications/{mine.id}/certificate.pdf" in page
    assert f"/verify/{mine.verification_code}" in page


def test_hr_downloads_anyones_in_the_holders_language_others_cannot(app, client, make_user):
    holder = make_user(name="דנה לוי", preferred_language="he")
    cert = certification_of(holder)
    url = f"/hr/certifications/{cert.id}/certificate.pdf"
    sign_in(client, make_user(roles=[Role.HR]))
    page = client.get(f"/hr/people/{holder.employee_id}").get_data(as_text=True)
    assert url in page and f"/verify/{cert.verification_code}" in page
    response = client.get(url)
    assert response.status_code == 200
    assert "המדיניות" in text_and_qr(response.data)[0]
    assert "Policy basics" in text_and_qr(client.get(url + "?lang=en").data)[0]
    client.post("/logout")
    sign_in(client, make_user())  # an employee
    assert client.get(url).status_code == 403
    client.post("/logout")
    assert client.get(url).status_code in (302, 401)  # signed out: to the sign-in page
