"""Configuration defaults, overridden by ``LMS_*`` environment variables.

``LMS_ENV=production`` turns on the production rules: a real secret key is required,
cookies are sent over HTTPS only, and demo data is refused.
"""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def discover_languages(translations: Path, default: str = "en") -> list[str]:
    """The interface languages: ``default`` (the language the interface is written in),
    then every locale with a compiled catalog under ``translations``, sorted. Adding a
    catalog adds a language: there is no list in the code to keep in step. Course
    languages are separate: a course is served in whatever languages its files are in."""
    found = sorted(
        path.parent.parent.name
        for path in translations.glob("*/LC_MESSAGES/messages.mo")
        if path.parent.parent.name != default
    )
    return [default, *found]


#: The interface languages we ship catalogs for; the first is the default.
LANGUAGES = discover_languages(PROJECT_ROOT / "translations")
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

    #: The Redis that several servers share (``redis://host:6379/0``): the rate limit's
    #: counts (and the job queue) live there. Unset: one process, counts in its memory.
    REDIS_URL = None
    #: Where the rate limit counts; unset means REDIS_URL, else this process's memory.
    RATELIMIT_STORAGE_URI = None
    #: Redis unreachable: count in this process's memory rather than refuse every sign-in.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    #: Proxy hops in front of the app whose X-Forwarded-For (…-Proto, -Host, -Port, -Prefix)
    #: headers are trusted (Werkzeug's ProxyFix). 0: ignored, as anyone can send them.
    PROXY_FIX_X_FOR = 0
    PROXY_FIX_X_PROTO = 0
    PROXY_FIX_X_HOST = 0
    PROXY_FIX_X_PORT = 0
    PROXY_FIX_X_PREFIX = 0
    #: Failed sign-ins allowed per account (from any address) and per client address;
    #: successful sign-ins never count, so one office behind one address is never locked out.
    LOGIN_FAILURES_PER_ACCOUNT = "5 per 15 minutes"
    LOGIN_FAILURES_PER_CLIENT = "100 per hour"
    #: "Forgot password?" requests per account named and per client address.
    RESET_REQUESTS_PER_ACCOUNT = "3 per hour"
    RESET_REQUESTS_PER_CLIENT = "20 per hour"
    #: Requests each API token may make (clearance API), unless the token has a limit of its
    #: own (set when it is created); above it, 429 with Retry-After. Counted where the
    #: sign-in limits count.
    API_RATE_LIMIT = "600 per minute"
    #: How long the link of an invitation, and of a password reset, works.
    INVITATION_DAYS = 7
    RESET_HOURS = 2
    #: Longest stretch of reading counted for one page view, so an open tab does not count.
    MAX_SECONDS_PER_PAGE_VIEW = 30 * 60
    #: Uploaded roster files (personal data) are deleted this many days after upload.
    ROSTER_UPLOAD_RETENTION_DAYS = 30

    #: E-mail (reminders, invitations, password links), through this SMTP server.
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_SENDER = "lms@localhost"
    MAIL_TIMEOUT = 30
    #: Where people reach this site: the start of every link in an e-mail.
    BASE_URL = "http://localhost:5000"
    #: The first reminder goes this many days before the due date.
    REMINDER_DAYS_BEFORE = 7
    #: A reminder (or password link) still "sending" after this long was interrupted:
    #: retry it, at most this many times in all.
    REMINDER_STALE_MINUTES = 15
    REMINDER_MAX_ATTEMPTS = 5
    PASSWORD_LINK_STALE_MINUTES = 15
    PASSWORD_LINK_MAX_ATTEMPTS = 5
    #: SCIM groups that give roles: {"LMS HR": "hr", "LMS Admins": "admin", …}; set it as
    #: JSON in LMS_SCIM_GROUP_ROLES. For the roles it names, the groups decide (README).
    SCIM_GROUP_ROLES: dict[str, str] = {}

    #: Company sign-in through an OpenID Connect provider (README, "Company sign-in"): on
    #: when OIDC_ISSUER and OIDC_CLIENT_ID are set. The issuer is the provider's URL as its
    #: ID tokens name it; discovery is read from <issuer>/.well-known/openid-configuration.
    OIDC_ISSUER = ""
    OIDC_CLIENT_ID = ""
    OIDC_CLIENT_SECRET = ""
    OIDC_SCOPES = "openid email profile"
    #: The ID token claim that names the person, and the column it is matched against
    #: ("email": any case; "employee_id": exactly).
    OIDC_IDENTITY_CLAIM = "email"
    OIDC_MATCH_COLUMN = "email"
    #: The button says "Sign in with <OIDC_COMPANY_NAME>" (translated); OIDC_BUTTON_LABEL,
    #: if set, replaces the whole text.
    OIDC_COMPANY_NAME = ""
    OIDC_BUTTON_LABEL = ""
    #: Create the account of a person the provider vouches for but nobody added here.
    OIDC_JIT_CREATE = False
    #: Seconds to wait for the provider before saying it does not answer.
    OIDC_TIMEOUT = 10
    #: False, with company sign-in on, hides the password form and refuses passwords.
    PASSWORD_SIGN_IN = True

    #: The job queue (lms/jobs/queue.py): "" is REDIS_URL when that is set, else SQLite in
    #: the instance folder; production (REDIS_URL or LMS_HUEY_URL=redis://…) runs `flask
    #: lms worker`; "immediate" runs each job where it is started.
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
    #: Invitation and password-link e-mails waiting to go (a run starts only if some do).
    JOBS_INVITATIONS_SCHEDULE = "*/10 * * * *"
    #: Webhook deliveries (README, "Webhooks"): a run starts only if some are due.
    JOBS_WEBHOOKS_SCHEDULE = "* * * * *"

    #: Webhooks: a failed delivery is tried again, ever less often, for this long; an
    #: endpoint whose every attempt failed for this long is disabled and the admins told.
    WEBHOOKS_RETRY_HOURS = 72
    WEBHOOKS_DISABLE_AFTER_HOURS = 72
    #: Seconds to connect, and for the whole request; answers are read up to 1 KiB.
    WEBHOOKS_CONNECT_TIMEOUT = 3
    WEBHOOKS_TIMEOUT = 10
    #: Deliveries claimed at once, requests sent at the same time, and how long one run
    #: goes on claiming (seconds).
    WEBHOOKS_BATCH = 50
    WEBHOOKS_CONCURRENCY = 8
    WEBHOOKS_RUN_SECONDS = 50
    #: A delivery still "sending" after this long was interrupted: it goes back to pending.
    WEBHOOKS_STALE_MINUTES = 5
    #: Outbox events are looked at again for this long after first seen, in case an
    #: earlier id committed later (longer than any transaction that writes events).
    WEBHOOKS_SETTLE_MINUTES = 15
    #: Finished deliveries and their attempts are deleted after this many days.
    WEBHOOKS_LOG_DAYS = 30
    #: True lets every endpoint use private, loopback and link-local addresses (a lab or
    #: tests); otherwise an admin allows it per endpoint.
    WEBHOOKS_ALLOW_PRIVATE = False

    #: Public handle checks (/verify-handle, /api/v1/handles/…) allowed per client address.
    HANDLE_LOOKUPS_PER_CLIENT = "30 per minute; 300 per day"

    #: Push the cleared people, as one group, to an advocacy tool's SCIM 2.0 server
    #: (README, "SCIM push"): on when SCIM_PUSH_URL (its base, …/scim/v2) is set.
    SCIM_PUSH_URL = ""
    SCIM_PUSH_TOKEN = ""  # sent as Authorization: Bearer …
    SCIM_PUSH_GROUP_NAME = "Cleared representatives"
    #: A leaver's account on the target is deactivated too, when this LMS created it
    #: (accounts the tool or the identity provider made are only taken out of the group).
    SCIM_PUSH_DEACTIVATE_LEAVERS = True
    SCIM_PUSH_TIMEOUT = 30  # seconds to wait for the target
    #: After a failed push, the scheduler waits this long before trying again.
    SCIM_PUSH_RETRY_MINUTES = 5

    #: Public certificate checks (/verify/<code>) allowed per client address.
    CERTIFICATE_LOOKUPS_PER_CLIENT = "30 per minute; 300 per day"
    #: Changes are pushed by a job that runs when there are some (cron line, UTC); the
    #: whole group is compared with the cleared people once a day.
    JOBS_SCIM_PUSH_SCHEDULE = "* * * * *"
    JOBS_SCIM_RECONCILE_SCHEDULE = "45 2 * * *"

    #: xAPI 1.0.3 statements (attempted, completed, passed/failed) to a Learning Record
    #: Store (README, "xAPI"): on when XAPI_LRS_URL (its endpoint, …/xapi) is set.
    XAPI_LRS_URL = ""
    XAPI_LRS_USERNAME = ""  # HTTP basic auth: the LRS's key and secret
    XAPI_LRS_PASSWORD = ""
    #: True lets the LRS be on a private, loopback or link-local address.
    XAPI_ALLOW_PRIVATE = False
    XAPI_RETRY_HOURS = 72  # statements refused for this long are given up
    XAPI_CONNECT_TIMEOUT = 3
    XAPI_TIMEOUT = 10
    XAPI_BATCH = 50
    XAPI_RUN_SECONDS = 50
    XAPI_STALE_MINUTES = 5
    XAPI_SETTLE_MINUTES = 15
    XAPI_LOG_DAYS = 30  # sent and given-up statements are forgotten after this long
    #: Statements are sent by a job that runs when there are some (cron line, UTC).
    JOBS_XAPI_SCHEDULE = "* * * * *"
    #: Retention (docs/privacy.md; shown at /admin/retention): days after which the daily
    #: `retention` job deletes, or strips of addresses, what has expired; in batches.
    RETENTION_SIGN_IN_ATTEMPTS_DAYS = 90  # failed sign-ins: what was typed, client address
    RETENTION_SESSIONS_DAYS = 365  # sign-ins (their cookies last a year at most)
    RETENTION_REMINDERS_DAYS = 365  # reminder e-mails: addresses removed, the record kept
    RETENTION_OUTBOX_DAYS = 30  # outbox events every consumer has read
    RETENTION_HANDLE_LOOKUPS_DAYS = 400  # daily counts of public handle checks
    RETENTION_JOBS_DAYS = 90  # finished jobs (their results can name people)
    RETENTION_PASSWORD_LINKS_DAYS = 30  # used, expired or cancelled password links
    #: Certifications, attempts, attestations and the audit trail are kept this many years
    #: after the person leaves; nothing deletes them (docs/privacy.md).
    RETENTION_EVIDENCE_YEARS = 7
    RETENTION_BATCH = 10000  # rows per transaction
    JOBS_RETENTION_SCHEDULE = "30 3 * * *"
    #: The company's time zone (IANA name): a due date is a whole day here ("due 31
    #: March" ends at midnight in this zone for everyone); dates without a time are
    #: company days. Times are shown in each reader's own zone (their account page).
    COMPANY_TIME_ZONE = "UTC"
    #: Someone overdue for longer than this many days: their manager's manager is told, once.
    ESCALATE_AFTER_DAYS = 14
    #: Each manager's weekly digest of reports overdue or expiring soon (cron line, UTC).
    JOBS_MANAGER_DIGEST_SCHEDULE = "0 7 * * 1"
    #: People named in one digest (the rest are counted, and on the team page).
    DIGEST_NAMES = 20


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
