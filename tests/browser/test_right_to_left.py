"""Arabic in Chromium on a phone: the interface and the course read right to left, seen
in screenshots (where the ink of a short heading sits), not only in the dir attribute."""

import io

from PIL import Image

from tests.browser.support import COURSE

ARABIC_TITLE = "سياسة وسائل التواصل الاجتماعي"


def ink_margins(png: bytes) -> tuple[int, int]:
    """(blank columns left of the first dark pixel, blank columns right of the last) in a
    screenshot of one element."""
    image = Image.open(io.BytesIO(png)).convert("L")
    width, height = image.size
    pixels = image.load()
    dark = [x for x in range(width) if any(pixels[x, y] < 128 for y in range(height))]
    assert dark, "the element shows no text"
    return dark[0], width - 1 - dark[-1]


def assert_reads_right_to_left(me, selector: str) -> None:
    heading = me.page.locator(selector).first
    left, right = ink_margins(heading.screenshot())
    assert right < 8 < left, (selector, left, right)


def test_an_arabic_speaker_reads_the_course_right_to_left_on_a_phone(journey):
    me = journey("employee-ar-phone", phone=True, locale="ar-EG")
    me.sign_in("layla@example.com")
    assert me.page.get_attribute("html", "dir") == "rtl"
    assert me.page.get_attribute("html", "lang") == "ar"
    assert ARABIC_TITLE in me.text("main")
    assert_reads_right_to_left(me, "main h1")  # "My training", in Arabic
    me.click(f'main a[href="/training/{COURSE}"]')
    me.click("main ol.list-group a")  # the first module, in Arabic
    article = me.page.locator("main article").first
    assert article.get_attribute("lang") == "ar" or me.page.get_attribute("html", "lang") == "ar"
    assert me.page.evaluate("getComputedStyle(document.querySelector('main')).direction") == "rtl"
    assert_reads_right_to_left(me, "main h2")  # a section heading of the module
    me.assert_accessible()


def test_the_same_heading_reads_left_to_right_in_english(journey):
    """The measurement can tell the two directions apart."""
    me = journey("employee-en-ltr")
    me.sign_in("employee@example.com")
    left, right = ink_margins(me.page.locator("main h1").first.screenshot())
    assert left < 8 < right, (left, right)
