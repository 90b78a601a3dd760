"""Settings, read from environment variables (see the README's configuration table).

With no variables set the service runs on its embedded default: DEBUG on, SQLite in the project
folder, tasks in-process and emails printed to the console. Setting DJANGO_DEBUG=false switches on
every production protection, and then a real DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS are required.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# --- Operator settings ----------------------------------------------------------------------------

DEBUG = env_bool("DJANGO_DEBUG", True)
PRODUCTION = not DEBUG

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false")
    # Development only: a fixed, obviously unsafe key so sessions survive restarts of `make run`.
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production-0000000000"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# A test deployment on this machine only (.ci/production-path, bench/sign_in.py): production settings
# served over plain HTTP on loopback, so a script can sign in without a TLS proxy. It cannot weaken a
# real deployment: settings refuse it with any host name but loopback or behind a proxy, every request
# from an address that is not loopback is refused (agencies.middleware.LoopbackOnlyMiddleware), and
# `check --deploy` warns while it is on.
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
ALLOW_PLAIN_HTTP_ON_LOOPBACK = PRODUCTION and env_bool("DJANGO_ALLOW_PLAIN_HTTP_ON_LOOPBACK", False)
if ALLOW_PLAIN_HTTP_ON_LOOPBACK:
    if not ALLOWED_HOSTS or not set(ALLOWED_HOSTS) <= LOOPBACK_HOSTS:
        raise ImproperlyConfigured(
            "DJANGO_ALLOW_PLAIN_HTTP_ON_LOOPBACK is for a test deployment on loopback: DJANGO_ALLOWED_HOSTS "
            f"may hold only {', '.join(sorted(LOOPBACK_HOSTS))}, not {', '.join(ALLOWED_HOSTS) or 'nothing'}"
        )
    if env_bool("DJANGO_BEHIND_PROXY", False):
        raise ImproperlyConfigured("DJANGO_ALLOW_PLAIN_HTTP_ON_LOOPBACK cannot be used with DJANGO_BEHIND_PROXY")

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Access filters are EXISTS subqueries whose estimated cost crosses PostgreSQL's JIT thresholds at
    # county scale; compiling them cost more than running them (bench/README.md). OLTP work: JIT off.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SERVICE_NAME = os.environ.get("SERVICE_NAME", "Team Around the Child")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Idle time-out and absolute lifetime of a signed-in session.
SESSION_IDLE_TIMEOUT = timedelta(minutes=env_int("SESSION_IDLE_TIMEOUT_MINUTES", 30))
SESSION_ABSOLUTE_LIFETIME = timedelta(hours=env_int("SESSION_ABSOLUTE_HOURS", 12))
# A form posted after the time-out is kept this long for its author to sign in again and find it put back
# (a working day); beat deletes it then, since it may hold a child's details nobody saved.
KEPT_SUBMISSION_LIFETIME = timedelta(hours=env_int("KEPT_SUBMISSION_HOURS", 8))
SESSION_WARNING_BEFORE = timedelta(minutes=2)

# Referral response times when the receiving agency has not stated its own (working days).
REFERRAL_DEFAULT_RESPONSE_DAYS = env_int("REFERRAL_DEFAULT_RESPONSE_DAYS", 10)
REFERRAL_DEFAULT_URGENT_DAYS = env_int("REFERRAL_DEFAULT_URGENT_DAYS", 1)

# How long "break glass" emergency access to a child's record lasts.
EMERGENCY_ACCESS_HOURS = env_int("EMERGENCY_ACCESS_HOURS", 24)

# Who decides on a safeguarding concern: the agency of this name (a MASH or "front door") if set, else the
# area's children's social care agency (kind "social_care").
SAFEGUARDING_FRONT_DOOR_AGENCY = os.environ.get("SAFEGUARDING_FRONT_DOOR_AGENCY", "").strip()

# --- Applications ---------------------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",  # Django's own widget templates, for FORM_RENDERER below
    "guardian",
    "simple_history",
    "axes",
    "csp",
    "django_htmx",
    "agencies",
    "children",
    "caf",
    "referrals",
    "directory",
    "config.documents",  # the PDF pipeline every app's documents go through (label "documents")
    "config",  # the project's own app: shared web plumbing, "My work", the demo loader (config/apps.py)
]

MIDDLEWARE = [
    # First, so every log line of the request (and its audit rows) carries the request's id.
    "config.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # CORS, preflight, HEAD and JSON errors for everything under /openreferral/ (the profile's rules).
    "directory.openreferral_middleware.OpenReferralMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "agencies.middleware.SessionTimeoutMiddleware",
    "agencies.middleware.RequestMemoMiddleware",
    "agencies.middleware.NoStoreForSignedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes must come last so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

if PRODUCTION:
    # In development runserver (and the tests' live server) serve static files themselves.
    MIDDLEWARE.insert(2, "whitenoise.middleware.WhiteNoiseMiddleware")
if ALLOW_PLAIN_HTTP_ON_LOOPBACK:
    MIDDLEWARE.insert(0, "agencies.middleware.LoopbackOnlyMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "config.context_processors.service",
            ],
        },
    },
]

# Widgets render with the project's template engine, so the GOV.UK widget templates live in templates/forms/
# with the other templates (docs/architecture.md, "Forms").
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Accounts and authentication ------------------------------------------------------------------

AUTH_USER_MODEL = "agencies.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "sign-in"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "sign-in"

# First is the hasher for new passwords; a password hashed with other parameters is re-hashed with these at
# its owner's next sign-in (agencies/hashers.py says why these).
PASSWORD_HASHERS = [
    "agencies.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# NCSC guidance: length and a deny-list, no composition rules, long passphrases welcome.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# A reset or invitation link works for hours, not days (issue 15): a link found later in a mailbox is dead.
PASSWORD_RESET_TIMEOUT = 60 * 60 * env_int("PASSWORD_LINK_HOURS", 8)

# django-axes: lock an account after repeated failures; administrators unlock it in the admin.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
# Per account *and* address: five wrong passwords lock that address out of that account, so a stranger
# cannot lock a practitioner out everywhere, and one person's typos never lock out the building's shared
# address. Guessing across accounts, and the account alone, are slowed down by agencies/throttle.py.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "config.client.client_address"
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
# agencies/throttle.py: the sliding window, the account's slow-down, the per-address and overall limits.
SIGN_IN_WINDOW_MINUTES = env_int("SIGN_IN_WINDOW_MINUTES", 15)
SIGN_IN_SLOW_AFTER = env_int("SIGN_IN_SLOW_AFTER", 3)
SIGN_IN_SLOW_MAX_SECONDS = env_int("SIGN_IN_SLOW_MAX_SECONDS", 60)
SIGN_IN_ADDRESS_LIMIT = env_int("SIGN_IN_ADDRESS_LIMIT", 30)
SIGN_IN_OVERALL_LIMIT = env_int("SIGN_IN_OVERALL_LIMIT", 300)
SIGN_IN_ADDRESS_LIMIT_UNDER_ATTACK = env_int("SIGN_IN_ADDRESS_LIMIT_UNDER_ATTACK", 10)
RESET_WINDOW_MINUTES = env_int("RESET_WINDOW_MINUTES", 60)
RESET_ADDRESS_LIMIT = env_int("RESET_ADDRESS_LIMIT", 10)
RESET_ACCOUNT_LIMIT = env_int("RESET_ACCOUNT_LIMIT", 3)
AXES_RESET_ON_SUCCESS = True
# The sign-in form's field is "username" but holds an email: normalise it so "Tom@" and "tom@" count together.
AXES_USERNAME_CALLABLE = "agencies.signals.axes_username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# History is evidence: readable in the admin site, never reverted from it.
SIMPLE_HISTORY_REVERT_DISABLED = True

# django-guardian: no anonymous user; grants live on direct foreign-key tables per model.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# --- Sessions, cookies and transport security ----------------------------------------------------

# Sessions live in the database; this store answers a database restart with a 503, never a 400.
SESSION_ENGINE = "agencies.sessions"
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_LIFETIME.total_seconds())
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

if PRODUCTION:
    SESSION_COOKIE_SECURE = not ALLOW_PLAIN_HTTP_ON_LOOPBACK
    CSRF_COOKIE_SECURE = not ALLOW_PLAIN_HTTP_ON_LOOPBACK
    if SESSION_COOKIE_SECURE:
        # The __Host- prefix makes the browser refuse the cookie unless it is Secure, for this host only
        # (no Domain) and for every path: no sibling subdomain can set or shadow it.
        SESSION_COOKIE_NAME = "__Host-sessionid"
        CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True) and not ALLOW_PLAIN_HTTP_ON_LOOPBACK
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
    if env_bool("DJANGO_BEHIND_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# How many proxies of ours stand in front of the application, each appending to X-Forwarded-For: the
# client's address is read that many entries from the right (config/client.py); 0 reads REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 1 if env_bool("DJANGO_BEHIND_PROXY", False) else 0)

# Content Security Policy: our own scripts and styles only, nothing inline.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Static files ---------------------------------------------------------------------------------

STATIC_URL = "/static/"
# static/dist is built by `npm run build` (Dart Sass and the vendored GOV.UK Frontend and htmx).
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Generated documents are kept outside any web root and served only through an access-checked view.
MEDIA_ROOT = Path(os.environ.get("DJANGO_PRIVATE_FILES_ROOT", BASE_DIR / "private-files"))

# --- Email ----------------------------------------------------------------------------------------

EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "")
    if not EMAIL_BACKEND:
        if PRODUCTION:
            # The console backend would write every password-reset and invitation link, each one a way
            # into an account, to the server's log. A deployment names where its emails go.
            raise ImproperlyConfigured(
                "Set EMAIL_HOST (an SMTP server) or EMAIL_BACKEND (a Django email backend, named explicitly) "
                "when DJANGO_DEBUG is false"
            )
        EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH")  # for the file-based backend
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "no-reply@team-around-the-child.invalid")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery ---------------------------------------------------------------------------------------

# A co-ordinator's feed address is fetched by the server: in production only public addresses, so a
# form cannot be used to reach the machine's own services or the private network behind it.
DIRECTORY_IMPORT_ALLOW_PRIVATE_ADDRESSES = env_bool("DIRECTORY_IMPORT_ALLOW_PRIVATE_ADDRESSES", DEBUG)
# Largest feed file a co-ordinator may upload.
DIRECTORY_IMPORT_MAX_UPLOAD_MB = env_int("DIRECTORY_IMPORT_MAX_UPLOAD_MB", 100)

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
# Without a broker, tasks run in-process when queued: the embedded default needs no worker.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 120)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 150)
# The broker is RabbitMQ (docs/reliability.md says why and shows the figures): durable queues, persistent
# messages, and a message a dead worker held goes back to the queue as soon as its connection closes.
# Redis still works (redis://...): it re-delivers an unacknowledged task only after the visibility
# timeout, which must exceed the hard time limit; the sweepers do not rely on either.
BROKER_IS_REDIS = CELERY_BROKER_URL.startswith(("redis://", "rediss://", "redis+socket://"))
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT * 2} if BROKER_IS_REDIS else {}
CELERY_TASK_ROUTES = {"*.render_*": {"queue": "pdf"}}
# A worker or beat that loses the broker keeps trying for as long as it takes (Celery's default gives up
# after 100 attempts, about 45 minutes), at startup too, so a supervisor never has to restart it for that.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A web request publishes once, after its commit, and never waits long for a broker that is away: the
# row it wrote is the record, and beat's sweepers queue it again (config/queueing.py).
CELERY_BROKER_CONNECTION_TIMEOUT = env_int("CELERY_BROKER_CONNECTION_TIMEOUT", 2)
# AMQP heartbeats: a broker or worker that vanishes without closing its socket is noticed within a minute.
CELERY_BROKER_HEARTBEAT = env_int("CELERY_BROKER_HEARTBEAT", 30)
CELERY_TIMEZONE = "Europe/London"
# Beat's record of when each periodic task last ran: a local file, outside the repository's tracked files
# (`var/` is ignored). Give each beat its own when several checkouts share a machine.
CELERY_BEAT_SCHEDULE_FILENAME = os.environ.get(
    "CELERY_BEAT_SCHEDULE_FILENAME", str(BASE_DIR / "var" / "celerybeat-schedule")
)
CELERY_BEAT_SCHEDULER = "config.celery:PersistentSchedulerInItsFolder"
CELERY_BEAT_SCHEDULE = {
    "sweep-emergency-access": {"task": "children.sweep_emergency_access", "schedule": 15 * 60},
    "remind-overdue-escalations": {"task": "children.remind_overdue_escalations", "schedule": 5 * 60},
    # Cheap (two indexed queries), so often: a PDF whose worker died is made again within a minute.
    "sweep-document-jobs": {"task": "documents.sweep_document_jobs", "schedule": env_int("DOCUMENT_SWEEP_SECONDS", 15)},
    "tidy-document-files": {"task": "documents.tidy_document_files", "schedule": 60 * 60},
    # Each prompt is told once (its occurrence key), so running often only makes prompts timelier.
    "notify-overdue-actions": {
        "task": "caf.notify_overdue_actions",
        "schedule": env_int("ACTION_PROMPTS_SECONDS", 60 * 60),
    },
    "notify-reviews-due": {"task": "caf.notify_reviews_due", "schedule": env_int("ACTION_PROMPTS_SECONDS", 60 * 60)},
    # Outbox emails still unsent OUTBOX_STALE_AFTER_SECONDS after they were written (the broker was away).
    "sweep-notification-emails": {
        "task": "agencies.sweep_notification_emails",
        "schedule": env_int("OUTBOX_SWEEP_SECONDS", 15),
    },
    # Every 15 minutes, so a beat that was down at the digest hour still sends the day's digests; each user
    # gets one a day whatever the number of runs (agencies.NotificationDigest's unique key).
    "send-notification-digests": {"task": "agencies.send_notification_digests", "schedule": 15 * 60},
    "sweep-kept-submissions": {"task": "agencies.sweep_kept_submissions", "schedule": 15 * 60},
}
# The local hour (0-23) from which the day's digest emails go to users who chose one a day.
NOTIFICATION_DIGEST_HOUR = env_int("NOTIFICATION_DIGEST_HOUR", 7)
# A CAF's PDF copy is deleted this many days after it was made (the job stays, as a record): a new copy
# takes a second to make, and every copy kept is a copy of the family's information to lose.
DOCUMENT_RETENTION_DAYS = env_int("DOCUMENT_RETENTION_DAYS", 7)
# Documents (PDFs): a job still queued this long after it was asked for, and never handed to the broker
# (it was away), is queued again by the sweeper. One the broker accepted is queued again only after
# DOCUMENT_REQUEUE_AFTER_SECONDS, in case the broker lost it (a Redis without persistence restarting): a
# long queue is not a lost message. A second copy of a job's task does nothing: the job is claimed once.
DOCUMENT_STALE_AFTER_SECONDS = env_int("DOCUMENT_STALE_AFTER_SECONDS", 30)
DOCUMENT_REQUEUE_AFTER_SECONDS = env_int("DOCUMENT_REQUEUE_AFTER_SECONDS", 300)
# A job being rendered carries a lease: the worker renews it every DOCUMENT_HEARTBEAT_SECONDS, and a
# job whose lease is DOCUMENT_LEASE_SECONDS old has lost its worker (killed, or its machine gone), so the
# sweeper, or the task's own redelivered copy, takes it over. Much shorter than the hard time limit.
DOCUMENT_HEARTBEAT_SECONDS = env_int("DOCUMENT_HEARTBEAT_SECONDS", 5)
DOCUMENT_LEASE_SECONDS = env_int("DOCUMENT_LEASE_SECONDS", 20)
# Emails in the outbox still unsent this long after they were written are queued again by the sweeper.
OUTBOX_STALE_AFTER_SECONDS = env_int("OUTBOX_STALE_AFTER_SECONDS", 30)
# A published directory larger than this many entries is laid out in parts of this size by several workers
# at once and joined (see docs/architecture.md, Documents): each part stays well inside the task time limit.
DOCUMENT_DIRECTORY_PART_SIZE = env_int("DOCUMENT_DIRECTORY_PART_SIZE", 100)
# Test-only: a pause before each render, so the worker tests can kill a worker mid-render. Never set it.
DOCUMENT_RENDER_TEST_DELAY = env_int("DOCUMENT_RENDER_TEST_DELAY_SECONDS", 0)

# --- Internationalisation -------------------------------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "j M Y"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.request_id.RequestIdFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [request %(request_id)s] %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        # fontTools logs a dozen lines per font per document at INFO when it subsets (without HarfBuzz-Subset).
        "fontTools": {"level": "WARNING"},
    },
}
