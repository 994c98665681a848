"""Settings for the drain benchmark: PostgreSQL (``--db postgresql``) or the embedded SQLite default."""

import os

os.environ.setdefault("SECRET_KEY", "bench-only-secret")
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "bench-only-encryption-key")
os.environ.setdefault("CELERY_BROKER_URL", "memory://")  # wake-ups go nowhere: the bench drains itself
os.environ.setdefault("GRAPH_API_BASE_URL", "http://127.0.0.1:9")
os.environ.setdefault("LOG_LEVEL", "WARNING")
if os.environ.get("BENCH_DB") == "postgresql":
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/switchboard_bench_drain")

from config.settings.base import *  # noqa: E402,F403

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["NAME"] = str(VAR_DIR / "bench-webhook-drain.sqlite3")  # noqa: F405
DEBUG = False
LOGGING = {"version": 1, "disable_existing_loggers": True}
