"""The PDF certificate of a certification, in the reader's language.

fpdf2 lays the page out and embeds subsets of Debian's fonts: ``fonts-noto-core`` for
Latin, Greek, Cyrillic, Hebrew, Arabic script (Naskh, for Urdu too: text extractors
cannot read Noto's Nastaliq back), Thai, Devanagari, Bengali and Tamil;
``fonts-droid-fallback`` for Chinese and Japanese and ``fonts-nanum`` for Korean (TrueType
fonts, whose text PDF readers and search can extract, unlike the CFF fonts of Noto CJK).
Its HarfBuzz shaping (uharfbuzz) joins Arabic letters and places Indic and Thai marks; its
bidirectional algorithm puts Hebrew and Arabic right to left. segno draws the QR code of
the public verification address. Nothing is fetched: it renders offline. The layout is
centred, so it reads the same in either direction.
"""

import io
import logging
from dataclasses import dataclass
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

FONT_DIRS = [
    Path("/usr/share/fonts/truetype/noto"),
    Path("/usr/share/fonts/truetype/droid"),
    Path("/usr/share/fonts/truetype/nanum"),
]


@dataclass(frozen=True)
class Script:
    regular: str
    bold: str | None  # None: the font has no bold (bold lines are drawn regular)
    ranges: tuple[tuple[int, int], ...]  # code points that need this font
    languages: frozenset[str]  # base languages whose certificate is set in it


#: Every script a course or a name may be written in, by font family. Latin (with Greek,
#: Cyrillic and Vietnamese) is always loaded; the others when the language or a text needs
#: them. The CJK font has no bold, and loading it is most of a CJK certificate's time
#: (about a second): fonts are loaded once per document, and only those needed.
SCRIPTS = {
    "latin": Script("NotoSans-Regular.ttf", "NotoSans-Bold.ttf", (), frozenset()),
    "hebrew": Script(
        "NotoSansHebrew-Regular.ttf",
        "NotoSansHebrew-Bold.ttf",
        ((0x0590, 0x05FF), (0xFB1D, 0xFB4F)),
        frozenset({"he"}),
    ),
    "arabic": Script(
        "NotoNaskhArabic-Regular.ttf",
        "NotoNaskhArabic-Bold.ttf",
        ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)),
        frozenset({"ar", "fa", "ur"}),
    ),
    "thai": Script(
        "NotoSansThai-Regular.ttf", "NotoSansThai-Bold.ttf", ((0x0E00, 0x0E7F),), frozenset({"th"})
    ),
    "devanagari": Script(
        "NotoSansDevanagari-Regular.ttf",
        "NotoSansDevanagari-Bold.ttf",
        ((0x0900, 0x097F), (0xA8E0, 0xA8FF)),
        frozenset({"hi", "mr", "ne"}),
    ),
    "bengali": Script(
        "NotoSansBengali-Regular.ttf",
        "NotoSansBengali-Bold.ttf",
        ((0x0980, 0x09FF),),
        frozenset({"bn"}),
    ),
    "tamil": Script(
        "NotoSansTamil-Regular.ttf",
        "NotoSansTamil-Bold.ttf",
        ((0x0B80, 0x0BFF),),
        frozenset({"ta"}),
    ),
    "korean": Script(
        "NanumGothic.ttf",
        "NanumGothicBold.ttf",
        ((0x1100, 0x11FF), (0x3130, 0x318F), (0xAC00, 0xD7AF)),
        frozenset({"ko"}),
    ),
    # Han, Kana and CJK punctuation: whatever the fonts above lack from U+2E80 on.
    "cjk": Script(
        "DroidSansFallbackFull.ttf",
        None,
        ((0x2E80, 0x9FFF), (0xF900, 0xFAFF), (0xFF00, 0xFFEF)),
        frozenset({"ja", "zh"}),
    ),
}
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
    ``texts`` need as fallbacks (a Hebrew name on an English certificate)."""
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_lang(lang.replace("_", "-"))
    pdf.set_creator("Brand ambassador LMS")
    families = font_families(lang, texts)
    for family in families:
        script = SCRIPTS[family]
        pdf.add_font(family, "", str(_font_file(script.regular)))
        if script.bold:
            pdf.add_font(family, "B", str(_font_file(script.bold)))
    pdf.set_text_shaping(True)
    pdf.set_font(families[0], size=12)
    pdf.set_fallback_fonts(families[1:], exact_match=False)
    return pdf


def font_families(lang: str, texts: list[str]) -> list[str]:
    """The font families a certificate in ``lang`` showing ``texts`` needs: the
    language's own first, then Latin, then any script the texts use."""
    base = lang.split("_")[0]
    own = [name for name, script in SCRIPTS.items() if base in script.languages]
    chars = {ord(char) for text in texts for char in text}
    used = [
        name
        for name, script in SCRIPTS.items()
        if any(low <= c <= high for c in chars for low, high in script.ranges)
    ]
    families = [*own, "latin", *used]
    return list(dict.fromkeys(families))


def _line(pdf: FPDF, text: str, size: float, color: tuple, bold: bool = False) -> None:
    has_bold = SCRIPTS[pdf.font_family].bold is not None
    pdf.set_font(style="B" if bold and has_bold else "", size=size)
    pdf.set_text_color(*color)
    pdf.multi_cell(0, size * 0.55, text, align="C", new_x="LMARGIN", new_y="NEXT")
