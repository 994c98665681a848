"""Keep a few child processes running: restart one that dies, with backoff; stop them all on demand.

`make run` (scripts/run_embedded.py) runs the simulator, the web server, a Celery worker and beat
through this. A child that exits is said in the output and started again after a delay that
doubles from ``first_delay`` up to ``max_delay``; a child that stayed up ``stable_after`` seconds
starts again from ``first_delay``. The others keep running meanwhile, so the web server keeps
taking webhooks while the worker comes back.

Each child is the leader of its own process group (its own session), so a terminal's Ctrl-C
reaches only us, and ``stop()`` (or a child's death) can end the whole group — the prefork pool
of a killed Celery worker included — leaving no orphans.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TextIO


@dataclass
class _Child:
    name: str
    label: str
    argv: Sequence[str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restart_at: float = 0.0
    delay: float = 0.0
    relays: list[threading.Thread] = field(default_factory=list)


class Supervisor:
    """Starts ``commands`` ({name: argv}), restarts the ones that die, and stops them all."""

    def __init__(
        self,
        commands: Mapping[str, Sequence[str]],
        *,
        labels: Mapping[str, str] | None = None,
        cwd: str | os.PathLike | None = None,
        env: Mapping[str, str] | None = None,
        output: TextIO | None = None,
        first_delay: float = 1.0,
        max_delay: float = 30.0,
        stable_after: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.children = {
            name: _Child(name=name, label=(labels or {}).get(name, name), argv=list(argv), delay=first_delay)
            for name, argv in commands.items()
        }
        self.cwd, self.env = cwd, dict(env) if env is not None else None
        self.output = output or sys.stdout
        self.first_delay, self.max_delay, self.stable_after = first_delay, max_delay, stable_after
        self.clock = clock
        self._lock = threading.Lock()
        self._stopped = False

    def start(self) -> None:
        """Start every child."""
        for child in self.children.values():
            self._spawn(child)

    def poll(self) -> None:
        """One round: notice children that exited and start again those whose delay is over."""
        now = self.clock()
        for child in self.children.values():
            if self._stopped:
                return
            if child.process is None:
                if now >= child.restart_at:
                    self._spawn(child)
                continue
            code = child.process.poll()
            if code is None:
                continue
            _kill_group(child.process.pid)  # what it leaves behind (a pool's processes) goes with it
            if now - child.started_at >= self.stable_after:
                child.delay = self.first_delay  # it had been fine for a while: this is a new trouble
            self.say(f"{child.label} exited with code {code}; restarting in {child.delay:g} s")
            child.process, child.restart_at = None, now + child.delay
            child.delay = min(child.delay * 2, self.max_delay)

    def running(self) -> dict[str, int]:
        """The pid of each child that is running now."""
        return {c.name: c.process.pid for c in self.children.values() if c.process and c.process.poll() is None}

    def stop(self, *, timeout: float = 10.0) -> None:
        """Ask every child to stop (SIGTERM), wait up to ``timeout`` seconds, then kill what is left."""
        self._stopped = True
        alive = [c.process for c in self.children.values() if c.process is not None]
        for process in alive:
            if process.poll() is None:
                process.terminate()  # each shuts its own workers down warmly
        deadline = time.monotonic() + timeout
        for process in alive:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            _kill_group(process.pid)
            process.wait()
        for child in self.children.values():
            for relay in child.relays:
                relay.join(timeout=1)

    def say(self, text: str) -> None:
        self._write(f"[run] {text}\n")

    def _spawn(self, child: _Child) -> None:
        child.process = subprocess.Popen(
            child.argv, cwd=self.cwd, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        child.started_at = self.clock()
        relay = threading.Thread(target=self._relay, args=(child.name, child.process), daemon=True)
        relay.start()
        child.relays = [r for r in child.relays if r.is_alive()] + [relay]

    def _relay(self, name: str, process: subprocess.Popen) -> None:
        for line in iter(process.stdout.readline, b""):
            self._write(f"{name:>9} | {line.decode(errors='replace')}")
        process.stdout.close()

    def _write(self, text: str) -> None:
        with self._lock:
            self.output.write(text)
            self.output.flush()


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
