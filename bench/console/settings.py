"""Settings for the console benchmark: production-like (DEBUG off, PostgreSQL), nothing sent.

Tasks the pages enqueue (mark as read) go to an in-memory broker and are never run.
"""

import os

os.environ.setdefault("SECRET_KEY", "bench-only-secret")
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "bench-only-encryption-key")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/"
                      + os.environ.get("BENCH_CONSOLE_DB", "switchboard_console_bench"))
os.environ.setdefault("CELERY_BROKER_URL", "memory://")
os.environ.setdefault("GRAPH_API_BASE_URL", "http://127.0.0.1:9")  # nothing is sent in this benchmark
os.environ.setdefault("SIMULATOR_ENABLED", "true")
os.environ.setdefault("CONN_MAX_AGE", "60")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from config.settings.base import *  # noqa: E402,F403

DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# No collectstatic for a benchmark: plain static storage (the manifest is a deploy step).
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
