"""Production settings never talk to the simulator by accident."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from config.settings.published_keys import PUBLISHED_FIELD_ENCRYPTION_KEYS

ROOT = Path(__file__).resolve().parent.parent
# What the README's production section asks for (values shaped like .env.example's).
README_PRODUCTION_ENV = {
    "SECRET_KEY": "k3J9vQx2-Lm8pR4tZ7wY1cN6bF0hD5sG_aE3uI9oP2qW8xV4zT7yK1mB6nC0jH5lU",
    "DATABASE_URL": "postgres://switchboard:password@127.0.0.1:5432/switchboard",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "ALLOWED_HOSTS": "switchboard.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://switchboard.example.com",
}


def _production_env(**env) -> dict:
    """This process's environment without our settings' variables, with production settings and ``env``."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GRAPH_API", "SIMULATOR", "DJANGO_", "SECURE_"))}
    base.update(DJANGO_SETTINGS_MODULE="config.settings.production", SECRET_KEY="x")
    base["FIELD_ENCRYPTION_KEY"] = Fernet.generate_key().decode()
    base.update(env)
    return base


def _production(*argv, **env):
    """Run ``python *argv`` in a fresh process with production settings and only ``env`` set."""
    return subprocess.run([sys.executable, *argv], cwd=ROOT, env=_production_env(**env), capture_output=True, text=True)


# One child process loads the production settings module afresh for each of these environments
# (every refusal is raised on import; no app is set up), instead of a Python start-up each.
_LOADER = """
import importlib, json, os, sys
base = dict(os.environ)
results = {}
for name, env in json.load(sys.stdin).items():
    os.environ.clear(); os.environ.update(base); os.environ.update(env)
    for module in [m for m in sys.modules if m == "config.settings" or m.startswith("config.settings.")]:
        del sys.modules[module]
    try:
        s = importlib.import_module("config.settings.production")
    except Exception as error:
        results[name] = {"error": f"{type(error).__name__}: {error}"}
        continue
    d = s.DATABASES["default"]
    results[name] = {"error": "", "values": [s.GRAPH_API_BASE_URL, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0,
                     *s.SECURE_PROXY_SSL_HEADER, d["CONN_MAX_AGE"], d["CONN_HEALTH_CHECKS"],
                     s.CELERY_WORKER_PREFETCH_MULTIPLIER]}
print(json.dumps(results))
"""


def _published_key() -> str:
    return sorted(_fernet_keys_in_repository())[0]


LOADS = {
    "not fernet": {"FIELD_ENCRYPTION_KEY": "a passphrase"},
    "published": {"FIELD_ENCRYPTION_KEY": _published_key},
    "old passphrase after a new key": {"FIELD_ENCRYPTION_KEY": lambda: f"{Fernet.generate_key().decode()},an-old-passphrase"},
    "simulator not asked for": {"GRAPH_API_BASE_URL": "http://127.0.0.1:8100"},
    "simulator asked for": {"GRAPH_API_BASE_URL": "http://127.0.0.1:8100", "SIMULATOR_ENABLED": "true"},
    "readme": README_PRODUCTION_ENV,
    "behind a proxy": {**README_PRODUCTION_ENV, "SECURE_SSL_REDIRECT": "false", "SECURE_HSTS_SECONDS": "0",
                       "SECURE_PROXY_SSL_HEADER": "X-Scheme: https", "CONN_MAX_AGE": "0",
                       "CONN_HEALTH_CHECKS": "false"},
    "filesystem broker": {**README_PRODUCTION_ENV, "CELERY_BROKER_URL": "filesystem://"},
}


@pytest.fixture(scope="module")
def loads() -> dict:
    """What loading the production settings gave for each of ``LOADS``: an error, or the values."""
    environments = {name: {k: v() if callable(v) else v for k, v in env.items()} for name, env in LOADS.items()}
    child = subprocess.Popen([sys.executable, "-c", _LOADER], cwd=ROOT, env=_production_env(), text=True,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = child.communicate(json.dumps(environments))
    assert child.returncode == 0, err
    return json.loads(out)


def test_it_passes_the_deploy_checks_with_the_readme_variables():
    result = _production("manage.py", "check", "--deploy", "--fail-level", "WARNING", **README_PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_production_refuses_an_encryption_key_that_is_not_fernet(loads):
    error = loads["not fernet"]["error"]
    assert error.startswith("ImproperlyConfigured") and "Fernet key" in error


def test_production_refuses_every_encryption_key_published_in_the_repository(loads):
    found = _fernet_keys_in_repository()
    assert found, "the demo and test keys are in the repository; the scan should see them"
    # Every key the repository shows is on the list production refuses (one start-up proves the refusal).
    assert found <= set(PUBLISHED_FIELD_ENCRYPTION_KEYS), found - set(PUBLISHED_FIELD_ENCRYPTION_KEYS)
    assert "published" in loads["published"]["error"]


def test_production_still_reads_with_an_old_passphrase_after_the_new_key(loads):
    assert loads["old passphrase after a new key"]["error"] == ""


def _fernet_keys_in_repository() -> set[str]:
    candidates = set()
    tracked = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for name in tracked:
        path = ROOT / name
        if path.suffix not in {".py", ".md", ".example", ".txt", ".toml", ".cfg", ".ini", ""} or not path.is_file():
            continue
        for word in re.findall(r"(?<![A-Za-z0-9_\-.])[A-Za-z0-9_\-]{43}=(?![A-Za-z0-9_\-=])", path.read_text(errors="ignore")):
            try:
                Fernet(word)
            except ValueError:
                continue
            candidates.add(word)
    return candidates


def test_production_refuses_the_simulator_unless_asked(loads):
    assert "SIMULATOR_ENABLED" in loads["simulator not asked for"]["error"]
    assert loads["simulator asked for"]["error"] == ""


def test_run_simulator_refuses_when_the_simulator_is_off(settings):
    from django.core.management import CommandError, call_command

    settings.SIMULATOR_ENABLED = False
    with pytest.raises(CommandError, match="SIMULATOR_ENABLED"):
        call_command("run_simulator")


def test_the_gunicorn_config_serves_our_app_with_threads_for_the_webhook_commits():
    import runpy

    config = runpy.run_path(str(ROOT / "config" / "gunicorn.conf.py"))
    assert config["wsgi_app"] == "config.wsgi:application"
    assert config["workers"] == os.cpu_count() + 1
    assert config["threads"] == 8
    assert config["bind"] == "127.0.0.1:8000"


def test_production_defaults_talk_to_meta_over_https_with_kept_database_connections(loads):
    assert loads["readme"] == {"error": "", "values": [
        "https://graph.facebook.com", True, True, "HTTP_X_FORWARDED_PROTO", "https", 60, True, 1]}


def test_a_worker_on_the_polled_filesystem_broker_reserves_tasks_ahead_and_on_redis_one(loads):
    assert loads["filesystem broker"]["values"][-1] == 4
    assert loads["readme"]["values"][-1] == 1


def test_production_settings_follow_what_a_deployment_behind_a_proxy_says(loads):
    assert loads["behind a proxy"] == {"error": "", "values": [
        "https://graph.facebook.com", False, False, "HTTP_X_SCHEME", "https", 0, False, 1]}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("max_age", "kept"), [(60, True), (0, False)])
def test_a_worker_process_keeps_its_database_connection_between_tasks_for_conn_max_age(settings, max_age, kept):
    """Celery's own closing after every task is off (CELERY_DB_REUSE_MAX); ours closes, as Django does
    per request, a connection older than CONN_MAX_AGE (0: after every task, as before)."""
    from celery.fixups.django import DjangoWorkerFixup
    from celery.signals import task_postrun
    from django.db import connection

    from config.celery import app
    from messaging.tasks import drain_webhook_events_task as task

    assert DjangoWorkerFixup(app).db_reuse_max == settings.CELERY_DB_REUSE_MAX >= 1000
    connection.close()
    configured, connection.settings_dict["CONN_MAX_AGE"] = connection.settings_dict["CONN_MAX_AGE"], max_age
    try:
        connection.ensure_connection()
        first = connection.connection
        task.push_request(is_eager=False)  # as a worker runs it
        try:
            task_postrun.send(sender=task, task_id="t", task=task, args=(), kwargs={}, retval=None, state="SUCCESS")
        finally:
            task.pop_request()
        assert (connection.connection is first) is kept
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = configured
        connection.close()


@pytest.mark.django_db
def test_the_system_checks_find_nothing_to_warn_about_on_the_database_in_use():
    """`make run` (SQLite) and a PostgreSQL deployment migrate without a warning a person must read:
    the figures' covering index is PostgreSQL's speed-up, a plain index on SQLite."""
    from django.core import checks

    assert [message.id for message in checks.run_checks(databases=["default"])
            if message.level >= checks.WARNING and not message.is_silenced()] == []
