"""A person's walk through the real app in Chromium, with an axe scan of every page."""

import os
import re
from datetime import timedelta
from pathlib import Path

from lms.extensions import db
from lms.models import Certification
from lms.models import QuizAttempt
from lms.models import User
from lms.models import utcnow
from lms.queries import catalog
from lms.services import clearance
from lms.services import content_store
from lms.services.demo import create_demo_users
from lms.services.demo import fill_company_settings
from tests.helpers import answer_form
from tests.helpers import served_earlier

PASSWORD = "correct horse battery staple"
COURSE = "social-media-policy"
#: Impacts that fail a test; "moderate" and "minor" findings are printed only.
FAILING_IMPACTS = {"serious", "critical"}
#: Set to a folder to keep a full-page PNG of every page a journey visits.
SCREENSHOTS = os.environ.get("LMS_BROWSER_SCREENSHOTS")
PHONE_SCREEN = {"width": 390, "height": 844}
#: Every page gets axe-core (bundled by axe-playwright-python) from the browser context's
#: init script (see the ``journey`` fixture): loading it once per page, not once per scan.
AXE_RUN = "axe.run(document, {resultTypes: ['violations']})"
#: Reported like an axe violation: the whole page scrolls sideways, as on a phone when a
#: table or a long word is wider than the screen.
SIDEWAYS = {
    "id": "page-wider-than-screen",
    "impact": "serious",
    "nodes": [{"target": ["html"]}],
    "help": "The page must fit the width of the screen (WCAG 1.4.10 Reflow)",
}


def seed_demo(content_root: Path, password: str) -> None:
    """What `flask lms demo` gives on a fresh install, plus a past certification so that
    the HR pages have history to show."""
    content_store.sync(content_root)
    fill_company_settings()
    create_demo_users(password)
    wei = User.find("wei@example.com")
    version = catalog.latest_version(COURSE)
    issued = utcnow() - timedelta(days=40)
    db.session.add(
        Certification(
            user_id=wei.id,
            course_id=COURSE,
            course_version_id=version.id,
            major=version.major,
            minor=version.minor,
            issued_at=issued,
            expires_at=issued + timedelta(days=365),
            status="active",
        )
    )
    clearance.refresh(wei)
    db.session.commit()


class Journey:
    """One person's browser tab. ``open`` and ``follow`` check the HTTP status, scan the
    page with axe and keep its findings; ``assert_accessible`` fails on serious ones."""

    def __init__(self, page, base_url: str, app, name: str):
        self.page, self.base_url, self.app, self.name = page, base_url, app, name
        self.findings: list[tuple[str, dict]] = []  # (page path, axe violation)
        self.visited: list[str] = []

    def open(self, path: str, status: int = 200):
        response = self.page.goto(self.base_url + path)
        return self._arrived(response, status)

    def follow(self, action, status: int = 200):
        """Run ``action`` (a click or a form submission) and check the page it leads to."""
        with self.page.expect_navigation() as navigation:
            action()
        return self._arrived(navigation.value, status)

    def click(self, selector: str, status: int = 200):
        return self.follow(lambda: self.page.locator(selector).first.click(), status)

    def sign_in(self, email: str):
        self.open("/login")
        self.page.fill("input[name=email]", email)
        self.page.fill("input[name=password]", PASSWORD)
        self.click("main form [type=submit]")

    @property
    def path(self) -> str:
        return self.page.url.removeprefix(self.base_url)

    def text(self, selector: str = "main") -> str:
        return re.sub(r"\s+", " ", self.page.inner_text(selector))

    def _arrived(self, response, status: int):
        assert response is not None, f"{self.name}: no page loaded"
        assert response.status == status, (
            f"{self.name}: {response.url} answered {response.status}, expected {status}"
        )
        self.visited.append(self.path)
        overflow = self.page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        self.findings += [(self.path, SIDEWAYS)] if overflow > 0 else []
        self._scan()
        if SCREENSHOTS:
            slug = re.sub(r"[^a-z0-9]+", "-", self.path.lower()).strip("-") or "home"
            self.page.screenshot(
                full_page=True,
                path=str(Path(SCREENSHOTS, f"{self.name}-{len(self.visited):02d}-{slug}.png")),
            )
        return response

    def _scan(self) -> None:
        results = self.page.evaluate(AXE_RUN)
        self.findings += [(self.path, v) for v in results["violations"]]

    def assert_accessible(self) -> None:
        failing = [(path, v) for path, v in self.findings if v["impact"] in FAILING_IMPACTS]
        for path, v in self.findings:
            if v["impact"] not in FAILING_IMPACTS:
                print(f"axe ({v['impact']}) {self.name} {path}: {v['id']}")
        assert not failing, f"{self.name}: axe found serious problems:\n" + "\n".join(
            _describe(path, v) for path, v in failing
        )

    # --- reading and the quiz ---------------------------------------------------------------

    def spend_reading_time(self, seconds: int) -> None:
        """Make the open module page count as read for ``seconds``: its signed view time
        moved into the past, as if the page had been open that long (the course asks for
        a minimum time on the modules before the quiz)."""
        field = self.page.locator('main form input[name="view"]')
        with self.app.app_context():
            field.evaluate(
                "(input, token) => { input.value = token; }",
                served_earlier(field.input_value(), seconds),
            )

    def choose_right_answers(self) -> None:
        """Tick the right answers of the attempt on screen, looked up in the database as
        the HTTP tests do (the page shows answers in a shuffled order)."""
        attempt_id = int(re.search(r"/training/attempts/(\d+)", self.page.url).group(1))
        with self.app.app_context():
            attempt = db.session.get(QuizAttempt, attempt_id)
            form = answer_form(attempt)
            db.session.remove()
        for name, positions in form.items():
            for position in positions:
                self.page.locator(f'[id="{name}-{position}"]').check()


def _describe(path: str, violation: dict) -> str:
    targets = "; ".join(" ".join(map(str, node["target"])) for node in violation["nodes"])
    return (
        f"  {path}: {violation['id']} ({violation['impact']}) {violation['help']}"
        f"\n    on: {targets}"
    )
