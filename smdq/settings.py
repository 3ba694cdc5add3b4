"""Settings for smdq, read from the environment (see README « Configuration »).

Unset DATABASE_URL means a SQLite file at the project root, so a fresh clone runs with no setup.
"""

import os
import re
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from smdq.env import (
    cache_from_env,
    database_from_url,
    email_from_env,
    env_bool,
    env_int,
    env_list,
    env_networks,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY doit être défini quand DEBUG est désactivé (production).")
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS doit être défini quand DEBUG est désactivé (ex. smdq.example.fr).")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",  # unaccent and full-text search on PostgreSQL; inert on SQLite
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_htmx",
    "axes",
    "csp",
    "simple_history",
    "huey.contrib.djhuey",
    "accounts",
    "imports",
    "territories",
    "sessions_app",
    "evaluation",
    "kit",
    "programme",
]

MIDDLEWARE = [
    "smdq.middleware.UntrustedForwardedProtoMiddleware",
    "smdq.middleware.ReadOnlyGetMiddleware",
    "smdq.middleware.RejectNulMiddleware",
    "smdq.middleware.ExplainedMethodNotAllowedMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # French no-break spaces, « 1er », « 14 h 00 » in every HTML response's text (smdq/typography.py).
    "smdq.typography.FrenchTypographyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out log-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "programme.urls"
# GET and HEAD requests that write to the database raise an error (see smdq/middleware.py).
ENFORCE_READ_ONLY_GET = env_bool("ENFORCE_READ_ONLY_GET", DEBUG)

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
                "accounts.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "smdq.wsgi.application"

DATABASES = {"default": database_from_url(os.environ.get("DATABASE_URL", "").strip(), BASE_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Brute-force protection first: it refuses a locked-out user before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Locked: one user name from one address after 5 failures, one address after 20 failures on any user names
# (accounts/lockout.py); the client's address read through the trusted proxies only (smdq/net.py).
AXES_HANDLER = "accounts.lockout.AccountAndAddressHandler"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 20)
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_CLIENT_IP_CALLABLE = "smdq.net.limited_address"
# Addresses (or CIDR networks) of the reverse proxies whose X-Forwarded-For is believed; none by default.
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES")
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# « 14 h 00 » for times, whatever the template (smdq/formats/fr/formats.py).
FORMAT_MODULE_PATH = ["smdq.formats"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# In development and tests files are served from the source folders, without collectstatic.
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG

# A cache shared by every worker process in production (bilan figures and charts; rate limits and one-time form
# nonces live in the database): Redis when CACHE_URL or REDIS_URL is set, so that several machines share it;
# else a private file cache, whose entries are pickles read back as code, so its folder must be ours alone
# (checked here at start-up, and again whenever the cache re-creates it); a per-process memory cache in
# development and tests (CACHE_URL only, never REDIS_URL, changes that).
CACHES = {"default": cache_from_env(DEBUG, BASE_DIR)}

# Django's form renderer, with the select and text widgets in one template each (smdq/forms_renderer.py).
FORM_RENDERER = "smdq.forms_renderer.FormRenderer"

# The largest form is a sign-in sheet of 300 rows (sessions_app.forms_participants.MAX_ROWS) of 10 fields each: Django's
# default of 1,000 fields refused any sheet of more than about 100 rows with a bare « Bad Request » and lost it.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 3_100

# Flash messages in a signed cookie, cut to a bounded length: never in the session (smdq/messages.py).
MESSAGE_STORAGE = "smdq.messages.BoundedCookieStorage"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

globals().update(email_from_env(debug=DEBUG))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "La santé mentale dans mon quartier <noreply@smdq.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where people write about the service, named by the accessibility statement (« Déclaration d'accessibilité »).
CONTACT_EMAIL = os.environ.get("CONTACT_EMAIL", "contact@smdq.local")

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    # SECURE_COOKIES=0 only for a load test over plain HTTP on 127.0.0.1 (bench/load_test.py).
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Content-Security-Policy: no inline script anywhere (scripts are files in static/); inline styles are
# allowed because Bootstrap, Tom Select and the SVG charts set style attributes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# Days during which a session's online questionnaire link stays open, from the session day.
QUESTIONNAIRE_LINK_DAYS = env_int("QUESTIONNAIRE_LINK_DAYS", 14)

# Online questionnaire: at most this many responses per client address and session in 10 minutes, and per
# session in an hour (evaluation/online.py). A room on one Wi-Fi shares one address: keep the first above a
# session's audience.
QUESTIONNAIRE_CLIENT_LIMIT = env_int("QUESTIONNAIRE_CLIENT_LIMIT", 30)
QUESTIONNAIRE_SESSION_LIMIT = env_int("QUESTIONNAIRE_SESSION_LIMIT", 300)

# Months after its session during which a participant's name and e-mail and free-text comments are kept.
PERSONAL_DATA_RETENTION_MONTHS = env_int("PERSONAL_DATA_RETENTION_MONTHS", 24)

# Days a log-in record (django-axes: address, user name) is kept; months a deactivated account is kept before
# its personal data is erased (accounts/retention.py, docs/personal-data.md).
LOGIN_RECORDS_RETENTION_DAYS = env_int("LOGIN_RECORDS_RETENTION_DAYS", 30)
INACTIVE_ACCOUNT_RETENTION_MONTHS = env_int("INACTIVE_ACCOUNT_RETENTION_MONTHS", 12)
# Months a handled contact request of the public page (accepted or filed) is kept before it is deleted.
CONTACT_REQUEST_RETENTION_MONTHS = env_int("CONTACT_REQUEST_RETENTION_MONTHS", 12)
# The site's address for the links of e-mails sent by scheduled tasks (no request to take it from); by default
# the development server, or https:// and the first name of ALLOWED_HOSTS.
SITE_URL = os.environ.get("SITE_URL", "").strip().rstrip("/")

# Months after a held session when its coordinator is asked what happened since (follow-up of effects).
FOLLOWUP_MONTHS = env_int("FOLLOWUP_MONTHS", 6)

# Bounds on the files people send (issue #12), checked before anything is parsed or stored. The largest real
# import, a season of the national benchmark (seed_demo --scale national), is about 45,000 rows; files of
# several seasons reach 100,000: 200,000 leaves room. The widest format has 21 columns.
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 200_000)
IMPORT_MAX_COLUMNS = env_int("IMPORT_MAX_COLUMNS", 100)
# Files with more data lines are checked and applied by the worker, the page showing its progress (issue #13):
# a row check costs 0.3 to 0.8 ms (measured on every kind), so 2,000 rows still answer within about a second.
IMPORT_BACKGROUND_ROWS = env_int("IMPORT_BACKGROUND_ROWS", 2000)
# Zip containers (XLSX imports, office files of the kit): checked from their directory, before inflating.
# A 200,000-row XLSX inflates to about 110 Mo, its sheet compressed about 10 times.
UPLOAD_MAX_INFLATED_MB = env_int("UPLOAD_MAX_INFLATED_MB", 300)
UPLOAD_MAX_COMPRESSION_RATIO = env_int("UPLOAD_MAX_COMPRESSION_RATIO", 100)
UPLOAD_MAX_ARCHIVE_ENTRIES = env_int("UPLOAD_MAX_ARCHIVE_ENTRIES", 5000)
# Images of the kit: decoding one costs about 4 bytes a pixel (40 megapixels: an A2 poster at 300 dpi).
UPLOAD_MAX_IMAGE_MEGAPIXELS = env_int("UPLOAD_MAX_IMAGE_MEGAPIXELS", 40)
# Hours an uploaded file waits for its confirmation before `purge_pending_imports` deletes it.
PENDING_IMPORT_HOURS = env_int("PENDING_IMPORT_HOURS", 24)
# The part after « @ » of every calendar event's UID (feed and invitations): `<reference>@<domain>`. Calendars know
# an event by its UID, so it must never change once invitations have gone out (sessions_app/calendar.py,
# `event_uid`): « smdq » is what the first installations sent. A new installation sets its own domain name.
CALENDAR_UID_DOMAIN = os.environ.get("CALENDAR_UID_DOMAIN", "").strip().lower() or "smdq"
if not re.fullmatch(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*", CALENDAR_UID_DOMAIN):
    raise ImproperlyConfigured(
        f"CALENDAR_UID_DOMAIN={CALENDAR_UID_DOMAIN!r} n'est pas un nom de domaine (lettres, chiffres, points, tirets)."
    )
# The task queue (Huey, README « Tâches de fond »): e-mails, official editions, large documents and imports, and
# the daily schedules run in a worker (`manage.py run_huey`, started by `make run`). Without HUEY_URL/REDIS_URL the
# queue is a SQLite file (nothing to install); with Redis several worker machines share the load.
HUEY_URL = os.environ.get("HUEY_URL", "").strip() or os.environ.get("REDIS_URL", "").strip()
HUEY_FILE = Path(os.environ.get("HUEY_FILE", BASE_DIR / "huey.sqlite3"))
# HUEY_IMMEDIATE=1 runs each task inside the request that enqueues it (no worker): debugging only.
HUEY_IMMEDIATE = env_bool("HUEY_IMMEDIATE", False)
HUEY_WORKERS = env_int("HUEY_WORKERS", 2)
if HUEY_URL and not HUEY_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"HUEY_URL={HUEY_URL!r} : une URL Redis est attendue (ex. redis://127.0.0.1:6379/0).")
HUEY = {
    # Several sites (or test runs) may share one Redis: each reads only its own queue.
    "name": os.environ.get("HUEY_NAME", "smdq"),
    "immediate": HUEY_IMMEDIATE,
    # Results are not kept: task outcomes are recorded as TaskRun rows (programme/tasks page).
    "results": False,
    # Local time (Django sets the process's TZ to TIME_ZONE): the schedules' crontab hours are Paris hours.
    "utc": False,
    # Threads: tasks wait on the database, SMTP or WeasyPrint; one process keeps Django loaded once.
    # max_delay: an idle SQLite queue is polled at least every second (Redis blocks until a task comes).
    "consumer": {
        "workers": HUEY_WORKERS,
        "worker_type": "thread",
        "periodic": True,
        "check_worker_health": True,
        "max_delay": 1.0,
        # A worker killed during a locked schedule would leave its lock: the next start clears it.
        "flush_locks": True,
    },
    # Priority queue (Redis 5+): e-mails go before a national PDF that takes seconds.
    **(
        {"huey_class": "huey.PriorityRedisHuey", "url": HUEY_URL}
        if HUEY_URL
        else {"huey_class": "huey.SqliteHuey", "filename": str(HUEY_FILE)}
    ),
}
