"""scripts/supervise.py, with tiny child processes: a child that dies is restarted with a growing
delay and said so in the output; the others keep running; stop() leaves no process behind."""

import io
import os
import signal
import sys
import time

import pytest

from scripts.supervise import Supervisor

QUITTER = [sys.executable, "-c", "import sys; sys.exit(3)"]
SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]
# A child with a child of its own, as gunicorn and a Celery worker have: it prints the grandchild's pid.
PARENT = [sys.executable, "-c", (
    "import subprocess, sys, time\n"
    "grandchild = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\n"
    "print('grandchild', grandchild.pid, flush=True)\n"
    "time.sleep(120)\n"
)]


class FakeClock:
    """The supervisor's sense of time, moved by the test (the children themselves run for real)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def make():
    made = []

    def _make(commands, **options):
        out, clock = io.StringIO(), FakeClock()
        supervisor = Supervisor(commands, output=out, clock=clock, **options)
        made.append(supervisor)
        return supervisor, out, clock

    yield _make
    for supervisor in made:
        supervisor.stop(timeout=2)


def _poll_until(supervisor, condition, *, patience: float = 20.0) -> None:
    deadline = time.monotonic() + patience  # only so a broken supervisor fails instead of hanging
    while not condition():
        assert time.monotonic() < deadline, "the supervisor never got there"
        supervisor.poll()
        time.sleep(0.005)


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"  # a zombie has ended
    except FileNotFoundError:
        return True


def test_it_restarts_a_child_that_dies_and_says_so_while_the_others_keep_running(make):
    supervisor, out, clock = make({"worker": QUITTER, "web": SLEEPER}, labels={"worker": "celery worker"})
    supervisor.start()
    web = supervisor.running()["web"]

    _poll_until(supervisor, lambda: "celery worker exited with code 3; restarting in 1 s" in out.getvalue())
    assert "worker" not in supervisor.running()  # not before its delay is over
    clock.now += 1
    _poll_until(supervisor, lambda: "exited with code 3; restarting in 2 s" in out.getvalue())  # it ran, and died again

    assert supervisor.running()["web"] == web


def test_the_delay_doubles_up_to_the_limit(make):
    supervisor, out, clock = make({"worker": QUITTER}, first_delay=1, max_delay=30)
    supervisor.start()
    delays = []
    for _ in range(7):
        _poll_until(supervisor, lambda: out.getvalue().count("restarting in") > len(delays))
        delays.append(float(out.getvalue().rsplit("restarting in ", 1)[1].split()[0]))
        clock.now += delays[-1]
        supervisor.poll()  # starts it again

    assert delays == [1, 2, 4, 8, 16, 30, 30]


def test_a_child_that_stayed_up_a_while_starts_again_from_the_first_delay(make):
    supervisor, out, clock = make({"worker": SLEEPER}, first_delay=1, stable_after=60)
    supervisor.start()
    for delay in (1, 2):
        os.kill(supervisor.running()["worker"], signal.SIGKILL)
        _poll_until(supervisor, lambda: f"exited with code -9; restarting in {delay} s" in out.getvalue())
        clock.now += delay
        _poll_until(supervisor, lambda: "worker" in supervisor.running())

    clock.now += 60  # up for a minute
    os.kill(supervisor.running()["worker"], signal.SIGKILL)
    _poll_until(supervisor, lambda: out.getvalue().count("restarting in") == 3)

    assert out.getvalue().rstrip().endswith("worker exited with code -9; restarting in 1 s")


def test_stop_ends_every_child_and_what_they_started(make):
    supervisor, out, clock = make({"web": PARENT, "beat": SLEEPER})
    supervisor.start()
    _poll_until(supervisor, lambda: "grandchild" in out.getvalue())
    grandchild = int(out.getvalue().split("grandchild ", 1)[1].split()[0])
    pids = [*supervisor.running().values(), grandchild]

    supervisor.stop(timeout=5)

    _poll_until(supervisor, lambda: all(_gone(pid) for pid in pids))
    assert supervisor.running() == {}
    assert "web |" in out.getvalue()  # the children's output is relayed with their name


def test_a_child_that_dies_takes_its_own_children_with_it(make):
    supervisor, out, clock = make({"web": PARENT})
    supervisor.start()
    _poll_until(supervisor, lambda: "grandchild" in out.getvalue())
    grandchild = int(out.getvalue().split("grandchild ", 1)[1].split()[0])

    os.kill(supervisor.running()["web"], signal.SIGKILL)
    _poll_until(supervisor, lambda: "web exited with code -9" in out.getvalue())

    _poll_until(supervisor, lambda: _gone(grandchild))
