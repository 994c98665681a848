"""Webhook ingest benchmark: how fast we take Meta's webhooks in, and how fast Celery applies them.

    .venv/bin/python bench/webhook_ingest/run.py            # everything (20–25 minutes, README "Speed")
    .venv/bin/python bench/webhook_ingest/run.py --duration 3 --sustained-seconds 3 --messages 1000

Needs `wrk` (apt-get install wrk); for PostgreSQL, PostgreSQL and Redis on 127.0.0.1. Pre-signs
distinct real-shaped payloads (three statuses per seeded outbound message and one inbound text,
mixed 3:1 all along), then, for each database (``--databases``; this script runs itself once per
database, in a process with that database's settings, see settings.py):

1. recreates the database (PostgreSQL ``switchboard_bench``, or var/bench-webhook-ingest.sqlite3
   with the filesystem broker, the embedded default of `make run`), seeds outbound messages and
   keeps a copy of it (a template database / a copy of the file);
2. on one gunicorn (``--web-workers`` × ``--web-threads``): wrk → a bare Django view that only parses
   the body and answers 200 (the baseline); wrk → /webhooks/whatsapp/ (signature check, durable
   store, wake-up); wrk → the same receiver view through the whole middleware stack
   (/bench/full-stack-webhook/, on other events); then gunicorn stops and the database, with
   every event stored and none processed, is copied as well;
3. processing: for each ``--workers`` count, the stored copy is put back (the same ``--backlog``
   pending events, nothing applied yet: no message, status or contact they create exists), a
   Celery worker with that many processes starts, and one drain task per process is sent;
   events/s = events / (last processed_at − the send);
4. lag: for each ``--sustained-rates`` rate, the seeded copy is put back, gunicorn and a worker
   (``--lag-workers`` processes) start, a sender posts that many events per second on schedule for
   ``--sustained-seconds``; lag = processed_at − received_at of those events, p50/p99.

Then pywa 4.5's own Flask receiver (signature check, nothing stored; bench/webhook_ingest/
pywa_app.py, installed from requirements.txt beside this file into var/bench-pywa-venv) is served
by the same gunicorn on another port and wrk posts it the same signed bodies (``--skip-pywa`` not).
Prints every figure with the databases side by side. Everything runs on this machine, load
included: the figures compare within one run.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import math
import multiprocessing
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
VAR = ROOT / "var"
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.webhook_ingest.settings"
from bench.processes import run_each_database, stop, wait_answering  # noqa: E402 (needs ROOT on the path)

PORT, PYWA_PORT = 8765, 8766
APP_SECRET = "bench-app-secret"
WABA_ID = "102290129340398"
PHONE_NUMBER_ID = "106540352242922"
DISPLAY_NUMBER = "15550783881"
CONTACTS = 1000
FIXTURES = ROOT / "tests" / "fixtures" / "cloudapi"
BODY_FILE = VAR / "bench-bodies.tsv"
PYWA_VENV = VAR / "bench-pywa-venv"
DATABASES = ("postgresql", "sqlite")
LABELS = {"postgresql": "PostgreSQL + Redis", "sqlite": "SQLite (WAL) + filesystem broker"}
PG_DB = "switchboard_bench"


def main() -> int:
    args = _parse_args()
    if args.one_database:
        return _run_one_database(args)
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install -y wrk")
    started = time.monotonic()
    VAR.mkdir(exist_ok=True)
    bodies = _signed_bodies(args.messages)
    BODY_FILE.write_text("".join(f"{sig}\t{body}\n" for sig, body in bodies))
    _progress(f"{len(bodies)} signed bodies in {BODY_FILE.relative_to(ROOT)}")
    results = run_each_database(Path(__file__), args.databases, "bench-webhook-ingest")  # a failed one: None
    pywa = None if args.skip_pywa else _run_pywa(args)
    print(_report(args, results, pywa, elapsed=time.monotonic() - started))
    return 0 if all(results.values()) else 1


def _parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run (default 15)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--web-workers", type=int, default=3, help="gunicorn processes (default 3)")
    # Storing an event waits on the durable commit (an fsync): threads let one worker keep several
    # of them in flight, and the database groups their commits.
    parser.add_argument("--web-threads", type=int, default=8, help="gunicorn threads per process (default 8; 1 = sync)")
    parser.add_argument("--messages", type=int, default=30_000,
                        help="seeded outbound messages; 4 signed bodies each (default 30,000: 120,000 bodies)")
    parser.add_argument("--databases", type=_choices(DATABASES), default=list(DATABASES),
                        help="comma-separated, of postgresql,sqlite (default both)")
    parser.add_argument("--workers", type=_ints, default=[1, 2, 4],
                        help="Celery worker process counts for the processing runs (default 1,2,4)")
    parser.add_argument("--backlog", type=int, default=30_000,
                        help="stored events each processing run applies: the first ones wrk stored (default 30,000)")
    parser.add_argument("--sustained-rates", type=_ints, default=[330, 1000],
                        help="events/s for the lag runs (default 330,1000)")
    parser.add_argument("--sustained-seconds", type=int, default=20, help="seconds per lag run (default 20)")
    parser.add_argument("--lag-workers", type=int, default=2, help="Celery worker processes in the lag runs (default 2)")
    parser.add_argument("--timeout", type=int, default=600,
                        help="seconds a processing or lag run may take to apply everything (default 600)")
    parser.add_argument("--ingest-only", action="store_true", help="only the wrk runs: no processing, no lag")
    parser.add_argument("--skip-pywa", action="store_true", help="no pywa baseline")
    parser.add_argument("--one-database", choices=DATABASES, help=argparse.SUPPRESS)
    parser.add_argument("--result-file", help=argparse.SUPPRESS)
    return parser.parse_args()


def _ints(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of numbers: {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"give numbers of at least 1: {text!r}")
    return values


def _choices(allowed):
    def parse(text: str) -> list[str]:
        values = [part.strip() for part in text.split(",") if part.strip()]
        wrong = [value for value in values if value not in allowed]
        if not values or wrong:
            raise argparse.ArgumentTypeError(f"choose among {','.join(allowed)}: {text!r}")
        return values

    return parse


def _progress(text: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


# --- Payloads ----------------------------------------------------------------------------------


def _wa_id(n: int) -> str:
    return f"1650555{n % CONTACTS:04d}"


def _user_id(n: int) -> str:
    """The contact's business-scoped user id (BSUID), which Meta's webhooks carry since 2026-04."""
    return f"US.{13491208655302740000 + n % CONTACTS}"


def _signed_bodies(count: int) -> list[tuple[str, str]]:
    """Three statuses per seeded message (wamid.bench.<i>) and one inbound text per message.

    Mixed as Meta sends them: each stretch of bodies holds statuses and inbound texts 3:1, and the
    sent, delivered and read statuses of one message come about 1,000 bodies apart, in that order.
    """
    from cloudapi.signature import sign

    status_tpl = json.loads((FIXTURES / "webhook_status_read.json").read_text())
    inbound_tpl = json.loads((FIXTURES / "webhook_message_text.json").read_text())
    for tpl in (status_tpl, inbound_tpl):
        tpl["entry"][0]["id"] = WABA_ID
        tpl["entry"][0]["changes"][0]["value"]["metadata"] = {"display_phone_number": DISPLAY_NUMBER, "phone_number_id": PHONE_NUMBER_ID}
    status_value = status_tpl["entry"][0]["changes"][0]["value"]
    inbound_value = inbound_tpl["entry"][0]["changes"][0]["value"]
    now = int(time.time())

    def status(i: int, step: int, name: str) -> str:
        status_value["contacts"] = [{"profile": {"name": f"Bench {i % CONTACTS}"}, "wa_id": _wa_id(i), "user_id": _user_id(i)}]
        status_value["statuses"][0].update(id=f"wamid.bench.{i}", status=name, timestamp=str(now + step),
                                           recipient_id=_wa_id(i), recipient_user_id=_user_id(i))
        return json.dumps(status_tpl, separators=(",", ":"))

    def inbound(i: int) -> str:
        inbound_value["contacts"] = [{"profile": {"name": f"Bench {i % CONTACTS}"}, "wa_id": _wa_id(i), "user_id": _user_id(i)}]
        inbound_value["messages"][0].update({"from": _wa_id(i), "id": f"wamid.bench.in.{i}", "timestamp": str(now)})
        return json.dumps(inbound_tpl, separators=(",", ":"))

    apart = 250  # messages between two statuses of one message: 4 bodies each
    bodies = []
    for i in range(count + 2 * apart):
        if i < count:
            bodies.append(status(i, 0, "sent"))
        if 0 <= i - apart < count:
            bodies.append(status(i - apart, 1, "delivered"))
        if 0 <= i - 2 * apart < count:
            bodies.append(status(i - 2 * apart, 2, "read"))
        if i < count:
            bodies.append(inbound(i))
    return [(sign(body.encode(), APP_SECRET), body) for body in bodies]


def _read_bodies() -> list[tuple[str, str]]:
    return [tuple(line.split("\t", 1)) for line in BODY_FILE.read_text().splitlines()]


# --- One database ------------------------------------------------------------------------------


def _run_one_database(args) -> int:
    """Steps 1–4 on ``args.one_database``, in this process (its settings are that database's)."""
    import django

    database = args.one_database
    for log in VAR.glob(f"bench-webhook-ingest-{database}-*.log"):
        log.unlink()
    if database == "postgresql":
        _recreate_postgresql()
    django.setup()
    import logging

    logging.getLogger("kombu.connection").setLevel(logging.ERROR)  # the filesystem broker has no host
    store = _Snapshots(database)
    if database == "sqlite":
        from bench.embedded_db import fresh_sqlite_database

        fresh_sqlite_database()
    _progress(f"{database}: seeding {args.messages} outbound messages")
    _seed(args.messages)
    store.take("seeded")
    bodies = _read_bodies()
    result: dict = {"database": database, "bodies": len(bodies)}
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        _reset_broker()
        web = _start_web(args, env)
        try:
            _progress(f"{database}: wrk, {args.duration} s each: bare view, our receiver, full middleware")
            result["bare"] = _wrk(PORT, "/bench/bare/", args)
            result["ours"] = _wrk(PORT, "/webhooks/whatsapp/", args)
            # Starts where the run before stopped: new events, not duplicates (unless it wraps round).
            # (10 % past it: wrk's threads do not post exactly as many requests each).
            offset = result["ours"]["requests"] * 11 // 10
            result["full_stack"] = _wrk(PORT, "/bench/full-stack-webhook/", args, offset=offset)
        finally:
            stop(web)
        result["stored"] = _count_events()
        if args.ingest_only:
            return _write_result(args, result)
        result["backlog"] = _keep_first_events(args.backlog)
        store.take("stored")
        result["processing"] = {}
        for workers in args.workers:
            store.restore("stored")
            _reset_broker()
            _progress(f"{database}: processing {result['backlog']} stored events with {workers} worker process(es)")
            result["processing"][str(workers)] = _processing_run(workers, result["backlog"], env, args.timeout)
        result["lag"] = {}
        sustained = bodies[: max(args.sustained_rates) * args.sustained_seconds]
        for rate in args.sustained_rates:
            store.restore("seeded")
            _reset_broker()
            _progress(f"{database}: {rate} events/s for {args.sustained_seconds} s, {args.lag_workers} worker process(es)")
            result["lag"][str(rate)] = _lag_run(args, rate, sustained[: rate * args.sustained_seconds], env)
    finally:
        store.drop()
    return _write_result(args, result)


def _write_result(args, result: dict) -> int:
    Path(args.result_file).write_text(json.dumps(result))
    return 0


def _recreate_postgresql() -> None:
    _psql(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)", f"CREATE DATABASE {PG_DB}")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, check=True, env={**os.environ})


def _psql(*statements: str) -> None:
    for sql in statements:
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", sql], check=True,
                       stdout=subprocess.DEVNULL, env={**os.environ, "PGOPTIONS": "-c client_min_messages=warning"})


class _Snapshots:
    """Copies of the benchmark's database, taken and put back while nothing is connected to it:
    PostgreSQL template databases, or copies of the SQLite file (and its WAL, if any)."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.names: list[str] = []

    def _sqlite_file(self) -> Path:
        from django.conf import settings

        return Path(settings.DATABASES["default"]["NAME"])

    def take(self, name: str) -> None:
        from django.db import connections

        connections.close_all()
        if self.database == "postgresql":
            _psql(f"DROP DATABASE IF EXISTS {PG_DB}_{name}", f"CREATE DATABASE {PG_DB}_{name} TEMPLATE {PG_DB}")
        else:
            db = self._sqlite_file()
            for suffix in ("", "-wal"):
                source, copy = Path(f"{db}{suffix}"), Path(f"{db}.{name}{suffix}")
                copy.unlink(missing_ok=True)
                if source.exists():
                    shutil.copyfile(source, copy)
        self.names.append(name)

    def restore(self, name: str) -> None:
        from django.db import connections

        connections.close_all()
        if self.database == "postgresql":
            _psql(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)", f"CREATE DATABASE {PG_DB} TEMPLATE {PG_DB}_{name}")
        else:
            db = self._sqlite_file()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            for suffix in ("", "-wal"):
                copy = Path(f"{db}.{name}{suffix}")
                if copy.exists():
                    shutil.copyfile(copy, Path(f"{db}{suffix}"))

    def drop(self) -> None:
        from django.db import connections

        connections.close_all()
        for name in self.names:
            if self.database == "postgresql":
                _psql(f"DROP DATABASE IF EXISTS {PG_DB}_{name}")
            else:
                for suffix in ("", "-wal"):
                    Path(f"{self._sqlite_file()}.{name}{suffix}").unlink(missing_ok=True)


def _seed(count: int) -> None:
    from accounts.models import BusinessAccount, PhoneNumber
    from messaging.models import Contact, Conversation, Message

    account = BusinessAccount.objects.create(name="Bench", waba_id=WABA_ID, access_token="t", app_secret=APP_SECRET, verify_token="v")
    phone = PhoneNumber.objects.create(account=account, phone_number_id=PHONE_NUMBER_ID, display_phone_number=DISPLAY_NUMBER)
    contacts = Contact.objects.bulk_create([Contact(account=account, wa_id=_wa_id(i), user_id=_user_id(i), name=f"Bench {i}") for i in range(CONTACTS)])
    conversations = Conversation.objects.bulk_create([Conversation(contact=c, phone_number=phone) for c in contacts])
    Message.objects.bulk_create(
        [Message(conversation=conversations[i % CONTACTS], wamid=f"wamid.bench.{i}", direction="out", type="text",
                 payload={"body": "hi"}, text="hi", status="accepted") for i in range(count)],
        batch_size=2000,
    )


def _keep_first_events(count: int) -> int:
    """Delete every stored event after the first ``count`` (by id); how many are left."""
    from messaging.models import WebhookEvent

    ids = WebhookEvent.objects.order_by("id").values_list("id", flat=True)
    last = ids[count - 1 : count].first()
    if last is not None:
        WebhookEvent.objects.filter(id__gt=last).delete()
    return WebhookEvent.objects.count()


def _count_events() -> int:
    from messaging.models import WebhookEvent

    return WebhookEvent.objects.count()


def _reset_broker() -> None:
    """Nothing queued: the wake-ups the receiver sent while no worker ran, a run's leftovers."""
    from django.conf import settings

    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        for sub in ("queue", "processed"):
            for path in (settings.BENCH_BROKER_DIR / sub).iterdir():
                path.unlink()
    else:
        import redis

        redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()


# --- Processes ---------------------------------------------------------------------------------


def _start_web(args, env, *, port: int = PORT, app: str = "bench.webhook_ingest.settings_wsgi:application",
               gunicorn: Path | None = None, cwd: Path = ROOT) -> subprocess.Popen:
    web = subprocess.Popen(
        [str(gunicorn or Path(sys.executable).parent / "gunicorn"), app, "--bind", f"127.0.0.1:{port}",
         "--workers", str(args.web_workers), "--threads", str(args.web_threads), "--log-level", "warning"],
        cwd=cwd, env=env, start_new_session=True, **_log_to(f"web-{port}"),
    )
    if wait_answering(f"http://127.0.0.1:{port}/", web):
        return web
    stop(web)
    sys.exit(f"gunicorn did not answer at port {port} (its output: var/bench-webhook-ingest-*-web-*.log)")


def _log_to(name: str) -> dict:
    """Popen arguments sending a process's output to var/bench-webhook-ingest-<database>-<name>.log
    (appended: the 503s SQLite answers when busy, a worker's errors), not between the figures."""
    log = open(VAR / f"bench-webhook-ingest-{os.environ.get('BENCH_DATABASE', 'pywa')}-{name}.log", "ab")  # noqa: SIM115
    return {"stdout": log, "stderr": subprocess.STDOUT}


def _start_worker(processes: int, env) -> subprocess.Popen:
    """A Celery worker, returned once it takes tasks (it answers a ping)."""
    from config.celery import app

    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency", str(processes),
         "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--hostname", f"bench-{os.getpid()}@%h"],
        cwd=ROOT, env=env, start_new_session=True, **_log_to("worker"),
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and worker.poll() is None:
        if app.control.ping(timeout=0.5):
            return worker
    stop(worker)
    sys.exit("the Celery worker did not start (its output: var/bench-webhook-ingest-*-worker.log)")


# --- Measurements ------------------------------------------------------------------------------


def _wrk(port: int, path: str, args, *, offset: int = 0) -> dict:
    env = {**os.environ, "BENCH_BODIES": str(BODY_FILE), "BENCH_PATH": path, "BENCH_THREADS": str(args.threads),
           "BENCH_OFFSET": str(offset)}
    out = subprocess.run(
        ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--latency", "-s",
         str(HERE / "wrk.lua"), f"http://127.0.0.1:{port}{path}"],
        env=env, capture_output=True, text=True, check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = {p: _ms(re.search(rf"\s{p}%\s+([\d.]+\w+)", out).group(1)) for p in ("50", "99")}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    failed = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {"rps": rps, "p50": latency["50"], "p99": latency["99"],
            "requests": int(re.search(r"(\d+) requests in", out).group(1)),
            "non2xx": (int(errors.group(1)) if errors else 0) + (sum(map(int, failed.groups())) if failed else 0)}


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def _processing_run(workers: int, backlog: int, env, timeout: int) -> dict:
    """The restored backlog applied by ``workers`` processes: one drain task each, as the receiver's
    wake-ups would have queued them; the drain takes events with SKIP LOCKED, so they share it."""
    from django.db import connections
    from django.utils import timezone

    from messaging.tasks import drain_webhook_events_task

    worker = _start_worker(workers, env)
    try:
        sent_at = timezone.now()
        for _ in range(workers):
            drain_webhook_events_task.delay()
        finished = _wait_processed(timeout)
    finally:
        stop(worker)
    outcome = _outcome(since=None)
    connections.close_all()
    last = outcome.pop("last_processed_at")
    seconds = (last - sent_at).total_seconds() if last else float("nan")
    applied = outcome["states"].get("processed", 0)
    return {"events": backlog, "seconds": seconds, "rate": applied / seconds if seconds > 0 else 0.0,
            "finished": finished, **outcome}


def _wait_processed(timeout: float) -> bool:
    """Until no event is pending (True), or ``timeout`` seconds (False)."""
    from messaging.models import WebhookEvent

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not WebhookEvent.objects.filter(state="pending").exists():
            return True
        time.sleep(0.2)
    return False


def _outcome(*, since) -> dict:
    """What the events became (states) and what processing created (inbound messages, read statuses)."""
    from django.db.models import Count, Max

    from messaging.models import Message, WebhookEvent

    events = WebhookEvent.objects.all() if since is None else WebhookEvent.objects.filter(received_at__gte=since)
    states = dict(events.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    return {"states": states, "last_processed_at": events.aggregate(last=Max("processed_at"))["last"],
            "inbound_messages": Message.objects.filter(direction="in").count(),
            "read_statuses": Message.objects.filter(direction="out", status="read").count()}


def _lag_run(args, rate: int, bodies: list[tuple[str, str]], env) -> dict:
    from django.db import connections
    from django.utils import timezone

    web = _start_web(args, env)
    worker = None
    try:
        worker = _start_worker(args.lag_workers, env)
        started = timezone.now()
        connections.close_all()  # the senders are forked
        sending = _send_at_rate(bodies, rate)
        finished = _wait_processed(args.timeout)
    finally:
        stop(worker)
        stop(web)
    from messaging.models import WebhookEvent

    lags = sorted(
        (e.processed_at - e.received_at).total_seconds() * 1000
        for e in WebhookEvent.objects.filter(received_at__gte=started, processed_at__isnull=False).only("received_at", "processed_at")
    )
    outcome = _outcome(since=started)
    outcome.pop("last_processed_at")
    connections.close_all()
    return {**sending, "finished": finished, "lag_p50": _percentile(lags, 50), "lag_p99": _percentile(lags, 99),
            "lag_max": lags[-1] if lags else float("nan"), **outcome}


def _percentile(values: list[float], p: int) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(len(values) * p / 100))] if p != 50 else statistics.median(values)


SENDER_THREADS = 32  # per process: Meta posts on many connections at once, not one after the other
PER_SENDER_PROCESS = 300  # events/s one sending process keeps on schedule on a loaded machine


def _send_at_rate(bodies: list[tuple[str, str]], rate: int) -> dict:
    """Post ``bodies`` at ``rate`` per second on schedule (body k at t0 + k / rate), from enough
    processes (threads each) that the sender, not Python, sets the pace; HTTP latency p50/p99."""
    processes = max(1, math.ceil(rate / PER_SENDER_PROCESS))
    t0 = time.time() + 1.0  # every process starts by then
    context = multiprocessing.get_context("fork")
    with context.Pool(processes) as pool:
        shares = pool.starmap(_send_share, [(bodies, rate, t0, p, processes) for p in range(processes)])
    latencies = sorted(ms for share in shares for ms in share["latencies"])
    failures = sum(share["failures"] for share in shares)
    end = max(share["end"] for share in shares)
    return {"sent": len(bodies), "achieved_rate": len(bodies) / max(end - t0, 1e-9), "failures": failures,
            "http_p50": _percentile(latencies, 50), "http_p99": _percentile(latencies, 99)}


def _send_share(bodies, rate, t0, process, processes) -> dict:
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()
    mine = list(range(process, len(bodies), processes))

    def sender(indexes) -> None:
        nonlocal failures
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        for k in indexes:
            time.sleep(max(0.0, t0 + k / rate - time.time()))
            sig, body = bodies[k]
            begin = time.monotonic()
            try:
                connection.request("POST", "/webhooks/whatsapp/", body=body.encode(),
                                   headers={"Content-Type": "application/json", "X-Hub-Signature-256": sig})
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
                ok = False
            with lock:
                latencies.append((time.monotonic() - begin) * 1000)
                failures += not ok
        connection.close()

    threads = [threading.Thread(target=sender, args=(mine[i::SENDER_THREADS],)) for i in range(SENDER_THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"latencies": latencies, "failures": failures, "end": time.time()}


# --- pywa --------------------------------------------------------------------------------------


def _run_pywa(args) -> dict | None:
    """pywa 4.5's Flask receiver in its own venv, the same gunicorn, wrk with the same bodies."""
    try:
        gunicorn = _pywa_venv()
    except subprocess.CalledProcessError as exc:
        _progress(f"pywa: could not install its venv ({exc}, see var/bench-pywa-install.log); no baseline")
        return None
    env = {**os.environ, "BENCH_APP_SECRET": APP_SECRET, "BENCH_PHONE_NUMBER_ID": PHONE_NUMBER_ID}
    env.pop("PYTHONPATH", None)
    (VAR / "bench-webhook-ingest-pywa-web-8766.log").unlink(missing_ok=True)
    web = _start_web(args, env, port=PYWA_PORT, app="pywa_app:app", gunicorn=gunicorn, cwd=HERE)
    try:
        _progress(f"pywa: wrk, {args.duration} s")
        result = _wrk(PYWA_PORT, "/webhooks/whatsapp/", args)
    finally:
        stop(web)
    version = subprocess.run([str(PYWA_VENV / "bin" / "python"), "-c", "import pywa; print(pywa.__version__)"],
                             capture_output=True, text=True).stdout.strip()
    return {**result, "version": version}


def _pywa_venv() -> Path:
    """var/bench-pywa-venv with requirements.txt installed (again when that file changes)."""
    requirements = HERE / "requirements.txt"
    marker = PYWA_VENV / ".installed"
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
    if not marker.exists() or marker.read_text() != digest:
        _progress(f"pywa: installing {requirements.relative_to(ROOT)} into {PYWA_VENV.relative_to(ROOT)}")
        if not (PYWA_VENV / "bin" / "python").exists():
            subprocess.run([sys.executable, "-m", "venv", str(PYWA_VENV)], check=True)
        with open(VAR / "bench-pywa-install.log", "wb") as log:
            subprocess.run([str(PYWA_VENV / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check",
                            "-r", str(requirements)], check=True, stdout=log, stderr=subprocess.STDOUT)
        marker.write_text(digest)
    return PYWA_VENV / "bin" / "gunicorn"


# --- Report ------------------------------------------------------------------------------------


def _report(args, results: dict, pywa: dict | None, *, elapsed: float) -> str:
    databases = list(results)
    width = 34
    lines = [
        "",
        f"Webhook ingest — gunicorn {args.web_workers} workers × {args.web_threads} threads; "
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s; everything on this machine "
        f"({os.cpu_count()} cores); run took {elapsed / 60:.1f} min",
        "",
        f"  {'':36}" + "".join(f"{LABELS[d]:>{width}}" for d in databases),
    ]

    def row(label: str, cell) -> None:
        values = []
        for database in databases:
            try:
                values.append(cell(results[database]) if results[database] else "failed")
            except (KeyError, TypeError, ZeroDivisionError):
                values.append("—")
        lines.append(f"  {label:36}" + "".join(f"{v:>{width}}" for v in values))

    def wrk_cell(key):
        return lambda r: f"{r[key]['rps']:.0f} req/s · p99 {r[key]['p99']:.0f} ms · {r[key]['non2xx']} bad"

    lines.append("Receiving (wrk: req/s · latency p99 · non-2xx or socket errors)")
    row("bare Django view (baseline)", wrk_cell("bare"))
    row("/webhooks/whatsapp/ (ours)", wrk_cell("ours"))
    row("same view, full middleware", wrk_cell("full_stack"))
    row("ours / bare (aim ≥ 80 %)", lambda r: f"{r['ours']['rps'] / r['bare']['rps']:.0%}")
    row("full middleware / bare", lambda r: f"{r['full_stack']['rps'] / r['bare']['rps']:.0%}")
    row("events stored / requests", lambda r: f"{r['stored']} / {r['ours']['requests'] + r['full_stack']['requests']}")
    if pywa:
        lines.append(f"  {'pywa ' + pywa['version'] + ' Flask receiver':36}{wrk_cell('p')({'p': pywa}):>{width}}"
                     "   (no database: the same on both)")
        row("ours / pywa", lambda r: _versus(r["ours"]["rps"], pywa["rps"]))
    elif not args.skip_pywa:
        lines.append("  pywa baseline: could not run (see above)")
    if not args.ingest_only:
        lines.append("")
        lines.append(f"Processing (the same stored backlog each time, first {args.backlog} events wrk stored; events/s applied)")
        for workers in args.workers:
            row(f"{workers} worker process{'es' if workers > 1 else ''}", lambda r, w=str(workers): _processing_cell(r["processing"][w]))
        row("  inbound messages created", lambda r: " / ".join(
            str(r["processing"][str(w)]["inbound_messages"]) for w in args.workers))
        row("  events left failed or pending", lambda r: " / ".join(
            str(sum(n for s, n in r["processing"][str(w)]["states"].items() if s != "processed")) for w in args.workers))
        lines.append("")
        lines.append(f"Lag received → processed ({args.lag_workers} worker processes; {args.sustained_seconds} s at each rate, "
                     "sent on schedule; aim p99 < 2 s at 330/s, < 5 s at 1,000/s)")
        for rate in args.sustained_rates:
            row(f"{rate} events/s: lag p50 / p99", lambda r, k=str(rate): _lag_cell(r["lag"][k]))
            row("  achieved rate · HTTP p99 · failed", lambda r, k=str(rate): (
                f"{r['lag'][k]['achieved_rate']:.0f}/s · {r['lag'][k]['http_p99']:.0f} ms · {r['lag'][k]['failures']}"))
        lines.append("")
        lines.append("Meta's sizing (3 statuses per outbound message + inbound): 80 msg/s → 330 events/s; 1,000 msg/s → 3,300 events/s")
        row("receiver: × 330/s · × 3,300/s", lambda r: f"{r['ours']['rps'] / 330:.1f} × · {r['ours']['rps'] / 3300:.2f} ×")
        best = max(args.workers)
        row(f"processing ({best} proc.): × 330 · × 3,300", lambda r: (
            f"{r['processing'][str(best)]['rate'] / 330:.1f} × · {r['processing'][str(best)]['rate'] / 3300:.2f} ×"))
    return "\n".join(lines) + "\n"


def _versus(ours: float, theirs: float) -> str:
    ratio = ours / theirs
    return f"{ratio:.0%}: {'ahead' if ratio > 1 else 'behind'} by {abs(ratio - 1):.0%}"


def _processing_cell(run: dict) -> str:
    text = f"{run['rate']:.0f}/s ({run['states'].get('processed', 0)} in {run['seconds']:.1f} s)"
    return text if run["finished"] else text + " TIMED OUT"


def _lag_cell(run: dict) -> str:
    text = f"{run['lag_p50']:.0f} ms / {run['lag_p99']:.0f} ms"
    return text if run["finished"] else text + " TIMED OUT"


if __name__ == "__main__":
    sys.exit(main())
