"""`make run`: the whole product on its embedded default, in the foreground.

Starts the Cloud API simulator, the web server (gunicorn), a Celery worker and Celery beat on
the serverless filesystem broker; prefixes their output; Ctrl-C (or SIGTERM) stops them all.
If one of them dies it is started again (scripts/supervise.py: 1 s, doubling to 30 s), and the
others keep running meanwhile.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from supervise import Supervisor  # scripts/ is on the path: this file is run as a script

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST, PORT, SIM_PORT = "127.0.0.1", int(os.environ.get("PORT", "8000")), int(os.environ.get("SIMULATOR_PORT", "8100"))

PROCESSES = {
    "simulator": [
        sys.executable, "manage.py", "run_simulator", "--",
        "--host", HOST, "--port", str(SIM_PORT),
        "--webhook-url", f"http://{HOST}:{PORT}/webhooks/whatsapp/",
        "--db", "var/simulator.sqlite3",
    ],
    "web": [
        str(BIN / "gunicorn"), "config.wsgi", "--bind", f"{HOST}:{PORT}",
        "--workers", "2", "--threads", "4", "--timeout", "60",
    ],
    "worker": [str(BIN / "celery"), "-A", "config", "worker", "--loglevel", "INFO", "--concurrency", "2"],
    "beat": [
        str(BIN / "celery"), "-A", "config", "beat", "--loglevel", "INFO",
        "--schedule", "var/celerybeat-schedule",
    ],
}
LABELS = {"simulator": "simulator", "web": "web server", "worker": "celery worker", "beat": "celery beat"}


def main() -> int:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local", "PYTHONUNBUFFERED": "1",
           "SIMULATOR_URL": f"http://{HOST}:{SIM_PORT}", "GRAPH_API_BASE_URL": f"http://{HOST}:{SIM_PORT}"}
    (ROOT / "var").mkdir(exist_ok=True)
    stopping = threading.Event()

    def stop(*_):
        stopping.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    supervisor = Supervisor(PROCESSES, labels=LABELS, cwd=ROOT, env=env)
    supervisor.start()
    if _wait_until_up(f"http://{HOST}:{PORT}/login/", supervisor, stopping):
        _sync_with_simulator(env, supervisor, stopping)
        _upload_flow_keys(env)
        _banner()
    parent = os.getppid()
    while not stopping.wait(0.5):
        if os.getppid() != parent:
            break  # whoever started us (make, a terminal) is gone: do not leave orphans
        supervisor.poll()
    supervisor.stop()
    print("[run] stopped.", flush=True)
    return 0


def _wait_until_up(url: str, supervisor: Supervisor, stopping, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not stopping.is_set():
        supervisor.poll()  # one that dies while starting is restarted here too
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except OSError:
            time.sleep(0.3)
    return False


def _sync_with_simulator(env: dict, supervisor: Supervisor, stopping) -> None:
    """Fetch the templates now (the simulator approves hello_world), so the closed-window picker
    has them from the first minute rather than after beat's first run; and the numbers, so their
    quality and the portfolio's messaging limit (which a campaign's dry run checks) are known."""
    if not _wait_until_up(f"http://{HOST}:{SIM_PORT}/_sim/log", supervisor, stopping, timeout=30.0):
        return
    for command, label in (("sync_templates", "templates"), ("sync_numbers", "numbers")):
        done = subprocess.run([sys.executable, "manage.py", command], cwd=ROOT, env=env, check=False,
                              capture_output=True, text=True, timeout=60)
        for line in (done.stdout + (done.stderr if done.returncode else "")).splitlines():
            if "INFO" not in line:
                print(f"[run] {label}: {line}", flush=True)


def _upload_flow_keys(env: dict) -> None:
    """Give the simulator each number's Flows key (made on the first run), so a flow with the data
    endpoint http://127.0.0.1:<port>/flows/endpoint/ opens from the /_sim/ page; and offer demo slots
    to the appointment booking example."""
    for command in (["flow_keys", "--all"], ["seed_appointment_slots"]):
        done = subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=False,
                              capture_output=True, text=True, timeout=60)
        for line in done.stderr.splitlines() if command[0] == "flow_keys" else done.stdout.splitlines():
            if "INFO" not in line:
                print(f"[run] flows: {line}", flush=True)


def _banner() -> None:
    print(
        f"""
[run] ─────────────────────────────────────────────────────────────
[run] Switchboard is up:    http://{HOST}:{PORT}/
[run]   operator login:     operator / operator
[run]   administrator:      admin / admin   (Django admin at /admin/)
[run] Cloud API simulator:  http://{HOST}:{SIM_PORT}/_sim/  (JSON: /_sim/log)
[run] Flows data endpoint:  http://{HOST}:{PORT}/flows/endpoint/
[run] Connect a second account in Settings → Accounts: WABA 200000000000002, app 300000000000001,
[run]   token sim-second-access-token, app secret sim-demo-app-secret (docs/simulator.md)
[run] Make a customer write (another terminal, same environment):
[run]   {_port_env()}.venv/bin/python manage.py simulate_inbound --from 16505551234 --name "Sheena" --text "Hi!"
[run] A process that dies is restarted; Ctrl-C stops everything.
[run] ─────────────────────────────────────────────────────────────
""",
        flush=True,
    )


def _port_env() -> str:
    """The ``PORT=… SIMULATOR_PORT=…`` prefix a second terminal needs to reach these ports (none by default)."""
    ports = {"PORT": PORT, "SIMULATOR_PORT": SIM_PORT}
    return "".join(f"{name}={value} " for name, value in ports.items() if name in os.environ)


if __name__ == "__main__":
    sys.exit(main())
