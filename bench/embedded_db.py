"""A fresh embedded SQLite database for a benchmark: the file (and its WAL) removed, then migrated."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def fresh_sqlite_database() -> None:
    """Call after ``django.setup()``: recreate the settings' SQLite file through ``manage.py migrate``."""
    from django.conf import settings

    db_file = Path(settings.DATABASES["default"]["NAME"])
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_file}{suffix}").unlink(missing_ok=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, check=True, env={**os.environ})
