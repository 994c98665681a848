"""The processes a benchmark starts (gunicorn, Celery, the simulator, itself once per database): waited
for until they answer, stopped with their children, and the CPU time they spent, read from /proc."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import requests

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def wait_answering(url: str, process: subprocess.Popen, *, timeout: float = 60,
                   healthy: Callable[[requests.Response], bool] = lambda response: True) -> bool:
    """Until ``url`` gives a ``healthy`` answer (True: any answer, unless told), or ``process`` exits or
    ``timeout`` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if healthy(requests.get(url, timeout=1)):
                return True
        except requests.RequestException:
            pass
        time.sleep(0.1)
    return False


def stop(process: subprocess.Popen | None, timeout: float = 30) -> None:
    """Stop a process the benchmark started, and its children (it was started in a session of its own)."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and all its descendants so far (gunicorn's and Celery's
    workers, whichever thread forked them), counting the children they have already reaped; 0 for a
    process that has gone."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                pending += [int(child) for child in children.read_text().split()]
            except (FileNotFoundError, ProcessLookupError):
                continue
    return total / CLOCK_TICKS


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (every core, every process: PostgreSQL and Redis
    too), from /proc/stat: user, nice, system, irq and softirq (not idle or iowait, nor the time a
    hypervisor gave to other machines, steal)."""
    user, nice, system, _idle, _iowait, irq, softirq = (
        int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8])
    return (user + nice + system + irq + softirq) / CLOCK_TICKS


def run_each_database(script: Path, databases: list[str], result_name: str) -> dict[str, object | None]:
    """Run ``script`` again once per database, each in a process of its own (the settings pick the
    database when they are imported), with this process's arguments and ``--one-database D
    --result-file var/<result_name>-D.json``: each run's JSON result, None for a run that failed."""
    var = script.resolve().parents[2] / "var"
    var.mkdir(exist_ok=True)
    results: dict[str, object | None] = {}
    for database in databases:
        result_file = var / f"{result_name}-{database}.json"
        result_file.unlink(missing_ok=True)
        command = [sys.executable, str(script.resolve()), *sys.argv[1:], "--one-database", database,
                   "--result-file", str(result_file)]
        done = subprocess.run(command, cwd=var.parent, env={**os.environ, "BENCH_DATABASE": database})
        if done.returncode or not result_file.exists():
            print(f"[bench {time.strftime('%H:%M:%S')}] {database}: the run failed (exit {done.returncode})",
                  file=sys.stderr, flush=True)
            results[database] = None
            continue
        results[database] = json.loads(result_file.read_text())
    return results
