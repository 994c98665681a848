"""Settings for the ingest benchmark: production-like (DEBUG off, PostgreSQL, Redis), plus a bare view."""

import os

os.environ.setdefault("SECRET_KEY", "bench-only-secret")
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "bench-only-encryption-key")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/switchboard_bench")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/14")
os.environ.setdefault("GRAPH_API_BASE_URL", "http://127.0.0.1:9")  # nothing is sent in this benchmark
os.environ.setdefault("SIMULATOR_ENABLED", "true")
os.environ.setdefault("CONN_MAX_AGE", "60")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from config.settings.base import *  # noqa: E402,F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.webhook_ingest.urls"
