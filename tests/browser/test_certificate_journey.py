"""The certificate's public check in Chromium: someone with the code, in Hebrew on a
phone, types it as printed (any case, spaces) and reads the answer; axe scans each page.
Nothing is changed: the other journeys share this database."""

import sqlalchemy as sa

from lms.extensions import db
from lms.models import Certification
from lms.models import User


def code_of(app, email: str) -> str:
    with app.app_context():
        user = User.find(email)
        code = db.session.scalar(
            sa.select(Certification.verification_code).where(Certification.user_id == user.id)
        )
        db.session.remove()
    return code


def test_anyone_checks_a_certificate_in_hebrew_on_a_phone(journey, live_app):
    code = code_of(live_app, "wei@example.com")
    me = journey("verifier", phone=True, locale="he-IL")
    me.open("/verify")
    assert me.page.locator("html").get_attribute("dir") == "rtl"
    me.page.fill("#code", code.replace("-", " ").lower())
    me.click("main form [type=submit]")
    assert "תעודה בתוקף" in me.text()  # "Valid certificate"
    assert "Wei" in me.text()
    me.open("/verify/AAAA-BBBB-CCCC-DDDD-EEEE-FFFF", status=404)
    assert "אין תעודה עם הקוד הזה." in me.text()  # "No certificate has this code."
    me.assert_accessible()


def test_the_certified_learner_finds_their_certificate_on_the_course_page(journey, live_app):
    me = journey("certified")
    me.sign_in("wei@example.com")
    me.open("/training/social-media-policy")
    link = me.page.locator('main a[href$="/certificate.pdf"]')
    assert link.is_visible()
    with me.page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.startswith("certificate-social-media-policy-")
    me.assert_accessible()
