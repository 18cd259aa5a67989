"""Tandem settings: one module, driven by environment variables.

DJANGO_ENV selects the posture: ``development`` (default), ``test`` or
``production``. Production refuses to start without the variables that make it
safe (SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, REDIS_URL).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import dj_database_url
import django_stubs_ext
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

# Lets annotations such as ModelAdmin[Agency] work at run time as they do for mypy.
django_stubs_ext.monkeypatch()


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DJANGO_ENV = env("DJANGO_ENV", "development")
if DJANGO_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured("DJANGO_ENV must be development, test or production")
PRODUCTION = DJANGO_ENV == "production"


def required(name: str, fallback: str) -> str:
    """In production a missing variable is an error; elsewhere a local default serves."""
    value = env(name)
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(f"{name} must be set when DJANGO_ENV=production")
    return fallback


SECRET_KEY = required("SECRET_KEY", "dev-only-insecure-key-" + "x" * 40)
DEBUG = env_bool("DEBUG", default=DJANGO_ENV == "development")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS") or ([] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DJANGO_ENV=production")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "csp",
    # A second factor: an authenticator app (TOTP) and recovery codes (agencies.second_factor).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # Lockout after failed sign-ins (accounts.lockout); before accounts, whose signals follow its own.
    "axes",
    "web",
    "agencies",
    "accounts",
    "access_control",
    "outbox",
    "cases",
    "referrals",
    "deadlines",
    "supervision",
    "home",
    "datasets",
    # The demo's seeding and its commands (they need Faker, which the production image does
    # not install): not there at all in production.
    *([] if PRODUCTION else ["demo"]),
]

MIDDLEWARE = [
    "access_control.request_context.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "web.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Whether this session has given its second factor (request.user.is_verified()).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionLifetimeMiddleware",
    # Until it has (or, with MFA_REQUIRED, set one up), a session is held at that step.
    "accounts.mfa_middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last: answers an attempt axes refused as locked out (429: accounts.views_lockout).
    "axes.middleware.AxesMiddleware",
]

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
                "config.context_processors.navigation",
            ],
        },
    },
]

# --- data stores ---------------------------------------------------------------

DATABASE_URL = required("DATABASE_URL", "")
if not DATABASE_URL:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Start Tandem through manage.py, `make run` or `make test`, "
        "which start an embedded PostgreSQL when it is unset."
    )
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = required("REDIS_URL", "")


def celery_broker_url(redis_url: str) -> str:
    """Celery names a Unix-socket Redis ``redis+socket://``; redis-py names it ``unix://``."""
    parsed = urlparse(redis_url)
    if parsed.scheme == "unix":
        return f"redis+socket://{parsed.path}"
    return redis_url


# Shared cache (rate limits, throttles) across every web process.
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "tandem"),
            # An unreachable Redis is a quick error (which throttles and the public form's
            # limit let through, logged), not a request left waiting on it.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

CELERY_BROKER_URL = celery_broker_url(REDIS_URL) if REDIS_URL else "memory://"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Europe/London"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # The outbox's safety net: messages whose enqueue was lost or whose worker died go again.
    "outbox-redeliver-stale": {"task": "outbox.tasks.redeliver_stale", "schedule": 120.0},
    # Deadline reminders: the sweep records what has come due in the outbox.
    "sweep-deadlines": {"task": "deadlines.tasks.sweep_deadlines", "schedule": 120.0},
    "deadline-daily-digests": {"task": "deadlines.tasks.send_daily_digests", "schedule": crontab(hour=7, minute=0)},
    # The head of every access log chain written down, so a cut-off tail is found.
    "anchor-access-log": {"task": "access_control.tasks.anchor_access_log", "schedule": 60.0},
}

# --- authentication -------------------------------------------------------------

AUTH_USER_MODEL = "agencies.User"
AUTHENTICATION_BACKENDS = [
    # First: a locked account or address is refused before any password is checked.
    "accounts.lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # zxcvbn, offline: its lists of passwords seen in breaches, words and names, and patterns
    # (repeats, sequences, keyboard walks, dates). "aaaaaaaaaaaa" or twelve spaces fail here.
    {"NAME": "django_zxcvbn_password_validator.ZxcvbnPasswordValidator"},
]
# 3 of 0-4: "safely unguessable", about 10^10 guesses (zxcvbn's scale).
PASSWORD_MINIMAL_STRENGTH = 3
PASSWORD_EXTRA_DICTIONARY = ["tandem", "child", "children", "protection", "social", "care", "police", "health"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = int(env("PASSWORD_RESET_TIMEOUT", str(3 * 24 * 3600)))

# A second factor (accounts.mfa, agencies.second_factor): whoever has one gives a code after
# their password. MFA_REQUIRED (on in production) sends a person without one to set it up
# before anything else; in development and tests the demo accounts sign in with a password.
MFA_REQUIRED = env_bool("MFA_REQUIRED", default=PRODUCTION)
OTP_TOTP_ISSUER = "Tandem"

# Lockout (django-axes, attempts in the database; accounts.lockout): every password checked
# through authenticate() counts, the sign-in page's and the API token endpoint's alike. An
# account is locked after AXES_FAILURE_LIMIT failures, an address after
# LOCKOUT_ADDRESS_FAILURE_LIMIT (on any accounts), for AXES_COOLOFF_TIME after the last one
# that counted; a good password clears the account's count; an agency admin can unlock.
AXES_HANDLER = "accounts.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = int(env("LOCKOUT_FAILURE_LIMIT", "5"))
LOCKOUT_ADDRESS_FAILURE_LIMIT = int(env("LOCKOUT_ADDRESS_FAILURE_LIMIT", "20"))
AXES_COOLOFF_TIME = timedelta(minutes=int(env("LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
# Trying again while locked does not lengthen the lock (the page says how long it lasts).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_CALLABLE = "accounts.lockout.attempted_account"
# The address as every rate limit counts it: behind NUM_PROXIES trusted proxies only.
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.attempt_address"
AXES_LOCKOUT_CALLABLE = "accounts.views_lockout.locked_out"
# Sign-ins are in the security log (the access log); axes keeps only the failures it counts.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
# Asking for a password-reset link, per address and per email address typed, and using one
# (the set-password page), per address: requests per hour (accounts.lockout.over_limit).
PASSWORD_RESET_RATE_PER_HOUR = int(env("PASSWORD_RESET_RATE_PER_HOUR", "10"))
PASSWORD_RESET_EMAIL_RATE_PER_HOUR = int(env("PASSWORD_RESET_EMAIL_RATE_PER_HOUR", "3"))
SET_PASSWORD_RATE_PER_HOUR = int(env("SET_PASSWORD_RATE_PER_HOUR", "30"))

# Idle timeout: the session lives SESSION_IDLE_MINUTES after the last request.
SESSION_COOKIE_AGE = int(env("SESSION_IDLE_MINUTES", "30")) * 60
SESSION_SAVE_EVERY_REQUEST = True
# Absolute lifetime: however busy, a session ends this long after it signed in (accounts.middleware).
SESSION_ABSOLUTE_HOURS = int(env("SESSION_ABSOLUTE_HOURS", "12"))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# API tokens (django-rest-knox): a new one at each sign-in, per client, stored as a digest only,
# ending API_TOKEN_TTL_HOURS after it was issued however much it is used (no auto-refresh).
API_TOKEN_TTL_HOURS = int(env("API_TOKEN_TTL_HOURS", "12"))
# The most tokens one person holds at once: a stolen password cannot mint tokens without end,
# and the person's list of tokens stays one they can read (accounts.tokens.issue).
API_TOKENS_PER_PERSON = int(env("API_TOKENS_PER_PERSON", "20"))
KNOX_TOKEN_MODEL = "accounts.ApiToken"  # noqa: S105 (a model's name)
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=API_TOKEN_TTL_HOURS),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}
# knox's migrations make the table of its own token model, which accounts.ApiToken replaces
# (and a flush would not empty): they are not run, so that table is never made.
MIGRATION_MODULES = {"knox": None}
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# django-guardian: object permissions live in direct foreign-key tables only.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# --- security headers -----------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# Content Security Policy: this origin only, nothing inline, nothing framed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
        # What the policy blocks is reported to web.csp_reports, which logs it.
        "report-uri": ["/csp-report/"],
    },
}

# Powerful browser features no page of Tandem uses are off for every page and anything it
# embeds (django-permissions-policy sets the Permissions-Policy header).
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "bluetooth",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# --- email ----------------------------------------------------------------------

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
# The file-based backend's directory (development and tests), only when given.
if env("EMAIL_FILE_PATH"):
    EMAIL_FILE_PATH = env("EMAIL_FILE_PATH")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Tandem <no-reply@tandem.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- case documents: stored outside static files, served only through the policy ---

MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / ".local" / "media")))
DOCUMENT_MAX_BYTES = int(env("DOCUMENT_MAX_MB", "20")) * 1024 * 1024
DOCUMENT_CONTENT_TYPES = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "text/plain": ".txt",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- the need-to-know policy ---------------------------------------------------------

BREAK_GLASS_HOURS = int(env("BREAK_GLASS_HOURS", "4"))

# --- deadlines ---------------------------------------------------------------------------

# Close of business: a deadline "in N working days" falls due at this local time.
WORKING_DAY_ENDS = env("WORKING_DAY_ENDS", "17:00")

# --- outbox ----------------------------------------------------------------------

# Each kind of message the outbox carries and the function that sends it (outbox/delivery.py).
OUTBOX_SENDERS = {
    "deadlines.reminder": "deadlines.reminders.send_reminder",
    "deadlines.notification_email": "deadlines.reminders.email_notification",
    "referrals.front_door": "referrals.notifications.notify_front_door",
    "cases.meeting_invitation": "cases.meetings.invitations.deliver_invitation",
    "cases.break_glass": "cases.break_glass.tell_of_break_glass",
}
# A lease older than this with nothing sent is taken to be a dead worker's; a message queued
# this long ago and still unsent is queued again by the safety net (outbox.tasks.redeliver_stale).
OUTBOX_LEASE_SECONDS = int(env("OUTBOX_LEASE_SECONDS", "120"))
OUTBOX_REQUEUE_SECONDS = int(env("OUTBOX_REQUEUE_SECONDS", "300"))

# --- access log -----------------------------------------------------------------
# Independent hash chains, so concurrent writers do not queue behind one lock; each chain's
# head is anchored every minute (and appended to ACCESS_LOG_ANCHOR_FILE when set: keep that
# file where the application's database role cannot reach, e.g. a write-once volume).
ACCESS_LOG_CHAINS = int(env("ACCESS_LOG_CHAINS", "16"))
ACCESS_LOG_ANCHOR_FILE = env("ACCESS_LOG_ANCHOR_FILE")

# The public concern form: submissions per address per hour, and the fastest a person fills it in.
PUBLIC_CONCERN_RATE_PER_HOUR = int(env("PUBLIC_CONCERN_RATE_PER_HOUR", "5"))
PUBLIC_CONCERN_MIN_SECONDS = int(env("PUBLIC_CONCERN_MIN_SECONDS", "5"))

# --- static files, i18n ---------------------------------------------------------

STATIC_URL = "static/"
# Production serves collected files (whitenoise); elsewhere they come straight from the finders.
STATIC_ROOT = Path(env("STATIC_ROOT", "/app/staticfiles")) if PRODUCTION else None
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- REST API ---------------------------------------------------------------------

# How many trusted proxies stand in front of the app: only then is X-Forwarded-For used to
# tell clients apart for rate limits (a client's own header is never believed).
NUM_PROXIES = int(env("NUM_PROXIES", "0"))

REST_FRAMEWORK = {
    # The token class first: its WWW-Authenticate header makes a missing or bad credential a
    # 401 (DRF answers 403 when the first class has none, as SessionAuthentication has not).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # knox's expiring, revocable tokens, still sent as "Authorization: Token <key>".
        "accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's three parsers, JSON's with a bound on nesting (a body nested thousands deep is a 400).
    "DEFAULT_PARSER_CLASSES": [
        "web.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    # drf-spectacular's, with every operation's 400/401/403/404/415/429 answers (web/schema.py).
    "DEFAULT_SCHEMA_CLASS": "web.schema.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        # DRF's, failing open (with a warning) when Redis cannot be reached: web.throttling.
        "web.throttling.AnonRateThrottle",
        "web.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {"anon": "60/minute", "user": "600/minute"},
    "NUM_PROXIES": NUM_PROXIES,
    # A service's ValidationError is a 400 by field, without a try/except in each view.
    "EXCEPTION_HANDLER": "web.api_errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tandem API",
    "DESCRIPTION": (
        "Multi-agency child protection case management. Every endpoint answers under the need-to-know policy."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "role" or "kind" with different choices: name each enum once.
    "ENUM_NAME_OVERRIDES": {
        "AgencyKindEnum": "agencies.models.AgencyKind",
        "AgencyRoleEnum": "agencies.models.Role",
        "TeamRoleEnum": "cases.models.TeamRole",
        "EntryKindEnum": "cases.models.EntryKind",
        "CaseStatusEnum": "cases.models.CaseStatus",
        "ConcernCategoryEnum": "cases.models.ConcernCategory",
        "ReferralStatusEnum": "referrals.models.ReferralStatus",
        "TriageDecisionEnum": "referrals.models.TriageDecision",
        # Plans (cases/plans/api.py); ActionState is shared with meeting actions.
        "PlanKindEnum": "cases.models.PlanKind",
        "PlanStateEnum": "cases.models.PlanState",
        "ActionStateEnum": "cases.models.ActionState",
        # Joint assessments (cases/assessments/api.py).
        "AssessmentStateEnum": "cases.models.AssessmentState",
        "ContributionStateEnum": "cases.models.ContributionState",
        # Meetings (cases/meetings/api.py).
        "MeetingKindEnum": "cases.models.MeetingKind",
        "MeetingStateEnum": "cases.models.MeetingState",
        # The chronology (cases/api.py): an entry's significance, and the filter's (with significant_only).
        "SignificanceEnum": "cases.models.Significance",
        "ChronologySignificanceEnum": "cases.filters.SIGNIFICANCE_CHOICES",
    },
}

# --- logging: no personal data, request-level facts only ---------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

DEMO_PASSWORD_ALLOWED = not PRODUCTION

# Absolute address of the site, for links in emails (set-password, notifications).
SITE_URL = env("SITE_URL", "http://localhost:8000")
