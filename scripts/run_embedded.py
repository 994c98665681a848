"""`make run`: the whole product on its embedded default, in the foreground.

Starts the Cloud API simulator, the web server (gunicorn), a Celery worker and Celery beat on
the serverless filesystem broker; prefixes their output; Ctrl-C (or SIGTERM) stops them all.
If any of them dies, the rest are stopped too, so nothing runs half-up.
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


def main() -> int:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local", "PYTHONUNBUFFERED": "1",
           "SIMULATOR_URL": f"http://{HOST}:{SIM_PORT}", "GRAPH_API_BASE_URL": f"http://{HOST}:{SIM_PORT}"}
    (ROOT / "var").mkdir(exist_ok=True)
    children: dict[str, subprocess.Popen] = {}
    stopping = threading.Event()

    def stop(*_):
        stopping.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    for name, argv in PROCESSES.items():
        child = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 start_new_session=True)
        children[name] = child
        threading.Thread(target=_relay, args=(name, child), daemon=True).start()

    if _wait_until_up(f"http://{HOST}:{PORT}/login/", children, stopping):
        _banner()
    exit_code = 0
    parent = os.getppid()
    while not stopping.wait(0.5):
        if os.getppid() != parent:
            break  # whoever started us (make, a terminal) is gone: do not leave orphans
        dead = [name for name, child in children.items() if child.poll() is not None]
        if dead:
            print(f"[run] {', '.join(dead)} stopped unexpectedly; stopping everything.", flush=True)
            exit_code = 1
            break
    _terminate(children)
    return exit_code


def _kill_group_leftovers(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _relay(name: str, child: subprocess.Popen) -> None:
    for line in iter(child.stdout.readline, b""):
        sys.stdout.write(f"{name:>9} | {line.decode(errors='replace')}")
        sys.stdout.flush()


def _wait_until_up(url: str, children, stopping, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not stopping.is_set():
        if any(child.poll() is not None for child in children.values()):
            return False
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except OSError:
            time.sleep(0.3)
    return False


def _banner() -> None:
    print(
        f"""
[run] ─────────────────────────────────────────────────────────────
[run] Switchboard is up:    http://{HOST}:{PORT}/
[run]   operator login:     operator / operator
[run]   administrator:      admin / admin   (Django admin at /admin/)
[run] Cloud API simulator:  http://{HOST}:{SIM_PORT}/_sim/log
[run] Make a customer write:
[run]   .venv/bin/python manage.py simulate_inbound --from 16505551234 --name "Sheena" --text "Hi!"
[run] Ctrl-C stops everything.
[run] ─────────────────────────────────────────────────────────────
""",
        flush=True,
    )


def _terminate(children: dict[str, subprocess.Popen]) -> None:
    for child in children.values():
        if child.poll() is None:
            child.terminate()  # each shuts its own workers down warmly
    deadline = time.monotonic() + 10
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
        else:
            _kill_group_leftovers(child.pid)
    print("[run] stopped.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
