"""``manage.py simulate_inbound`` reaches the simulator on SIMULATOR_PORT, the port `make run` gives it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from cloudapi.simulator import Simulator

from .simulator_http import CUSTOMER, PHONE_NUMBER_ID

ROOT = Path(__file__).resolve().parents[2]


def test_it_posts_to_the_simulator_on_simulator_port(sim: Simulator, server: str) -> None:
    port = urlsplit(server).port
    assert port != 8100
    env = {key: value for key, value in os.environ.items() if key not in ("SIMULATOR_URL", "PORT")}
    env.update(SIMULATOR_PORT=str(port), DJANGO_SETTINGS_MODULE="config.settings.test")

    done = subprocess.run(
        [sys.executable, "manage.py", "simulate_inbound", "--from", CUSTOMER, "--name", "Sheena", "--text", "Hi!",
         "--phone-number-id", PHONE_NUMBER_ID],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)

    assert done.returncode == 0, done.stderr
    assert f"Customer +{CUSTOMER} wrote" in done.stdout
    [webhook] = [w for w in sim.webhook_log() if w["field"] == "messages"]
    [message] = webhook["body"]["entry"][0]["changes"][0]["value"]["messages"]
    assert message["text"] == {"body": "Hi!"}
