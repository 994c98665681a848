"""Settings for the campaign benchmark: production-like (DEBUG off), sending to the simulator run.py
starts, on the database run.py picks.

``BENCH_DATABASE`` (set by run.py for itself, gunicorn, the Celery workers and the CLI):
- ``postgresql`` (default): PostgreSQL (database ``switchboard_bench_campaign``, recreated by the ingest
  benchmark's helpers) and Redis on 127.0.0.1 (broker db 13), the shared rate limiter on Redis (db 12);
- ``sqlite``: the embedded default of `make run`: SQLite in WAL mode and the filesystem broker, in
  files of their own under var/.
``BENCH_SIMULATOR_URL`` is the simulator's base URL (run.py picks a free port).
"""

import os
from pathlib import Path

_VAR = Path(__file__).resolve().parents[2] / "var"
BENCH_DATABASE = os.environ.setdefault("BENCH_DATABASE", "postgresql")

os.environ.setdefault("SECRET_KEY", "bench-only-secret")
os.environ.setdefault("FIELD_ENCRYPTION_KEY", "bench-only-encryption-key")
os.environ.setdefault("SIMULATOR_ENABLED", "true")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ["GRAPH_API_BASE_URL"] = os.environ.get("BENCH_SIMULATOR_URL", "http://127.0.0.1:8100")
os.environ["SIMULATOR_URL"] = os.environ["GRAPH_API_BASE_URL"]
if BENCH_DATABASE == "sqlite":
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{_VAR / 'bench-campaign.sqlite3'}")
    os.environ.setdefault("CELERY_BROKER_URL", "filesystem://")
else:
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/switchboard_bench_campaign")
    os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/13")
    os.environ.setdefault("RATE_LIMIT_REDIS_URL", "redis://127.0.0.1:6379/12")
    os.environ.setdefault("CONN_MAX_AGE", "60")

from config.settings.base import *  # noqa: E402,F403
from config.settings.base import CELERY_BROKER_URL, VAR_DIR  # noqa: E402
from config.settings.filesystem_broker import filesystem_broker_options  # noqa: E402

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

if CELERY_BROKER_URL.startswith("filesystem://"):
    BENCH_BROKER_DIR = VAR_DIR / "bench-campaign-broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(BENCH_BROKER_DIR)
