"""Settings for Desk Service, read from the environment.

With nothing set the desk runs on SQLite, the in-memory channel layer and Celery in
eager mode, so `make run` works on a fresh machine. With DATABASE_URL and REDIS_URL it
runs on PostgreSQL and Redis, and several ASGI processes and Celery workers share work.
See docs/operations.md for every variable.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-change-me-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
# Where the desk is reached by patrons' browsers; used in links sent by email.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Library sites allowed to embed the widget (scheme://host[:port]). They drive the
# iframe's CSP frame-ancestors and the origin check on the widget API and websocket.
WIDGET_ALLOWED_ORIGINS = env.list("WIDGET_ALLOWED_ORIGINS", default=["http://127.0.0.1:8000", "http://localhost:8000"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "csp",
    "axes",
    "deskservice",
    "chat",
    "tickets",
    "analytics",
    "faq",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, so that it sees the authentication attempts of every view (django-axes docs).
    "axes.middleware.AxesMiddleware",
    "deskservice.middleware.ServiceUnavailableMiddleware",
]

ROOT_URLCONF = "deskservice.urls"
ASGI_APPLICATION = "deskservice.asgi.application"
WSGI_APPLICATION = None

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
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Async consumers and the request thread write at once; wait instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
else:
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.int("DATABASE_CONNECT_TIMEOUT", default=5)
# The test database's name is fixed so that a server started as a subprocess by the
# browser tests finds the same database as the test process (see STACK-NOTES).
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default="test_deskservice")}

# SQLite cannot store a covering index's extra columns and keeps the plain index; that is enough there.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "deskservice.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "desk:dashboard"
LOGOUT_REDIRECT_URL = "login"

AUTHENTICATION_BACKENDS = [
    # Refuses sign-in after repeated failures before Django checks the password.
    "deskservice.auth_backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="America/Los_Angeles")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Serve straight from static/ and the apps, so a fresh checkout works without collectstatic;
# `make run` still collects for the production layout.
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=True)
# Patron uploads live outside anything the web server publishes.
PRIVATE_STORAGE_ROOT = Path(env.str("PRIVATE_STORAGE_ROOT", default=str(BASE_DIR / "private")))

REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    # The pub/sub layer fans out several times cheaper than the core layer and has no
    # per-process capacity that silently drops events (STACK-NOTES); clients catch up
    # from the database after any gap, so its at-most-once delivery is enough.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            # Redis pub/sub ignores the database number: desks (or test runs) sharing one Redis
            # server must use different prefixes or they hear each other's events.
            "CONFIG": {"hosts": [REDIS_URL], "prefix": env.str("CHANNEL_LAYER_PREFIX", default="asgi")},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
# A task whose worker dies mid-run is delivered again; tasks are idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="127.0.0.1")
EMAIL_PORT = env.int("EMAIL_PORT", default=8025)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Library Ask Desk <desk@library.example.edu>")

# The desk's own rules, all overridable from the environment.
DESK_MAX_MESSAGE_LENGTH = env.int("DESK_MAX_MESSAGE_LENGTH", default=4000)
DESK_MAX_QUESTION_LENGTH = env.int("DESK_MAX_QUESTION_LENGTH", default=4000)
# An operator counts as online while a dashboard of theirs has sent a heartbeat this recently.
DESK_PRESENCE_TIMEOUT_SECONDS = env.int("DESK_PRESENCE_TIMEOUT_SECONDS", default=60)
DESK_HEARTBEAT_SECONDS = env.int("DESK_HEARTBEAT_SECONDS", default=20)
# A patron socket that has not authenticated within this many seconds is closed.
DESK_WS_AUTH_TIMEOUT_SECONDS = env.float("DESK_WS_AUTH_TIMEOUT_SECONDS", default=5)
# Tickets by email. Inbound mail is posted with "Authorization: Bearer <secret>" (empty: endpoint off;
# the ingest_email command works regardless). Replies come back to a plus address of DESK_TICKET_EMAIL.
DESK_INBOUND_EMAIL_SECRET = env.str("DESK_INBOUND_EMAIL_SECRET", default="")
DESK_TICKET_EMAIL = env.str("DESK_TICKET_EMAIL", default="")
DESK_INBOUND_EMAIL_MAX_BYTES = env.int("DESK_INBOUND_EMAIL_MAX_BYTES", default=25 * 1024 * 1024)
DESK_INBOUND_ATTACHMENT_MAX_BYTES = env.int("DESK_INBOUND_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
DESK_TICKET_MAIL_MAX_RETRIES = env.int("DESK_TICKET_MAIL_MAX_RETRIES", default=6)
# A transfer to an operator not answered in this time stays with the sender, who is told.
DESK_TRANSFER_TIMEOUT_SECONDS = env.int("DESK_TRANSFER_TIMEOUT_SECONDS", default=120)
# What the patron hears on a transfer: "first_name" (the operator's) or "department".
DESK_TRANSFER_ANNOUNCE = env.str("DESK_TRANSFER_ANNOUNCE", default="first_name")
DESK_TRANSCRIPT_MAX_RETRIES = env.int("DESK_TRANSCRIPT_MAX_RETRIES", default=6)
# Anonymous widget endpoints: requests allowed per client IP per minute.
DESK_RATE_LIMIT_CHATS_PER_MINUTE = env.int("DESK_RATE_LIMIT_CHATS_PER_MINUTE", default=10)
DESK_RATE_LIMIT_MESSAGES_PER_MINUTE = env.int("DESK_RATE_LIMIT_MESSAGES_PER_MINUTE", default=60)
# FAQ suggestions are asked for while the patron types (debounced), so allow a brisk pace.
DESK_RATE_LIMIT_FAQ_PER_MINUTE = env.int("DESK_RATE_LIMIT_FAQ_PER_MINUTE", default=60)

# Scripts only from the desk itself: a message that slipped through as markup still cannot run.
# The widget frame widens frame-ancestors to the allowed library sites (deskservice/views.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.channels.server": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
