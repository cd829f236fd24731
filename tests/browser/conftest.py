"""One live server and one Chromium for the browser journeys of the whole session.

The browser tests run on SQLite only: the database changes nothing the browser sees, and
every page and service they pass through runs on PostgreSQL in the HTTP tests.
They skip, saying why, where Playwright, axe or Chromium is missing.
"""

import shutil
import threading

import pytest
from werkzeug.serving import WSGIRequestHandler
from werkzeug.serving import make_server

from lms import create_app
from lms.config import PROJECT_ROOT
from lms.extensions import db
from tests.browser.support import PASSWORD
from tests.browser.support import PHONE_SCREEN
from tests.browser.support import Journey
from tests.browser.support import seed_demo

#: Launch arguments for Debian's Chromium (docs: ../shared/docs/tools.md).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
PHONE = {"viewport": PHONE_SCREEN, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")
    return path


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        """One line per request would drown the test output; errors are still logged."""


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """The real app on a file SQLite database with the bundled course and the demo people."""
    folder = tmp_path_factory.mktemp("browser")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'lms.db'}",
            "AUTO_MIGRATE": False,
            "CONTENT_ROOT": str(PROJECT_ROOT),
        }
    )
    with app.app_context():
        db.create_all()
        seed_demo(PROJECT_ROOT, PASSWORD)
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_app):
    """The app served on a free loopback port by a thread; its base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
    axe = pytest.importorskip(
        "axe_playwright_python.base", reason="axe-playwright-python is not installed"
    )
    executable = _chromium()
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium, axe.AXE_SCRIPT
        chromium.close()


@pytest.fixture
def journey(browser, live_server, live_app):
    """``journey(name, phone=False, locale=…)``: a fresh browser context (no cookies)
    for one person's walk; every page it opens is scanned by axe."""
    contexts = []

    def start(name: str, phone: bool = False, locale: str = "en-US") -> Journey:
        chromium, axe_script = browser
        context = chromium.new_context(locale=locale, **(PHONE if phone else DESKTOP))
        context.add_init_script(script=axe_script)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return Journey(context.new_page(), live_server, live_app, name)

    yield start
    for context in contexts:
        context.close()
