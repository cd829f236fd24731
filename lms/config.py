"""Configuration defaults, overridden by ``LMS_*`` environment variables.

``LMS_ENV=production`` turns on the production rules: a real secret key is required,
cookies are sent over HTTPS only, and demo data is refused.
"""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: UI and content languages we ship catalogs for; the first is the default.
LANGUAGES = ["en", "zh_Hans", "he", "es", "de", "fr", "ja", "pt_BR"]
#: Languages written right to left.
RTL_LANGUAGES = {"he", "ar", "fa", "ur"}


class Config:
    LMS_ENV = "development"
    SECRET_KEY = None  # development: generated once into the instance folder
    SQLALCHEMY_DATABASE_URI = None  # default: SQLite in the instance folder
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    AUTO_MIGRATE = True  # create or upgrade the schema on start
    CONTENT_ROOT = str(PROJECT_ROOT)  # the folder holding courses/ and quizzes/
    #: Log, on a server's first request, the courses whose files differ from what is
    #: published. Nothing is published on start: publishing is an explicit act.
    CONTENT_DRIFT_CHECK = True

    LANGUAGES = LANGUAGES
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    BABEL_TRANSLATION_DIRECTORIES = str(PROJECT_ROOT / "translations")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session
    MAX_CONTENT_LENGTH = 50 * 1024 * 1024  # largest upload; a 100,000-person roster is ~12 MB

    RATELIMIT_STORAGE_URI = "memory://"  # set LMS_RATELIMIT_STORAGE_URI=redis://… for many servers
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute;50 per hour"
    #: Longest stretch of reading counted for one page view, so an open tab does not count.
    MAX_SECONDS_PER_PAGE_VIEW = 30 * 60
    #: Uploaded roster files (personal data) are deleted this many days after upload.
    ROSTER_UPLOAD_RETENTION_DAYS = 30

    #: The job queue (lms/jobs/queue.py): "" is SQLite in the instance folder; production
    #: sets LMS_HUEY_URL=redis://… and runs `flask lms worker`; "immediate" runs each job
    #: where it is started.
    HUEY_URL = ""
    JOBS_QUEUE_NAME = "lms"  # the queue's name (its keys' prefix in Redis)
    #: Run jobs in a thread of the web process (the embedded default: nothing to start).
    JOBS_WORKER_IN_PROCESS = True
    JOBS_RETRIES = 2  # a job that raised is tried this many more times
    JOBS_RETRY_DELAY = 30  # seconds between tries
    #: A job queued or running this long without a sign of life is sent again.
    JOBS_STALE_MINUTES = 30
    #: Cron lines (minute hour day month weekday, UTC); "off" leaves it to cron.
    JOBS_DAILY_SCHEDULE = "15 2 * * *"
    JOBS_REMINDERS_SCHEDULE = "0 8 * * *"


class ProductionConfig(Config):
    LMS_ENV = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    AUTO_MIGRATE = False  # deploy: `flask db upgrade`, then `flask lms content sync`
    JOBS_WORKER_IN_PROCESS = False  # production runs `flask lms worker` processes


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key"
    RATELIMIT_ENABLED = False
    HUEY_URL = "immediate"  # tests that need a real queue set their own
    JOBS_WORKER_IN_PROCESS = False


def config_for_environment() -> type[Config]:
    return ProductionConfig if os.environ.get("LMS_ENV") == "production" else Config
