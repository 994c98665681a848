"""Settings for the ingest benchmark: production-like (DEBUG off), on the database run.py picks.

``BENCH_DATABASE`` (set by run.py for itself, gunicorn and the Celery worker):
- ``postgresql`` (default): PostgreSQL and Redis on 127.0.0.1, persistent connections;
- ``sqlite``: the embedded default that `make run` uses (config/settings/local.py): SQLite in WAL
  mode and the serverless filesystem broker, in files of their own under var/ (a `make run` beside
  the benchmark keeps its database and queue).
Either way a bare view is added beside our URLs (urls.py).
"""

import os
from pathlib import Path

_VAR = Path(__file__).resolve().parents[2] / "var"
BENCH_DATABASE = os.environ.setdefault("BENCH_DATABASE", "postgresql")

os.environ.setdefault("SECRET_KEY", "bench-only-secret")
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "bench-only-encryption-key")
os.environ.setdefault("GRAPH_API_BASE_URL", "http://127.0.0.1:9")  # nothing is sent in this benchmark
os.environ.setdefault("SIMULATOR_ENABLED", "true")
os.environ.setdefault("LOG_LEVEL", "WARNING")
if BENCH_DATABASE == "sqlite":
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{_VAR / 'bench-webhook-ingest.sqlite3'}")
    os.environ.setdefault("CELERY_BROKER_URL", "filesystem://")
    # CONN_MAX_AGE stays at its default, as in `make run`.
else:
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/switchboard_bench")
    os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/14")
    os.environ.setdefault("CONN_MAX_AGE", "60")

from config.settings.base import *  # noqa: E402,F403
from config.settings.base import CELERY_BROKER_URL, VAR_DIR  # noqa: E402
from config.settings.filesystem_broker import filesystem_broker_options  # noqa: E402

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.webhook_ingest.urls"

if CELERY_BROKER_URL.startswith("filesystem://"):
    # As config/settings/local.py, in a folder of the benchmark's own (run.py empties it between runs).
    BENCH_BROKER_DIR = VAR_DIR / "bench-broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(BENCH_BROKER_DIR)
