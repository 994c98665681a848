"""The console benchmarks' PostgreSQL, through psql as the ``postgres`` user on 127.0.0.1."""

import subprocess


def psql(sql: str, *, capture: bool = False) -> str:
    """Run one statement; its output when ``capture``."""
    done = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qAtc", sql], check=True,
                          stdout=subprocess.PIPE if capture else subprocess.DEVNULL, text=True)
    return done.stdout or ""


def database_exists(name: str) -> bool:
    return psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'", capture=True).strip() == "1"
