"""Production settings never talk to the simulator by accident."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _load_production(**env):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GRAPH_API", "SIMULATOR", "DJANGO_"))}
    base.update(DJANGO_SETTINGS_MODULE="config.settings.production", SECRET_KEY="x", FIELD_ENCRYPTION_KEY="k", **env)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; print(settings.GRAPH_API_BASE_URL)"],
        cwd=ROOT, env=base, capture_output=True, text=True,
    )


def test_production_talks_to_meta_by_default():
    result = _load_production()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "https://graph.facebook.com"


def test_production_refuses_the_simulator_unless_asked():
    refused = _load_production(GRAPH_API_BASE_URL="http://127.0.0.1:8100")
    assert refused.returncode != 0
    assert "SIMULATOR_ENABLED" in refused.stderr

    allowed = _load_production(GRAPH_API_BASE_URL="http://127.0.0.1:8100", SIMULATOR_ENABLED="true")
    assert allowed.returncode == 0, allowed.stderr


def test_run_simulator_refuses_when_the_simulator_is_off(settings):
    import pytest
    from django.core.management import CommandError, call_command

    settings.SIMULATOR_ENABLED = False
    with pytest.raises(CommandError, match="SIMULATOR_ENABLED"):
        call_command("run_simulator")
