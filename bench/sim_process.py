"""A Cloud API simulator in a process of its own for a benchmark, and a webhook sink that counts what
it is posted: started by the benchmark (bench/simulator_sends, bench/campaign), and stopped with
``bench.processes.stop``."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

from bench.processes import stop, wait_answering

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_simulator(*, port: int, webhook_url: str, db: Path | None, mps: int, pair_limit: int = 45,
                    code_root: Path = ROOT, log: Path | None = None) -> subprocess.Popen:
    """``python -m cloudapi.simulator`` from ``code_root`` (another checkout gives a baseline), once it
    answers ``/_sim/health``. Its demo number (cloudapi/simulator/demo.py) gets ``mps``."""
    command = [sys.executable, "-m", "cloudapi.simulator", "--port", str(port), "--webhook-url", webhook_url,
               "--mps", str(mps), "--pair-limit", str(pair_limit), "--review-delay", "0"]
    if db is not None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        command += ["--db", str(db)]
    env = {key: value for key, value in os.environ.items() if not key.startswith("WHATSAPP_")}
    env["PYTHONPATH"] = str(code_root)
    output = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(command, cwd=code_root, env=env, start_new_session=True, stdout=output,
                               stderr=subprocess.STDOUT)
    if wait_answering(f"http://127.0.0.1:{port}/_sim/health", process, timeout=30,
                      healthy=lambda response: response.ok):
        return process
    stop(process)
    sys.exit(f"the simulator did not start from {code_root}")


class WebhookSink:
    """Answers 200 to every POST and counts the POSTs and the statuses in them (in this process)."""

    def __init__(self) -> None:
        self.posts = 0
        self.statuses = 0
        self._lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - stdlib name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                count = body.count(b'"recipient_id"')
                with sink._lock:
                    sink.posts += 1
                    sink.statuses += count
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/webhooks/whatsapp/"
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def sim_post(url: str, path: str, body: dict | None = None) -> dict:
    """A ``/_sim/…`` command; raises with the simulator's reason on a refusal."""
    response = requests.post(f"{url}/_sim/{path}", data=json.dumps(body or {}), timeout=30)
    if response.status_code != 200:
        raise RuntimeError(f"/_sim/{path}: {response.status_code} {response.text[:300]}")
    return response.json()
