"""Settings for Desk Service, read from the environment.

With nothing set the desk runs on SQLite, the in-memory channel layer and Celery in
eager mode, so `make run` works on a fresh machine. With DATABASE_URL and REDIS_URL it
runs on PostgreSQL and Redis, and several ASGI processes and Celery workers share work.
See docs/operations.md for every variable.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# DJANGO_ENV=production turns on HTTPS-only cookies, HSTS and the redirect to HTTPS, and refuses
# to start without a real SECRET_KEY (docs/operations.md, "Production").
PRODUCTION = env.str("DJANGO_ENV", default="development") == "production"
DEBUG = env.bool("DEBUG", default=False)
DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-change-me-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
if PRODUCTION and (SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured("DJANGO_ENV=production needs SECRET_KEY: 50 or more random characters.")
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_ENV=production refuses DEBUG=true: tracebacks would show patrons' data.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
# Where the desk is reached by patrons' browsers; used in links sent by email.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Library sites allowed to embed the widget (scheme://host[:port]). They drive the
# iframe's CSP frame-ancestors and the origin check on the widget API and websocket.
WIDGET_ALLOWED_ORIGINS = env.list("WIDGET_ALLOWED_ORIGINS", default=["http://127.0.0.1:8000", "http://localhost:8000"])

INSTALLED_APPS = [
    "deskservice.admin_site.DeskAdminConfig",
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
    # The patron's language from the browser (Accept-Language); the widget's switch overrides it.
    "django.middleware.locale.LocaleMiddleware",
    "deskservice.languages.LanguageParameterMiddleware",
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
# browser tests finds the same database as the test process (see STACK-NOTES). It follows
# DATABASE_URL's name, so that test runs against different databases never share one.
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default=f"test_{DATABASES['default']['NAME']}")}

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

LANGUAGE_CODE = "en"
# The widget and the patron's emails come in these languages; the staff side is translatable too.
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The staff's choice from the top bar's switch (set_language) lasts a year, not one browser session.
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
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
# A task taken by a worker that was killed (SIGKILL, OOM, lost host) goes back to the queue after
# this many seconds. It must be longer than the longest retry wait (DESK_OUTBOX_RETRY_MAX_SECONDS), or a
# task waiting for its retry would be handed out twice (harmless, the tasks lock their row, but wasteful).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The beat process (Procfile) runs these; each task is idempotent, so a missed or doubled run is harmless.
CELERY_BEAT_SCHEDULE = {
    "anonymise-expired-patron-data": {
        "task": "deskservice.anonymise_expired_patron_data",
        "schedule": crontab(hour=3, minute=17),
    },
    "end-abandoned-waiting-chats": {
        "task": "chat.end_abandoned_waiting_chats",
        "schedule": crontab(minute="*/5"),
    },
    "outbox-sweep": {
        "task": "deskservice.sweep_outbox",
        "schedule": env.int("DESK_OUTBOX_SWEEP_EVERY_SECONDS", default=300),
    },
}

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
# A waiting patron's widget tells its socket's server it is still there this often (chat/abandoned.py).
DESK_PATRON_HEARTBEAT_SECONDS = env.int("DESK_PATRON_HEARTBEAT_SECONDS", default=60)
# A patron socket that has not authenticated within this many seconds is closed.
DESK_WS_AUTH_TIMEOUT_SECONDS = env.float("DESK_WS_AUTH_TIMEOUT_SECONDS", default=5)
# How often each process checks that its channel layer still delivers (deskservice/layer_watch.py).
DESK_LAYER_PROBE_SECONDS = env.float("DESK_LAYER_PROBE_SECONDS", default=0.5)
DESK_LAYER_PROBE_TIMEOUT_SECONDS = env.float("DESK_LAYER_PROBE_TIMEOUT_SECONDS", default=5)
# Tickets by email. Inbound mail is posted with "Authorization: Bearer <secret>" (empty: endpoint off;
# the ingest_email command works regardless). Replies come back to a plus address of DESK_TICKET_EMAIL.
DESK_INBOUND_EMAIL_SECRET = env.str("DESK_INBOUND_EMAIL_SECRET", default="")
DESK_TICKET_EMAIL = env.str("DESK_TICKET_EMAIL", default="")
DESK_INBOUND_EMAIL_MAX_BYTES = env.int("DESK_INBOUND_EMAIL_MAX_BYTES", default=25 * 1024 * 1024)
DESK_INBOUND_ATTACHMENT_MAX_BYTES = env.int("DESK_INBOUND_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
DESK_TICKET_MAIL_MAX_RETRIES = env.int("DESK_TICKET_MAIL_MAX_RETRIES", default=40)
# A transfer to an operator not answered in this time stays with the sender, who is told.
DESK_TRANSFER_TIMEOUT_SECONDS = env.int("DESK_TRANSFER_TIMEOUT_SECONDS", default=120)
# What the patron hears on a transfer: "first_name" (the operator's) or "department".
DESK_TRANSFER_ANNOUNCE = env.str("DESK_TRANSFER_ANNOUNCE", default="first_name")
# The outbox (transcripts, ticket emails, SMS replies; deskservice/outbox.py). A failed attempt
# waits 2, 4, 8... s, doubling up to 10 minutes: with 40 attempts a mail server may be down for
# about 5 h 17 min before a mail is marked failed.
DESK_TRANSCRIPT_MAX_RETRIES = env.int("DESK_TRANSCRIPT_MAX_RETRIES", default=40)
DESK_OUTBOX_RETRY_FIRST_SECONDS = env.int("DESK_OUTBOX_RETRY_FIRST_SECONDS", default=2)
DESK_OUTBOX_RETRY_MAX_SECONDS = env.int("DESK_OUTBOX_RETRY_MAX_SECONDS", default=600)
# The sweep (Celery beat) queues again a pending row whose next attempt is this overdue: its task
# was lost (the broker was down when it was queued). Keep it above the longest wait.
DESK_OUTBOX_STALE_SECONDS = env.int("DESK_OUTBOX_STALE_SECONDS", default=900)
DESK_OUTBOX_SWEEP_BATCH = env.int("DESK_OUTBOX_SWEEP_BATCH", default=500)
# A lost row older than this is marked failed rather than sent late (Send again in admin revives it).
DESK_OUTBOX_GIVE_UP_HOURS = env.int("DESK_OUTBOX_GIVE_UP_HOURS", default=24)
# Patron data older than this is anonymised daily (supervisors change it in admin: Desk settings).
DESK_RETENTION_DAYS = env.int("DESK_RETENTION_DAYS", default=180)
if DESK_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("DESK_RETENTION_DAYS must be 1 or more: 0 would erase chats as they end.")
DESK_RETENTION_BATCH_SIZE = env.int("DESK_RETENTION_BATCH_SIZE", default=500)
# A waiting web chat whose widget has not been heard from for this long (no heartbeat, message or
# event) is ended as left by the patron: they closed the tab. 0 turns that off (chat/abandoned.py).
DESK_ABANDONED_WAIT_MINUTES = env.int("DESK_ABANDONED_WAIT_MINUTES", default=15)
# Websocket consumers' database work: threads per ASGI process, each keeping its connection
# (deskservice/consumer_db.py). Every process holds up to this many PostgreSQL connections.
DESK_CONSUMER_DB_THREADS = env.int("DESK_CONSUMER_DB_THREADS", default=8)
DESK_CONSUMER_DB_PERSISTENT = env.bool("DESK_CONSUMER_DB_PERSISTENT", default=True)
# Chat messages sent over websockets are stored from the event loop itself, over up to this
# many PostgreSQL connections per process (deskservice/loop_db.py); 0 sends them through the
# threads above. Ignored on SQLite.
DESK_CONSUMER_LOOP_CONNECTIONS = env.int("DESK_CONSUMER_LOOP_CONNECTIONS", default=4)
# Those connections prepare their statements once; turn off behind PgBouncer in transaction
# mode, where a prepared statement does not follow the client from one server to the next.
DESK_CONSUMER_LOOP_PREPARE = env.bool("DESK_CONSUMER_LOOP_PREPARE", default=True)
# Anonymous widget endpoints: requests allowed per client IP per minute.
DESK_RATE_LIMIT_CHATS_PER_MINUTE = env.int("DESK_RATE_LIMIT_CHATS_PER_MINUTE", default=10)
DESK_RATE_LIMIT_MESSAGES_PER_MINUTE = env.int("DESK_RATE_LIMIT_MESSAGES_PER_MINUTE", default=60)
# New chats / offline tickets per department per minute, whatever their addresses.
DESK_RATE_LIMIT_DEPARTMENT_CHATS_PER_MINUTE = env.int("DESK_RATE_LIMIT_DEPARTMENT_CHATS_PER_MINUTE", default=60)
# Chats one client address may have waiting in the queues at once.
DESK_MAX_WAITING_CHATS_PER_CLIENT = env.int("DESK_MAX_WAITING_CHATS_PER_CLIENT", default=3)

# SMS chats (chat/sms/). With no provider, replies are written to the log and the webhook is off.
DESK_SMS_PROVIDER = env.str("DESK_SMS_PROVIDER", default="")
DESK_SMS_FROM_NUMBER = env.str("DESK_SMS_FROM_NUMBER", default="")
# The department whose queue SMS chats join (its slug); empty: the first active department.
DESK_SMS_DEPARTMENT = env.str("DESK_SMS_DEPARTMENT", default="")
# The public URL the provider calls, when a proxy makes it differ from what Django sees (signatures cover it).
DESK_SMS_WEBHOOK_URL = env.str("DESK_SMS_WEBHOOK_URL", default="")
# Texts follow the outbox schedule too; 20 attempts wait out a provider outage of about 2 hours.
DESK_SMS_MAX_RETRIES = env.int("DESK_SMS_MAX_RETRIES", default=20)
DESK_SMS_TIMEOUT_SECONDS = env.float("DESK_SMS_TIMEOUT_SECONDS", default=10)
DESK_RATE_LIMIT_SMS_PER_MINUTE = env.int("DESK_RATE_LIMIT_SMS_PER_MINUTE", default=120)
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_API_BASE_URL = env.str("TWILIO_API_BASE_URL", default="https://api.twilio.com")

# Patron attachments (chat/attachments/), stored under PRIVATE_STORAGE_ROOT.
DESK_ATTACHMENT_MAX_BYTES = env.int("DESK_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
DESK_ATTACHMENT_ALLOWED_TYPES = env.list(
    "DESK_ATTACHMENT_ALLOWED_TYPES",
    default=[
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/pdf",
        "text/plain",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ],
)
# An Office file is a zip: refuse one that would unpack past this size or ratio (a zip bomb).
DESK_ATTACHMENT_MAX_UNPACKED_BYTES = env.int("DESK_ATTACHMENT_MAX_UNPACKED_BYTES", default=100 * 1024 * 1024)
DESK_ATTACHMENT_MAX_ZIP_RATIO = env.int("DESK_ATTACHMENT_MAX_ZIP_RATIO", default=100)
DESK_RATE_LIMIT_UPLOADS_PER_MINUTE = env.int("DESK_RATE_LIMIT_UPLOADS_PER_MINUTE", default=10)

# Screenshare: the library's meeting link when an operator has none of their own (admin can override).
# Zoom or Jitsi or any URL; "{chat}" is replaced by an unguessable room name for each request.
DESK_SCREENSHARE_URL = env.str("DESK_SCREENSHARE_URL", default="")
# FAQ suggestions are asked for while the patron types (debounced), so allow a brisk pace.
DESK_RATE_LIMIT_FAQ_PER_MINUTE = env.int("DESK_RATE_LIMIT_FAQ_PER_MINUTE", default=60)

# Scripts only from the desk itself: a message that slipped through as markup still cannot run.
# The widget frame widens frame-ancestors to the allowed library sites (deskservice/views.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        # blob: for image previews the operator asks for (fetched as a download, shown from memory).
        "img-src": ["'self'", "data:", "blob:"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=PRODUCTION)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=PRODUCTION)
# The staff's language choice: no secret, but sent only where the session cookie is.
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
# The dashboard is used for a shift at a time; a session left open on a shared desk PC expires.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
# The load balancer's health check speaks plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=PRODUCTION)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=PRODUCTION)
# Behind a proxy that ends TLS, it says the original scheme in this header. Set it only when the
# proxy overwrites the header: a client could send it itself.
if env.bool("SECURE_PROXY_SSL_HEADER", default=PRODUCTION):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.channels.server": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
