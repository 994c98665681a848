"""Open consoles benchmark: what 50 operators' tabs cost the web server while they just sit open.

    .venv/bin/python bench/console/tabs.py [--tabs 50] [--seconds 20] [--web-workers 3] [--reuse]

Each open console polls by plain htmx/fetch on WSGI (no server-sent events, which would hold a
gunicorn thread per tab): the inbox list every 2 s (the htmx partial), the notifier every 5 s
(/notify/, JSON) and a presence heartbeat every 30 s (POST /presence/). This script:

1. recreates the PostgreSQL database ``switchboard_tabs_bench`` (``--reuse`` keeps it) and seeds a
   small history with ``seed_history`` (``--conversations``/``--messages``; the queries are bounded,
   see bench/console/run.py for the same pages at 1 M messages);
2. creates ``--tabs`` logged-in sessions of one operator granted the seeded numbers, and counts the
   SQL queries of each request kind in-process (CaptureQueriesContext);
3. starts gunicorn (``--web-workers`` sync workers, DEBUG off, persistent DB connections) and
   measures, closed loop (every tab sends its next request as soon as the last one answered, for
   ``--burst`` seconds each): the baseline, a bare view through the same middleware (no session,
   no query), then each request kind alone: requests/s and gunicorn CPU ms per request;
4. runs the real schedule for ``--seconds``: ``--tabs`` consoles with their three timers (randomly
   phased), and prints the requests/s served, latency p50/p95 per kind, and gunicorn's CPU use per
   open tab (its processes' user+system time from /proc over the run, divided by the tabs).

PostgreSQL's own CPU is not in the per-tab figure (it is shared with whatever else runs here);
queries per poll are printed instead. Everything runs on this machine, load included.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VAR = ROOT / "var"
sys.path.insert(0, str(ROOT))
from bench.console.postgres import database_exists, psql  # noqa: E402 (needs ROOT on the path)
from bench.processes import cpu_seconds, stop, wait_answering  # noqa: E402
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.console.tabs_settings"
DATABASE = "switchboard_tabs_bench"
PORT = 8775
# What one open console sends: (kind, every N seconds).
SCHEDULE = (("inbox poll", 2.0), ("notify poll", 5.0), ("heartbeat", 30.0))


def main() -> int:
    args = _parse_args()
    VAR.mkdir(exist_ok=True)
    if not (args.reuse and database_exists(DATABASE)):
        _recreate_database(args)
    import django

    django.setup()
    user, sessions = _sessions(args.tabs)
    requests_of = _request_kinds()
    queries = {kind: _queries(user, *requests_of[kind]) for kind in requests_of}
    web = _start_web(args)
    try:
        closed = {kind: _closed_loop(web, sessions, *requests_of[kind], seconds=args.burst)
                  for kind in ("bare view (baseline)", "inbox poll", "notify poll", "heartbeat")}
        scheduled = _scheduled(web, sessions, requests_of, seconds=args.seconds)
    finally:
        stop(web)
    _report(args, queries, closed, scheduled)
    return 0


def _parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tabs", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20, help="the scheduled run (default 20)")
    parser.add_argument("--burst", type=float, default=3, help="each closed-loop measurement (default 3)")
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--conversations", type=int, default=2000)
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    return parser.parse_args()


# --- The database ----------------------------------------------------------------------------------


def _recreate_database(args) -> None:
    psql(f"DROP DATABASE IF EXISTS {DATABASE}")
    psql(f"CREATE DATABASE {DATABASE}")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.console.tabs_settings"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, check=True, env=env)
    subprocess.run([sys.executable, "manage.py", "seed_history", "--conversations", str(args.conversations),
                    "--messages", str(args.messages), "-v", "0"], cwd=ROOT, check=True, env=env)
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", DATABASE, "-qc", "VACUUM ANALYZE"], check=True)


def _sessions(tabs: int):
    """One operator granted the seeded numbers, logged in ``tabs`` times: (user, [(session, csrf)])."""
    from django.test import Client

    from accounts import roles
    from accounts.models import PhoneNumber
    from accounts.services import ensure_user
    from messaging.services.seeding import SEED_WABA_ID

    user = ensure_user(username="bench-operator", password="bench-operator-pw", role=roles.OPERATOR)
    for number in PhoneNumber.objects.filter(account__waba_id=SEED_WABA_ID):
        number.operators.add(user)
    sessions = []
    for _ in range(tabs):
        client = Client()
        client.force_login(user)
        sessions.append((client.cookies["sessionid"].value, secrets.token_hex(16)))  # an unmasked 32-char secret
    return user, sessions


def _request_kinds() -> dict[str, tuple[str, str, dict]]:
    """kind → (method, path, headers); ``since`` is the notifier's cursor as a tab holds it."""
    from messaging.models import Message

    latest = Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return {
        "bare view (baseline)": ("GET", "/bench/bare/", {}),
        "inbox poll": ("GET", "/", {"HX-Request": "true"}),
        "notify poll": ("GET", f"/notify/?since={latest}.0", {}),
        "heartbeat": ("POST", "/presence/", {"Content-Type": "application/x-www-form-urlencoded"}),
    }


def _queries(user, method: str, path: str, headers: dict) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items() if name != "Content-Type"}
    call = (lambda: client.post(path, {"status": "online"}, **extra)) if method == "POST" else (lambda: client.get(path, **extra))
    call()  # warm: the session's refresh write is not a poll's cost
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code < 400, (path, response.status_code)
    return len(captured.captured_queries)


# --- The web server --------------------------------------------------------------------------------


def _start_web(args) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.console.tabs_settings"}
    log = open(VAR / "bench-console-tabs-web.log", "ab")  # noqa: SIM115
    web = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "bench.console.tabs_wsgi:application", "--bind",
         f"127.0.0.1:{PORT}", "--workers", str(args.web_workers), "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True, stdout=log, stderr=subprocess.STDOUT,
    )
    if wait_answering(f"http://127.0.0.1:{PORT}/bench/bare/", web):
        return web
    stop(web)
    sys.exit("gunicorn did not answer (its output: var/bench-console-tabs-web.log)")


class _Tab:
    """One open console: its own keep-alive connection and session cookies."""

    def __init__(self, session: tuple[str, str]) -> None:
        self.cookie = f"sessionid={session[0]}; csrftoken={session[1]}"
        self.csrf = session[1]
        self.connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)

    def send(self, method: str, path: str, headers: dict) -> tuple[int, float]:
        headers = {**headers, "Cookie": self.cookie, "X-CSRFToken": self.csrf}
        body = "status=online" if method == "POST" else None
        started = time.perf_counter()
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                response.read()
                return response.status, (time.perf_counter() - started) * 1000
            except (OSError, http.client.HTTPException):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
                if attempt == 2:
                    return 599, (time.perf_counter() - started) * 1000
        return 599, 0.0


def _closed_loop(web, sessions, method: str, path: str, headers: dict, *, seconds: float) -> dict:
    tabs = [_Tab(session) for session in sessions]
    counts, errors = [0] * len(tabs), [0] * len(tabs)
    stop_at = [0.0]

    def run(index: int) -> None:
        while time.monotonic() < stop_at[0]:
            status, _ = tabs[index].send(method, path, headers)
            counts[index] += 1
            errors[index] += status >= 400

    cpu_before, started = cpu_seconds(web.pid), time.monotonic()
    stop_at[0] = started + seconds
    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(tabs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed, cpu = time.monotonic() - started, cpu_seconds(web.pid) - cpu_before
    total = sum(counts)
    return {"rps": total / elapsed, "cpu_ms": cpu * 1000 / max(total, 1), "errors": sum(errors)}


def _scheduled(web, sessions, requests_of, *, seconds: float) -> dict:
    tabs = [_Tab(session) for session in sessions]
    latencies: dict[str, list[float]] = {kind: [] for kind, _ in SCHEDULE}
    errors = [0]
    lock = threading.Lock()
    started = time.monotonic()
    stop_at = started + seconds

    def run(tab: _Tab) -> None:
        rng = random.Random()
        due = {kind: started + rng.uniform(0, every) for kind, every in SCHEDULE}  # tabs opened at random times
        while True:
            kind = min(due, key=due.get)
            if due[kind] >= stop_at or time.monotonic() >= stop_at:  # a server behind schedule: stop on time anyway
                return
            time.sleep(max(0.0, due[kind] - time.monotonic()))
            status, ms = tab.send(*requests_of[kind])
            with lock:
                latencies[kind].append(ms)
                errors[0] += status >= 400
            due[kind] += dict(SCHEDULE)[kind]

    cpu_before = cpu_seconds(web.pid)
    threads = [threading.Thread(target=run, args=(tab,)) for tab in tabs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed, cpu = time.monotonic() - started, cpu_seconds(web.pid) - cpu_before
    total = sum(len(values) for values in latencies.values())
    return {"elapsed": elapsed, "requests": total, "rps": total / elapsed, "cpu_share": cpu / elapsed,
            "latencies": latencies, "errors": errors[0]}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(len(ordered) * share)) - 1))] if ordered else 0.0


def _report(args, queries, closed, scheduled) -> None:
    from django.db import connection

    from messaging.models import Conversation, Message

    version = connection.cursor().connection.info.server_version
    load = os.getloadavg()[0]
    print(f"\nOpen consoles benchmark — PostgreSQL {version // 10000}, {os.cpu_count()} cores (load {load:.1f} at the end), "
          f"gunicorn {args.web_workers} sync workers; history: {Conversation.objects.count():,} conversations, "
          f"{Message.objects.count():,} messages\n")
    print(f"Closed loop, {args.tabs} clients, {args.burst:.0f} s each (capacity; CPU is gunicorn's):")
    print(f"  {'request':<24} {'queries':>7} {'req/s':>8} {'CPU ms/req':>11} {'× baseline':>11}")
    base = closed["bare view (baseline)"]["cpu_ms"] or 1e-9
    for kind, row in closed.items():
        print(f"  {kind:<24} {queries[kind]:>7} {row['rps']:>8.0f} {row['cpu_ms']:>11.2f} {row['cpu_ms'] / base:>10.1f}×"
              + (f"  ({row['errors']} errors)" if row["errors"] else ""))
    offered = sum(args.tabs / every for _, every in SCHEDULE)
    print(f"\n{args.tabs} open consoles for {scheduled['elapsed']:.0f} s (inbox every 2 s, notify every 5 s, "
          f"heartbeat every 30 s; offered {offered:.1f} req/s):")
    print(f"  served {scheduled['rps']:.1f} req/s, {scheduled['errors']} errors")
    for kind, values in scheduled["latencies"].items():
        print(f"  {kind:<12} {len(values):>5} requests  p50 {_percentile(values, .5):6.1f} ms  p95 {_percentile(values, .95):6.1f} ms")
    per_tab_rate = sum(1 / every for _, every in SCHEDULE)  # requests per second one open tab sends
    cpu_per_request = scheduled["cpu_share"] * scheduled["elapsed"] * 1000 / max(scheduled["requests"], 1)
    per_tab = cpu_per_request * per_tab_rate
    if scheduled["rps"] < 0.95 * offered:
        print(f"  (the server fell behind the schedule: it served {scheduled['rps'] / offered:.0%} of what the tabs asked)")
    print(f"  gunicorn CPU: {cpu_per_request:.1f} ms per request served; at {per_tab_rate:.2f} requests/s per tab that is "
          f"{per_tab:.1f} ms of CPU per open tab per second = {per_tab / 10:.2f} % of one core per tab; "
          f"{args.tabs} tabs ≈ {per_tab * args.tabs / 1000:.2f} cores")
    ideal = sum(closed[kind]["cpu_ms"] / every for kind, every in SCHEDULE)
    mine = sum(closed[kind]["cpu_ms"] / every for kind, every in SCHEDULE if kind != "inbox poll")
    print(f"  from the closed-loop costs: {ideal:.1f} ms of CPU per tab per second, of which notify + heartbeat "
          f"{mine:.1f} ms (a bare view at the same rate: {base * per_tab_rate:.1f} ms)\n")

if __name__ == "__main__":
    sys.exit(main())
