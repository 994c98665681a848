"""Settings shared by every environment. Values come from the environment (or ``.env``).

``.env.example`` lists and explains every variable read here.
"""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"  # SQLite, broker files, simulator state: everything a run leaves behind
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "config.admin_app.SwitchboardAdminConfig",  # django.contrib.admin, with the role-aware site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "csp",
    "cloudapi",
    "accounts",
    "media_lib",
    "messaging",
    "templates_mgr",
    "campaigns",
    "insights",
]

MIDDLEWARE = [
    # First: Meta's webhooks go straight to the receiver, past everything below (it says why).
    "config.webhook_fast_path.WebhookFastPathMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.session_idle.IdleSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: audit entries written by signals name the request's user.
    "accounts.audit_actor.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during login into the lockout page.
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
                "accounts.context_processors.account_banners",
                "accounts.context_processors.admin_access",
                "templates_mgr.context_processors.template_notices",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'switchboard.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + IMMEDIATE lets the web server and the Celery worker write without "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE", "timeout": 20}
    )
    # The insights figures' index carries extra columns on PostgreSQL (read from the index alone);
    # SQLite keeps it as a plain index, which is what we want there, so its warning is noise.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool("POSTGRES_JIT_OFF", default=True):
    # Our queries are short: PostgreSQL's JIT compiler, which starts on the planner's cost estimate,
    # spent 600 ms compiling a 1 ms query (the thread's assign list, measured by bench/console).
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "messaging:inbox"
LOGOUT_REDIRECT_URL = "login"

# --- Logins (docs/security.md) ---------------------------------------------------------------
# The throttling backend goes first: it refuses a locked-out username or address (still paying
# for one password hash, so a lockout cannot be told from a wrong password by timing).
AUTHENTICATION_BACKENDS = [
    "accounts.login_throttling.ThrottledLoginBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failures are counted per username and, separately, per client address; either reaching the
# limit locks logins for that username / from that address until the cool-off has passed.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.login_throttling.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# The client address is REMOTE_ADDR unless the proxy in front of us is named as the one that
# sets a header: X-Forwarded-For can be written by anyone, so it is never trusted by default.
TRUSTED_PROXY_IP_HEADER = env("TRUSTED_PROXY_IP_HEADER", default="")
if TRUSTED_PROXY_IP_HEADER:
    _meta_key = TRUSTED_PROXY_IP_HEADER.upper().replace("-", "_")
    _meta_key = _meta_key if _meta_key.startswith("HTTP_") else f"HTTP_{_meta_key}"
    AXES_IPWARE_META_PRECEDENCE_ORDER = (_meta_key,)
    # A proxy appends the address it saw: the right-most entry is the one a client cannot forge.
    AXES_IPWARE_PROXY_ORDER = "right-most"
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)

# Sessions end after this much idle time: requests push the expiry forward (accounts/session_idle.py
# does it at most once per SESSION_REFRESH_SECONDS instead of SESSION_SAVE_EVERY_REQUEST's write
# on every 2-second poll).
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=60 * 8)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_REFRESH_SECONDS = 60

# --- Content-Security-Policy (docs/security.md) ----------------------------------------------
# Scripts and styles only from our own static files: no inline script, no eval, no inline style
# (htmx's indicator <style> is switched off in base.html's htmx-config).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # Meta's CDN serves business profile pictures (the profile page's preview shows the current one).
        "img-src": ["'self'", "https://pps.whatsapp.net"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env("STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files served at the site root (the /favicon.ico browsers ask for on every page, the login page too).
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(VAR_DIR / "media"))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Meta refuses webhook bodies over 3 MB; so do we (docs/cloudapi.md §5).
WEBHOOK_MAX_BODY_BYTES = 3 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = WEBHOOK_MAX_BODY_BYTES + 1024
# Each web process wakes the webhook drain task at most this often (seconds); the drain looks
# again this long after it empties the queue, so processing lags ingest by about this much.
WEBHOOK_WAKE_INTERVAL = env.float("WEBHOOK_WAKE_INTERVAL", default=0.5)
# How long the receiver waits for a busy SQLite database before answering 503 (Meta retries):
# the drain's write transactions are short, so a wait this long means something else holds it.
# A large webhook is applied this many items (messages, statuses, changes) per write transaction
# at most, so no write holds the database for long (the embedded SQLite has one writer).
WEBHOOK_CHUNK_ITEMS = env.int("WEBHOOK_CHUNK_ITEMS", default=100)
WEBHOOK_STORE_LOCK_WAIT = env.float("WEBHOOK_STORE_LOCK_WAIT", default=5.0)

# --- Secrets at rest -------------------------------------------------------------------------
# Comma-separated; the first key encrypts, every key decrypts (so keys can be rotated).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEY")

# --- E-mail (optional) -----------------------------------------------------------------------
# Nothing needs a mail server: unset, nothing is e-mailed (an administrator hands a new person their
# set-password link). Set EMAIL_HOST and the link is e-mailed too.
EMAIL_HOST = env("EMAIL_HOST", default="")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="switchboard@localhost")

# --- Graph API (Meta, or the simulator) ------------------------------------------------------
GRAPH_API_BASE_URL = env("GRAPH_API_BASE_URL", default="https://graph.facebook.com").rstrip("/")
GRAPH_API_VERSION = env("GRAPH_API_VERSION", default="v24.0")
GRAPH_API_CONNECT_TIMEOUT = env.float("GRAPH_API_CONNECT_TIMEOUT", default=5.0)
GRAPH_API_READ_TIMEOUT = env.float("GRAPH_API_READ_TIMEOUT", default=20.0)
# After a send whose outcome is unknown (timeout, reset), wait at least this long before trying
# again, so Meta's status webhook can show it was taken (no duplicate to the customer).
SEND_UNCONFIRMED_RETRY_DELAY = env.int("SEND_UNCONFIRMED_RETRY_DELAY", default=30)

# --- The send rate limiter (docs/rate-limits.md) ---------------------------------------------
# Redis shared by every worker on every machine. Unset: the Celery broker's Redis when the broker
# is Redis; set it empty to keep the limiter in RATE_LIMIT_FILE (one machine only).
_BROKER = env("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
RATE_LIMIT_REDIS_URL = env("RATE_LIMIT_REDIS_URL", default=_BROKER if _BROKER.startswith(("redis://", "rediss://")) else "")
# Without Redis: a SQLite file of the limiter's own, shared by the worker processes of this machine.
RATE_LIMIT_FILE = env("RATE_LIMIT_FILE", default=str(VAR_DIR / "rate-limit.sqlite3"))
# A wait up to this long (seconds) is slept in the worker; a longer one re-schedules the task.
# Longer than the number's window (1 s and the margin): a worker waits for the window's next place
# where it is, instead of sending the rest of its batch round the broker.
RATE_LIMIT_MAX_SLEEP = env.float("RATE_LIMIT_MAX_SLEEP", default=1.5)
# Share of Meta's throughput we pace at (1.0 = the limit itself; e.g. 0.95 leaves room for
# inbound traffic, which Meta counts too).
RATE_LIMIT_HEADROOM = env.float("RATE_LIMIT_HEADROOM", default=1.0)
# Seconds added to the limiter's 1-second window (N sends in any 1 s + margin) for the clocks; the
# calls' latency is covered by counting each send from Meta's answer (0.005: 99.5 % of the limit).
RATE_LIMIT_WINDOW_MARGIN = env.float("RATE_LIMIT_WINDOW_MARGIN", default=0.005)

# The quick-start account (Meta's "API Setup" page); `manage.py connect_account` reads these.
WHATSAPP_ACCESS_TOKEN = env("WHATSAPP_ACCESS_TOKEN", default="")
WHATSAPP_PHONE_NUMBER_ID = env("WHATSAPP_PHONE_NUMBER_ID", default="")
WHATSAPP_BUSINESS_ACCOUNT_ID = env("WHATSAPP_BUSINESS_ACCOUNT_ID", default="")
WHATSAPP_APP_SECRET = env("WHATSAPP_APP_SECRET", default="")
WHATSAPP_VERIFY_TOKEN = env("WHATSAPP_VERIFY_TOKEN", default="")
WHATSAPP_APP_ID = env("WHATSAPP_APP_ID", default="")
WHATSAPP_DISPLAY_PHONE_NUMBER = env("WHATSAPP_DISPLAY_PHONE_NUMBER", default="")

# --- Simulator -------------------------------------------------------------------------------
# Production refuses to talk to the simulator unless this is set (see production.py).
SIMULATOR_ENABLED = env.bool("SIMULATOR_ENABLED", default=False)
# SIMULATOR_PORT is what `make run` (scripts/run_embedded.py) binds the simulator to, so a command run
# beside it with the same environment (simulate_inbound) reaches it without a second setting.
SIMULATOR_PORT = env.int("SIMULATOR_PORT", default=8100)
SIMULATOR_URL = env("SIMULATOR_URL", default=f"http://127.0.0.1:{SIMULATOR_PORT}")

# --- E-mail (administrators hear about quality, limit, name and account news) ----------------
# No EMAIL_HOST: no e-mail is sent (the console's banner still shows the news).
EMAIL_HOST = env("EMAIL_HOST", default="")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="switchboard@localhost")
# The console's address as administrators open it (e-mails link to the number's health page).
CONSOLE_URL = env("CONSOLE_URL", default="").rstrip("/")

# Seconds between two syncs of every account's message templates with Meta's list.
TEMPLATE_SYNC_INTERVAL = env.int("TEMPLATE_SYNC_INTERVAL", default=900)

# --- WhatsApp Flows ----------------------------------------------------------------------------
# Days a flow token we hand out (with a flow message) stays valid at the data endpoint (docs/flows.md).
FLOW_TOKEN_TTL_DAYS = env.int("FLOW_TOKEN_TTL_DAYS", default=7)

# --- Campaign audiences -----------------------------------------------------------------------
# A contact import (CSV) larger than this, or with more rows, is refused whole (docs/campaigns.md).
CONTACT_IMPORT_MAX_BYTES = env.int("CONTACT_IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
CONTACT_IMPORT_MAX_ROWS = env.int("CONTACT_IMPORT_MAX_ROWS", default=100_000)

# --- Celery ----------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves the task for another
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Celery's Django fixup closes every database connection before and after each task unless this is
# set, whatever CONN_MAX_AGE says: on PostgreSQL a new server process per task (bench/campaign: a
# single worker opened seven a second). A worker process keeps its connection for this many tasks;
# config/celery.py still closes, before each task, one that is unusable or older than CONN_MAX_AGE,
# as Django does per request.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=10_000)
# A drain task takes every pending webhook event it can claim, so a worker process holding more
# than the one task it runs would only keep that task from an idle process (and, with late acks,
# from being redelivered quickly when the process dies). 1 suits the drain; raise it only for a
# flood of tiny tasks. Concurrency: processes per worker; the default (None) is one per CPU.
# The filesystem broker (the embedded default) is polled every 0.1 s, so a process that takes its
# next task only when done with one waits ~50 ms between tasks (bench/campaign: a third of a single
# worker's time); there it reserves 4. Its fetched tasks are lost with a killed worker either way
# (the sweeps recover them), and on one machine its processes share the reserve.
CELERY_WORKER_PREFETCH_MULTIPLIER = env.int(
    "CELERY_WORKER_PREFETCH_MULTIPLIER", default=4 if CELERY_BROKER_URL.startswith("filesystem://") else 1
)
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=None)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "requeue-stale-work": {
        "task": "messaging.tasks.requeue_stale_work_task",
        "schedule": env.float("REQUEUE_STALE_WORK_EVERY", default=60.0),
    },
    "sync-templates": {
        "task": "templates_mgr.tasks.sync_templates_task",
        "schedule": float(TEMPLATE_SYNC_INTERVAL),
    },
    # Snoozed conversations whose time has come reopen (a few statements per run).
    "wake-snoozed-conversations": {
        "task": "messaging.tasks.wake_snoozed_conversations_task",
        "schedule": env.float("WAKE_SNOOZED_EVERY", default=60.0),
    },
    # The connection test of every account, so a token's expiry or revocation reaches the banner.
    "check-account-connections": {
        "task": "accounts.tasks.check_connections_task",
        "schedule": env.float("ACCOUNT_CHECK_EVERY", default=24 * 60 * 60.0),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "filters": {"client_errors_without_traceback": {"()": "config.request_logging.ClientErrorsWithoutTraceback"}},
    "loggers": {
        # urllib3 logs request URLs at DEBUG; quiet it so nothing near a token is ever printed.
        "urllib3": {"level": "WARNING"},
        # A refused (403) or missing (404) page is one line; Django would attach the traceback. Only the
        # root handler prints it (Django's own console handler would print it a second time under DEBUG).
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.request": {"filters": ["client_errors_without_traceback"]},
        # django-axes announces its version each time a process starts (every manage.py command);
        # its lockouts are logged by other loggers and still show.
        "axes.apps": {"level": "WARNING"},
    },
}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu warns that a URL without a host falls back to localhost: true of every filesystem:// URL.
    LOGGING["loggers"]["kombu.connection"] = {"level": "ERROR"}

# --- Insights ---------------------------------------------------------------------------------
# The figures of today and the two days before are recomputed this often (seconds); older days once.
CELERY_BEAT_SCHEDULE["refresh-insights"] = {
    "task": "insights.tasks.refresh_figures_task",
    "schedule": env.float("INSIGHTS_REFRESH_EVERY", default=300.0),
}

# --- Media library ---------------------------------------------------------------------------
# Customers' files whose download task was lost (broker restart, killed worker) are picked up again.
CELERY_BEAT_SCHEDULE["requeue-stale-media-downloads"] = {
    "task": "media_lib.tasks.requeue_stale_downloads_task",
    "schedule": 120.0,
}

# --- Campaigns -------------------------------------------------------------------------------
# Starts scheduled campaigns on time, pauses running ones Meta said to stop, and re-enqueues a
# campaign's messages whose task died with a worker (sooner than the 10-minute stale sweep).
# Above 100 msg/s a campaign's dispatcher has this many tasks queue its messages side by side.
CAMPAIGN_DISPATCH_HELPERS = env.int("CAMPAIGN_DISPATCH_HELPERS", default=4)
CELERY_BEAT_SCHEDULE["sweep-campaigns"] = {
    "task": "campaigns.tasks.sweep_campaigns_task",
    "schedule": env.float("CAMPAIGN_SWEEP_EVERY", default=30.0),
}
