"""The PDF certificate of a certification, in the reader's language.

fpdf2 lays the page out and embeds subsets of Debian's fonts (``fonts-noto-core`` for
Latin and Hebrew, ``fonts-droid-fallback`` for Chinese and Japanese: a TrueType font,
whose text PDF readers and search can extract, unlike the CFF fonts of Noto CJK); its
HarfBuzz shaping (uharfbuzz) and bidirectional algorithm put Hebrew right to left. segno
draws the QR code of the public verification address. Nothing is fetched: it renders
offline. The layout is centred, so it reads the same in either direction.
"""

import io
import logging
from datetime import datetime
from pathlib import Path

import segno
from babel.dates import format_date
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from fpdf import FPDF

from lms.extensions import db
from lms.models import Certification
from lms.models import CourseVersion
from lms.models import User
from lms.queries import catalog
from lms.queries import company

FONT_DIRS = [Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/truetype/droid")]
#: family -> (regular file, bold file or None). The CJK font has no bold, and loading it
#: is most of a CJK certificate's time (about a second): it is loaded once per document.
FONTS = {
    "latin": ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf"),
    "hebrew": ("NotoSansHebrew-Regular.ttf", "NotoSansHebrew-Bold.ttf"),
    "cjk": ("DroidSansFallbackFull.ttf", None),
}
CJK_LANGUAGES = {"ja", "zh"}
# fontTools reports every table it subsets at INFO: noise in the server's log.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)
INK, MUTED, ACCENT = (33, 37, 41), (90, 96, 104), (13, 110, 253)


def verification_url(code: str) -> str:
    """The public address that checks ``code`` (printed and in the QR code)."""
    return f"{current_app.config['BASE_URL'].rstrip('/')}/verify/{code}"


def filename(certification: Certification) -> str:
    """The certificate's file name for a download (ASCII: course ids are)."""
    return f"certificate-{certification.course_id}-{certification.version}.pdf"


def render_pdf(certification: Certification, lang: str) -> bytes:
    """The certificate of ``certification`` as PDF bytes, written in ``lang``: the holder's
    name, the course title and version, issue and expiry dates, the verification code and
    a QR code of its verification address."""
    person = db.session.get_one(User, certification.user_id)
    version = db.session.get_one(CourseVersion, certification.course_version_id)
    title = catalog.course_of(version).meta.title(lang)
    url = verification_url(certification.verification_code)
    with force_locale(lang):
        lines = _texts(certification, lang, company.company_name())
    pdf = _document(lang, [person.name, title, *lines.values()])
    pdf.set_title(f"{lines['heading']} – {person.name}")
    pdf.add_page()
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_y(32)
    _line(pdf, lines["heading"], 30, ACCENT, bold=True)
    if lines["issuer"]:
        _line(pdf, lines["issuer"], 12, MUTED)
    pdf.ln(6)
    _line(pdf, lines["certifies"], 14, MUTED)
    _line(pdf, person.name, 26, INK, bold=True)
    _line(pdf, lines["passed"], 14, MUTED)
    _line(pdf, title, 20, INK, bold=True)
    _line(pdf, lines["version"], 13, INK)
    pdf.ln(2)
    _line(pdf, lines["dates"], 12, INK)
    qr = io.BytesIO()
    segno.make(url, error="m").save(qr, kind="png", scale=10, border=4)
    size = 46
    pdf.image(qr, x=(pdf.w - size) / 2, y=pdf.get_y() + 3, w=size, h=size)
    pdf.set_y(pdf.get_y() + size + 5)
    _line(pdf, lines["code"], 11, INK)
    _line(pdf, url, 9, MUTED)
    return bytes(pdf.output())


def _texts(cert: Certification, lang: str, company_name: str) -> dict[str, str]:
    """The certificate's sentences, in the language forced around the call."""

    def day(moment: datetime) -> str:
        return format_date(moment.date(), "long", locale=lang)

    return {
        "heading": _("Certificate"),
        "issuer": _("Issued by %(company)s", company=company_name) if company_name else "",
        "certifies": _("This certifies that"),
        "passed": _("has completed the course and passed its quiz"),
        "version": _("Version %(version)s", version=cert.version),
        "dates": _(
            "Issued on %(issued)s · Valid until %(expires)s",
            issued=day(cert.issued_at),
            expires=day(cert.expires_at),
        ),
        "code": _("Verification code: %(code)s", code=cert.verification_code),
    }


def _font_file(name: str) -> Path:
    for folder in FONT_DIRS:
        if (folder / name).is_file():
            return folder / name
    raise RuntimeError(
        f"Font {name} is missing: install Debian's fonts-noto-core and fonts-droid-fallback."
    )


def _document(lang: str, texts: list[str]) -> FPDF:
    """An A4 landscape document with the language's font first and the others the
    ``texts`` need as fallbacks (a Hebrew name on an English certificate). Loading fonts
    is most of the time a certificate takes, so only those needed are loaded."""
    chars = {ord(char) for text in texts for char in text}
    families = ["latin"]
    if lang == "he" or any(0x0590 <= c <= 0x05FF or 0xFB1D <= c <= 0xFB4F for c in chars):
        families.insert(0 if lang == "he" else 1, "hebrew")
    if lang.split("_")[0] in CJK_LANGUAGES:
        families.insert(0, "cjk")
    elif any(c >= 0x2E80 for c in chars):
        families.append("cjk")
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_lang(lang.replace("_", "-"))
    pdf.set_creator("Brand ambassador LMS")
    for family in families:
        regular, bold = FONTS[family]
        pdf.add_font(family, "", str(_font_file(regular)))
        if bold:
            pdf.add_font(family, "B", str(_font_file(bold)))
    pdf.set_text_shaping(True)
    pdf.set_font(families[0], size=12)
    pdf.set_fallback_fonts(families[1:], exact_match=False)
    return pdf


def _line(pdf: FPDF, text: str, size: float, color: tuple, bold: bool = False) -> None:
    has_bold = FONTS[pdf.font_family][1] is not None
    pdf.set_font(style="B" if bold and has_bold else "", size=size)
    pdf.set_text_color(*color)
    pdf.multi_cell(0, size * 0.55, text, align="C", new_x="LMARGIN", new_y="NEXT")
