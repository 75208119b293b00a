"""gridops settings: one module, configured from environment variables.

Every variable has a safe default for the embedded setup (SQLite, tasks run in-process);
production sets DATABASE_URL, REDIS_URL, SECRET_KEY, DEBUG=0 and ALLOWED_HOSTS.
Helpers fail loudly on a malformed value instead of guessing.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

_DEV_SECRET = "dev-only-insecure-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz"


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "guardian",
    "apps.accounts",
    "apps.grid",
    "apps.cases",
    "apps.sla",
    "apps.notify",
    "apps.workbench",
    "apps.portal",
    "apps.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "gridops.urls"
WSGI_APPLICATION = "gridops.wsgi.application"

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
                "django.template.context_processors.i18n",
                "gridops.context_processors.site",
            ],
        },
    },
]

# Database: DATABASE_URL, SQLite file under var/ by default.
VAR_DIR = Path(env_str("GRIDOPS_VAR_DIR", str(BASE_DIR / "var")))
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'gridops.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the in-process sweep and web requests read while one writes. A transaction takes
    # the write lock when it begins (IMMEDIATE): one that read first and wrote later could not
    # wait for the lock and failed at once with "database is locked" when two users acted together.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        }
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
IS_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")
# PostgreSQL plans a statement sent with its values inline on every call; bound on the server,
# a statement run a few times on a connection is prepared once and then only executed (intake's
# statements cost the database a third to a half less). Set DB_PREPARED_STATEMENTS=0 behind a
# transaction-mode pooler (PgBouncer without max_prepared_statements), which cannot keep them.
if IS_POSTGRES and env_bool("DB_PREPARED_STATEMENTS", True):
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"server_side_binding": True, "prepare_threshold": env_int("DB_PREPARE_THRESHOLD", 5)}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row; anonymous residents use tracking codes

# Internationalisation: Simplified Chinese first, English complete.
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))

# Cache: Redis when configured (shared by all processes), local memory otherwise.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: Redis broker in production; without REDIS_URL tasks run in-process (eager).
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker outage must not hang a request: publishing gives up fast, the outbox re-sends later.
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
# Seconds between periodic runs (tests shorten it to watch a real beat work).
GRIDOPS_BEAT_INTERVAL_S = env_int("GRIDOPS_BEAT_INTERVAL_S", 60)
CELERY_BEAT_SCHEDULE = {
    "sla-sweep": {"task": "apps.sla.tasks.sla_sweep_task", "schedule": float(GRIDOPS_BEAT_INTERVAL_S)},
    "notify-resend": {"task": "apps.notify.tasks.notification_resend_task", "schedule": float(GRIDOPS_BEAT_INTERVAL_S)},
    "assignment-permissions": {
        "task": "apps.grid.tasks.assignment_permissions_sync_task",
        "schedule": float(GRIDOPS_BEAT_INTERVAL_S),
    },
}
# Embedded default: run the periodic jobs in a thread of the web process (make run).
GRIDOPS_INPROCESS_BEAT = env_bool("GRIDOPS_INPROCESS_BEAT", not REDIS_URL)

EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
# A city's mail relay usually wants a login and encryption: STARTTLS (usually port 587) or
# implicit TLS (usually 465), never both.
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set EMAIL_USE_TLS (STARTTLS) or EMAIL_USE_SSL (implicit TLS), not both.")
# A mail server that stops answering must not hold a delivery run past its time budget.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "gridops@localhost")

REST_FRAMEWORK = {
    # Token first: a client without valid credentials gets 401 with `WWW-Authenticate: Token`.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "gridops.api.exception_handler",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "gridops.negotiation.ContentNegotiation",
    "DEFAULT_PAGINATION_CLASS": "gridops.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # Password guessing (sign-in page and token endpoint): failed tries a minute per client
    # address and per account name (apps/accounts/throttling.py).
    "DEFAULT_THROTTLE_RATES": {"token": env_str("GRIDOPS_TOKEN_RATE", "10/minute")},
    # The client's address for those limits: REMOTE_ADDR, or the address the last NUM_PROXIES
    # proxies put in X-Forwarded-For (1 behind one load balancer). Never the header as sent: a
    # client could claim a new address for every guess.
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "gridops API",
    "DESCRIPTION": "Grid management: cases, the closed-loop workflow, the grid and SLA.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a field called "kind"; name each choice set after what it is.
    "ENUM_NAME_OVERRIDES": {
        "PhotoKindEnum": "apps.cases.choices.PhotoKind",
        "CategoryKindEnum": "apps.cases.choices.CategoryKind",
        "AlertKindEnum": "apps.sla.choices.AlertKind",
        "RequestKindEnum": "apps.sla.choices.RequestKind",
        "AssignmentKindEnum": "apps.grid.choices.AssignmentKind",
    },
}

# Domain settings.
GRIDOPS_MAP_TILE_URL = env_str("GRIDOPS_MAP_TILE_URL", "")  # e.g. an internal tile server; empty: no base map
GRIDOPS_MAP_TILE_ATTRIBUTION = env_str("GRIDOPS_MAP_TILE_ATTRIBUTION", "")
GRIDOPS_PHOTO_MAX_BYTES = env_int("GRIDOPS_PHOTO_MAX_BYTES", 10 * 1024 * 1024)
GRIDOPS_CATALOG_CACHE_SECONDS = env_int("GRIDOPS_CATALOG_CACHE_SECONDS", 5)  # categories, policies, calendars
GRIDOPS_LOCATOR_CHECK_SECONDS = env_int("GRIDOPS_LOCATOR_CHECK_SECONDS", 2)  # grid revision check
GRIDOPS_DUPLICATE_RADIUS_M = env_int("GRIDOPS_DUPLICATE_RADIUS_M", 100)
GRIDOPS_DUPLICATE_WINDOW_H = env_int("GRIDOPS_DUPLICATE_WINDOW_H", 72)
GRIDOPS_REOPEN_WINDOW_DAYS = env_int("GRIDOPS_REOPEN_WINDOW_DAYS", 7)
# "Same day" SLA limits (当日办结): a stage starting after this local time is due the next working day.
GRIDOPS_SLA_SAME_DAY_CUTOFF = env_str("GRIDOPS_SLA_SAME_DAY_CUTOFF", "16:00")

# Production hardening: on whenever DEBUG is off.
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_CONTENT_TYPE_NOSNIFF = True

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").strip().upper()
if LOG_LEVEL not in LOG_LEVELS:
    raise ImproperlyConfigured(f"LOG_LEVEL={env_str('LOG_LEVEL')!r} is not one of {', '.join(LOG_LEVELS)}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
