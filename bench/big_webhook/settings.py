"""Settings for the big-webhook benchmark: the embedded default (SQLite in var/), nothing sent."""

import os

os.environ.setdefault("SECRET_KEY", "bench-only-secret")
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "bench-only-encryption-key")
os.environ.setdefault("CELERY_BROKER_URL", "memory://")  # wake-ups go nowhere: the bench drains itself
os.environ.setdefault("GRAPH_API_BASE_URL", "http://127.0.0.1:9")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from config.settings.base import *  # noqa: E402,F403

DATABASES["default"]["NAME"] = str(VAR_DIR / "bench-big-webhook.sqlite3")  # noqa: F405
DEBUG = False
LOGGING = {"version": 1, "disable_existing_loggers": True}  # 403s and 503s are the point here
ALLOWED_HOSTS = ["testserver"]
