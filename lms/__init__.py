"""The brand-ambassador LMS: train, certify and clear employees to speak for the company."""

import logging
import secrets
import threading
from pathlib import Path

from flask import Flask
from flask import request

from lms import config as lms_config
from lms.extensions import csrf
from lms.extensions import db
from lms.extensions import limiter
from lms.extensions import login_manager
from lms.extensions import migrate

MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")
HEALTH_ENDPOINT = "public.health"


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application.

    Configuration comes from :mod:`lms.config`, then ``LMS_*`` environment variables
    (``LMS_SECRET_KEY``, …) and ``DATABASE_URL``, then ``test_config``.
    """
    from lms import input_checks

    app = Flask(__name__, instance_relative_config=True)
    input_checks.init_app(app)  # before the routes: it sets what <int:…> accepts
    _configure(app, test_config)
    _init_extensions(app)
    _register_blueprints(app)
    from lms import cli
    from lms import errors
    from lms import i18n
    from lms import jobs
    from lms import security
    from lms import templating

    errors.init_app(app)
    security.init_app(app)
    i18n.init_app(app)
    templating.init_app(app)
    cli.init_app(app)
    jobs.init_app(app)
    _prepare_database(app)
    return app


def _configure(app: Flask, test_config: dict | None) -> None:
    import os

    config_class = lms_config.TestingConfig if test_config else lms_config.config_for_environment()
    app.config.from_object(config_class)
    app.config.from_prefixed_env("LMS")
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if test_config:
        app.config.update(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path, 'lms.db')}"
    if not app.config["SECRET_KEY"]:
        if app.config["LMS_ENV"] == "production":
            raise RuntimeError("Set LMS_SECRET_KEY: production needs a fixed, secret key.")
        app.config["SECRET_KEY"] = _development_secret(Path(app.instance_path))
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    from lms import servers

    servers.configure(app)  # shared rate-limit storage, trusted proxies


def _development_secret(instance: Path) -> str:
    """A random key kept in the instance folder, so sessions survive restarts."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from lms.admin import bp as admin_bp
    from lms.api import bp as api_bp
    from lms.auth import bp as auth_bp
    from lms.author import bp as author_bp
    from lms.hr import bp as hr_bp
    from lms.jobpages import bp as jobpages_bp
    from lms.learn import bp as learn_bp
    from lms.learn.team import team_bp
    from lms.public import bp as public_bp
    from lms.scim import bp as scim_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(learn_bp)
    app.register_blueprint(team_bp)  # /team: a manager's reports
    app.register_blueprint(hr_bp)
    app.register_blueprint(author_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(jobpages_bp, url_prefix="/jobs")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    csrf.exempt(api_bp)  # bearer tokens, no cookies: nothing for CSRF to protect
    app.register_blueprint(scim_bp, url_prefix="/scim/v2")
    csrf.exempt(scim_bp)  # the same: the identity provider sends a bearer token


def _prepare_database(app: Flask) -> None:
    """Create or upgrade the schema (development only; production runs ``flask db
    upgrade``), and say in the log when the content files differ from what is published.

    Starting a server never publishes: a server started from an old checkout must not
    bring back an old policy. Publishing is an explicit act: the author's button, ``flask
    lms content sync`` as a deploy step, or ``flask lms demo`` on a demo machine.
    """
    with app.app_context():
        if app.config["AUTO_MIGRATE"]:
            from flask_migrate import upgrade

            upgrade(directory=MIGRATIONS_DIR)
    if app.config["CONTENT_DRIFT_CHECK"]:
        app.before_request(_ContentDriftCheck(Path(app.config["CONTENT_ROOT"])))


class _ContentDriftCheck:
    """A ``before_request`` hook: on the first request a process serves, log the courses
    whose files differ from their published version. It reads only; the published
    version is what learners get until someone publishes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.done = False
        self.lock = threading.Lock()

    def __call__(self) -> None:
        if self.done or request.endpoint == HEALTH_ENDPOINT:
            return  # the balancer's checks must stay cheap and answer while the database is down
        with self.lock:
            if not self.done:
                self.done = True
                self._check()

    def _check(self) -> None:
        import sqlalchemy as sa

        from lms.models import CourseVersion
        from lms.queries import catalog

        log = logging.getLogger(__name__)
        if not sa.inspect(db.engine).has_table(CourseVersion.__tablename__):
            log.warning("the database has no tables: run `flask db upgrade`")
            return
        differ = catalog.unpublished_courses(self.root)
        if differ:
            log.warning(
                "serving the published version of %s; the files under %s differ "
                "(publish them with `flask lms content sync`)",
                ", ".join(differ),
                self.root,
            )
