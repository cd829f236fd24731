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
    #: SCIM groups that give roles: {"LMS HR": "hr", "LMS Admins": "admin", …}; set it as
    #: JSON in LMS_SCIM_GROUP_ROLES. For the roles it names, the groups decide (README).
    SCIM_GROUP_ROLES: dict[str, str] = {}


class ProductionConfig(Config):
    LMS_ENV = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    AUTO_MIGRATE = False  # deploy: `flask db upgrade`, then `flask lms content sync`


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key"
    RATELIMIT_ENABLED = False


def config_for_environment() -> type[Config]:
    return ProductionConfig if os.environ.get("LMS_ENV") == "production" else Config
