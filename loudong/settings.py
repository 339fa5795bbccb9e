"""One settings module, driven by the environment.

Every value has a safe development default, so any `loudong` command works in a
fresh checkout with no environment set. Secrets for development are generated once
per checkout into ``var/dev-secrets.json`` (git-ignored); production must set them
(``loudong check --deploy`` fails otherwise).
"""

import os
from pathlib import Path

import dj_database_url

from loudong.lib.env import envbool, envint, envlist, envsecret

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LOUDONG_VAR_DIR", BASE_DIR / "var"))

DEBUG = envbool("DEBUG", False)
SECRET_KEY = envsecret("SECRET_KEY", VAR_DIR, nbytes=50)
# LOUDONG_DATA_KEY: comma-separated keys "kid:base64(32 bytes)"; the first encrypts,
# all decrypt (key rotation). LOUDONG_INDEX_KEY keys the blind indexes.
LOUDONG_DATA_KEY = envsecret("LOUDONG_DATA_KEY", VAR_DIR, nbytes=32, keyed=True)
LOUDONG_INDEX_KEY = envsecret("LOUDONG_INDEX_KEY", VAR_DIR, nbytes=32)
# LOUDONG_AUDIT_KEY keys the audit log's hash chain (HMAC-SHA256): whoever can write the
# database but not read this key cannot recompute the chain after an edit. Never change it
# (every earlier row would fail verification). LOUDONG_AUDIT_ANCHOR is the file outside the
# database holding the verified head (row count, last HMAC); backups carry it.
LOUDONG_AUDIT_KEY = envsecret("LOUDONG_AUDIT_KEY", VAR_DIR, nbytes=32)
LOUDONG_AUDIT_ANCHOR = Path(os.environ.get("LOUDONG_AUDIT_ANCHOR") or VAR_DIR / "audit-anchor.json")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
SITE_NAME = os.environ.get("SITE_NAME", "楼栋长网格治理系统")
# The policy profile this deployment runs (loudong/policy/profiles/): chiyang or changchun.
LOUDONG_POLICY = os.environ.get("LOUDONG_POLICY", "chiyang")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "ninja",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "loudong.accounts",
    "loudong.policy",
    "loudong.territory",
    "loudong.grids",
    "loudong.roster",
    "loudong.documents",
    "loudong.fieldwork",
    "loudong.evaluation",
    "loudong.payroll",
    "loudong.community",
    "loudong.ops",
    "loudong.workbench",
    "loudong.reports",
    "loudong.demo",
]

MIDDLEWARE = [
    "loudong.accounts.middleware.ResponseHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "loudong.accounts.middleware.SessionIdleMiddleware",
    "loudong.policy.middleware.ProfileMemoMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "loudong.accounts.middleware.AdminTwoFactorMiddleware",
    "loudong.accounts.middleware.AuditRefusalMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so that a locked-out login is answered before the view runs.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "loudong.urls"
WSGI_APPLICATION = "loudong.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "loudong" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "loudong.accounts.context_processors.navigation",
            ],
        },
    },
]

# SQLite (WAL) is the embedded default; PostgreSQL through DATABASE_URL in production.
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'loudong.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # SQLite's temporary files (big sorts, an import's index rebuilds: keys and names) beside
    # the database, under its protection, not in /var/tmp; read by SQLite at each file.
    os.environ.setdefault("SQLITE_TMPDIR", str(Path(DATABASES["default"]["NAME"]).parent))
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE: a writer takes the lock at BEGIN, so the audit chain's
        # read-last-then-append never meets a lock upgrade failure.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
        ),
    }
    # A file, not :memory: — threads in the concurrency tests need real (WAL) locking, which
    # SQLite's shared in-memory cache replaces by table locks that never wait.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("LOUDONG_TEST_SQLITE") or str(VAR_DIR / "test.sqlite3")
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "loudong.accounts.passwords.CharacterClassValidator"},
    {"NAME": "loudong.accounts.passwords.NotUsernameValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# Login throttling (django-axes): 5 failures lock the (username, client address) pair for 30
# minutes — a stranger elsewhere cannot lock anyone out of their own office. On top, one
# address with too many failures across usernames waits (accounts.views.LoginView, lib/throttle).
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("AXES_COOLOFF_MINUTES", 30) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "loudong.lib.http.client_ip"
# Failures from one address, whatever the usernames, before it waits: offices share one NAT
# address, so this is well above one person's typing slips.
LOUDONG_LOGIN_IP_FAILURES = envint("LOUDONG_LOGIN_IP_FAILURES", 30)
LOUDONG_LOGIN_IP_WINDOW_S = envint("LOUDONG_LOGIN_IP_WINDOW_S", 15 * 60)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLED = envbool("AXES_ENABLED", True)

# Session idle timeout: every request pushes the expiry forward.
SESSION_IDLE_MINUTES = envint("SESSION_IDLE_MINUTES", 30)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
# Not every request: SessionIdleMiddleware saves a session when its last save is this old.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_TOUCH_SECONDS = min(60, SESSION_COOKIE_AGE // 10)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

SECURE_COOKIES = envbool("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", SECURE_HSTS_SECONDS >= 31536000)
if envbool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = envlist("SILENCED_SYSTEM_CHECKS", "")

# Request size limits: forms 5 MB, uploads (registry sheets, signed scans) 20 MB.
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
LOUDONG_MAX_UPLOAD_BYTES = envint("LOUDONG_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
# Searches by ID number or phone (roles that may reveal only): per user, this many per window.
LOUDONG_NUMBER_SEARCH_LIMIT = envint("LOUDONG_NUMBER_SEARCH_LIMIT", 30)
LOUDONG_NUMBER_SEARCH_WINDOW_S = envint("LOUDONG_NUMBER_SEARCH_WINDOW_S", 600)
# API tokens expire after this many days (create_api_token --days N for another lifetime).
LOUDONG_API_TOKEN_DAYS = envint("LOUDONG_API_TOKEN_DAYS", 90)
# A password link (initial password or reset, issued by the 安全管理员) works once, for this long.
LOUDONG_PASSWORD_LINK_HOURS = envint("LOUDONG_PASSWORD_LINK_HOURS", 24)
# Date windows for every date typed in (lib/dates.py): nothing before the records begin,
# nothing more than ten years ahead.
LOUDONG_DATE_FLOOR = os.environ.get("LOUDONG_DATE_FLOOR", "2000-01-01")
LOUDONG_MAX_FUTURE_DAYS = envint("LOUDONG_MAX_FUTURE_DAYS", 3660)
# Photos (badges, incidents): a phone photo is 2–8 MB; larger is refused with a message.
LOUDONG_MAX_PHOTO_BYTES = envint("LOUDONG_MAX_PHOTO_BYTES", 10 * 1024 * 1024)

# Group-chat robots (community.ChatGroup): the only hosts a webhook URL may point to, so a typed
# URL never makes the worker call an internal address. WeCom and DingTalk robots by default.
# The scheduled backup (loudong backup --nightly): where, and how many to keep. Put the
# directory on another disk (or sync it off the machine): a backup beside the database dies with it.
LOUDONG_BACKUP_DIR = Path(os.environ.get("LOUDONG_BACKUP_DIR") or VAR_DIR / "backups")
LOUDONG_BACKUP_KEEP = envint("LOUDONG_BACKUP_KEEP", 7)
# Finished background-task rows are pruned after this many days.
LOUDONG_TASK_RESULT_DAYS = envint("LOUDONG_TASK_RESULT_DAYS", 14)
LOUDONG_WEBHOOK_HOSTS = envlist("LOUDONG_WEBHOOK_HOSTS", "qyapi.weixin.qq.com,oapi.dingtalk.com")

# Content Security Policy: no inline script, no third-party origin.
from csp.constants import NONE, SELF  # noqa: E402

MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
_tile_origin = [MAP_TILE_URL.split("/{")[0].rsplit("/", 1)[0]] if MAP_TILE_URL else []
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:", *_tile_origin],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "loudong" / "static"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"

# The database cache: shared by every app node (rate limits, the worker's heartbeat), no extra
# service to run. Created by ``loudong createcachetable`` (make demo; tests create it).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "loudong_cache",
    }
}

TASKS = {"default": {"BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# One line per event, JSON with LOG_FORMAT=json (production); no traceback for a 403/404 and no
# query strings (loudong/ops/logging.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"quiet_4xx": {"()": "loudong.ops.logging.ClientErrorsWithoutTraceback"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "loudong.ops.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["quiet_4xx"],
            "formatter": "json" if os.environ.get("LOG_FORMAT") == "json" else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
CSRF_FAILURE_VIEW = "loudong.errors.csrf_failure"
