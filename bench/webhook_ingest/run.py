"""Webhook ingest benchmark: how fast we take Meta's webhooks in, and how fast Celery applies them.

    .venv/bin/python bench/webhook_ingest/run.py [--duration 15] [--connections 16]

Needs PostgreSQL and Redis on 127.0.0.1 and `wrk` (apt-get install wrk). It recreates the database
`switchboard_bench`, seeds outbound messages, pre-signs distinct real-shaped payloads (status
webhooks for those messages and inbound texts), then on one gunicorn (3 sync workers):

1. wrk → a bare Django view that only parses the body and answers 200 (the baseline, same server,
   through the whole middleware stack);
2. wrk → /webhooks/whatsapp/ (signature check, durable store, enqueue), which skips the middleware
   stack (config/webhook_fast_path.py), and the same receiver view under /bench/full-stack-webhook/,
   which does not (what the fast path saves, measured in the same run, on other events);
3. a Celery worker drains what 2 stored: processing rate (events/s, stored → applied);
4. a fixed-rate sender at Meta's sizing for an 80 msg/s number (330 events/s) with the worker
   running: lag from received to processed (p50/p99).

Everything runs on this machine, load included: figures are for comparison within one run.
``--ingest-only`` stops after the wrk runs (1 and 2).
"""

from __future__ import annotations

import argparse
import json
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
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.webhook_ingest.settings"

PORT = 8765
APP_SECRET = "bench-app-secret"
PHONE_NUMBER_ID = "106540352242922"
FIXTURES = ROOT / "tests" / "fixtures" / "cloudapi"


def main() -> int:
    args = _parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install -y wrk")
    _recreate_database()
    import django

    django.setup()
    from django.conf import settings

    messages = _seed(args.messages)
    bodies = _signed_bodies(messages)
    wrk_bodies, sustained_bodies = bodies[: -args.sustained_rate * args.sustained_seconds], bodies[-args.sustained_rate * args.sustained_seconds :]
    body_file = Path(settings.VAR_DIR) / "bench-bodies.tsv"
    body_file.write_text("".join(f"{sig}\t{body}\n" for sig, body in wrk_bodies))
    _flush_redis(settings.CELERY_BROKER_URL)

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    web = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "bench.webhook_ingest.settings_wsgi:application",
         "--bind", f"127.0.0.1:{PORT}", "--workers", str(args.web_workers), "--threads", str(args.web_threads),
         "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    worker = None
    try:
        _wait_http(f"http://127.0.0.1:{PORT}/login/")
        bare = _wrk("/bench/bare/", body_file, args)
        ours = _wrk("/webhooks/whatsapp/", body_file, args)
        # Starts half-way through the bodies: new events, so it stores as much as the run before.
        full_stack = _wrk("/bench/full-stack-webhook/", body_file, args, offset=len(wrk_bodies) // 2)
        stored = _count_events()
        if args.ingest_only:
            _report_ingest(args, bare, ours, full_stack)
            return 0
        worker = _start_worker(env)
        drain_seconds = _wait_processed(stored, timeout=600)
        sustained = _sustained(sustained_bodies, args.sustained_rate, env)
        lag = _lag_percentiles(since=sustained["started"])
        _report(args, bare, ours, full_stack, stored, drain_seconds, sustained, lag)
    finally:
        for process in (worker, web):
            if process is not None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
    return 0


def _parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--web-workers", type=int, default=3)
    # Storing an event waits on PostgreSQL's durable commit (an fsync): threads let one worker
    # keep several of them in flight, and PostgreSQL groups their commits.
    parser.add_argument("--web-threads", type=int, default=8, help="gunicorn threads per worker (1 = sync)")
    parser.add_argument("--messages", type=int, default=12_000, help="seeded outbound messages")
    parser.add_argument("--sustained-rate", type=int, default=330, help="events/s for the lag test")
    parser.add_argument("--sustained-seconds", type=int, default=20)
    parser.add_argument("--ingest-only", action="store_true", help="only the wrk runs: no Celery, no lag test")
    return parser.parse_args()


def _recreate_database() -> None:
    for sql in ("DROP DATABASE IF EXISTS switchboard_bench", "CREATE DATABASE switchboard_bench"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, check=True, env={**os.environ})


def _seed(count: int) -> list[str]:
    from accounts.models import BusinessAccount, PhoneNumber
    from messaging.models import Contact, Conversation, Message

    account = BusinessAccount.objects.create(name="Bench", waba_id="102290129340398", access_token="t", app_secret=APP_SECRET, verify_token="v")
    phone = PhoneNumber.objects.create(account=account, phone_number_id=PHONE_NUMBER_ID, display_phone_number="15550783881")
    contacts = Contact.objects.bulk_create([Contact(account=account, wa_id=f"1650555{i:04d}") for i in range(1000)])
    conversations = Conversation.objects.bulk_create([Conversation(contact=c, phone_number=phone) for c in contacts])
    wamids = [f"wamid.bench.{i}" for i in range(count)]
    Message.objects.bulk_create(
        [Message(conversation=conversations[i % len(conversations)], wamid=w, direction="out", type="text", payload={"body": "hi"}, text="hi", status="accepted") for i, w in enumerate(wamids)],
        batch_size=2000,
    )
    return wamids


def _signed_bodies(wamids: list[str]) -> list[tuple[str, str]]:
    """Three statuses per seeded message and one inbound text per message, interleaved."""
    from cloudapi.signature import sign

    status_tpl = json.loads((FIXTURES / "webhook_status_read.json").read_text())
    inbound_tpl = json.loads((FIXTURES / "webhook_message_text.json").read_text())
    now = int(time.time())
    bodies = []
    for n, wamid in enumerate(wamids):
        for step, status in enumerate(("sent", "delivered", "read")):
            value = status_tpl["entry"][0]["changes"][0]["value"]
            value["metadata"]["phone_number_id"] = PHONE_NUMBER_ID
            value["statuses"][0].update(id=wamid, status=status, timestamp=str(now + step))
            bodies.append(json.dumps(status_tpl, separators=(",", ":")))
        message = inbound_tpl["entry"][0]["changes"][0]["value"]["messages"][0]
        message.update(id=f"wamid.bench.in.{n}", timestamp=str(now))
        bodies.append(json.dumps(inbound_tpl, separators=(",", ":")))
    # Statuses of one message are spread apart, as Meta's are.
    bodies = bodies[0::4] + bodies[1::4] + bodies[2::4] + bodies[3::4]
    return [(sign(body.encode(), APP_SECRET), body) for body in bodies]


def _flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def _wait_http(url: str, timeout: float = 30) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.3)
    sys.exit(f"gunicorn did not answer at {url}")


def _wrk(path: str, body_file: Path, args, *, offset: int = 0) -> dict:
    env = {**os.environ, "BENCH_BODIES": str(body_file), "BENCH_PATH": path, "BENCH_THREADS": str(args.threads),
           "BENCH_OFFSET": str(offset)}
    out = subprocess.run(
        ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--latency", "-s", str(HERE / "wrk.lua"), f"http://127.0.0.1:{PORT}{path}"],
        env=env, capture_output=True, text=True, check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = {p: _ms(re.search(rf"\s{p}%\s+([\d.]+\w+)", out).group(1)) for p in ("50", "99")}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": latency["50"], "p99": latency["99"], "non2xx": int(errors.group(1)) if errors else 0}


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _count_events() -> int:
    from messaging.models import WebhookEvent

    return WebhookEvent.objects.count()


def _start_worker(env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency", "2", "--loglevel", "WARNING"],
        cwd=ROOT, env=env,
    )


def _wait_processed(total: int, *, timeout: float) -> float:
    from messaging.models import WebhookEvent

    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if not WebhookEvent.objects.filter(state="pending").exists() and WebhookEvent.objects.count() >= total:
            return time.monotonic() - started
        time.sleep(0.2)
    raise SystemExit(f"processing did not finish within {timeout}s")


def _sustained(bodies: list[tuple[str, str]], rate: int, env) -> dict:
    """Post ``rate`` events per second, on schedule, from 8 threads; the worker runs meanwhile."""
    import requests

    from django.utils import timezone

    started = timezone.now()
    url = f"http://127.0.0.1:{PORT}/webhooks/whatsapp/"
    t0 = time.monotonic()
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()

    def sender(offset: int, step: int) -> None:
        nonlocal failures
        session = requests.Session()
        for k in range(offset, len(bodies), step):
            due = t0 + k / rate
            time.sleep(max(0.0, due - time.monotonic()))
            sig, body = bodies[k]
            begin = time.monotonic()
            response = session.post(url, data=body.encode(), headers={"Content-Type": "application/json", "X-Hub-Signature-256": sig})
            with lock:
                latencies.append((time.monotonic() - begin) * 1000)
                failures += response.status_code != 200

    threads = [threading.Thread(target=sender, args=(i, 8)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    from messaging.models import WebhookEvent

    _wait_processed(WebhookEvent.objects.count(), timeout=300)
    latencies.sort()
    return {"started": started, "sent": len(bodies), "achieved_rate": len(bodies) / elapsed, "failures": failures,
            "p50": latencies[len(latencies) // 2], "p99": latencies[int(len(latencies) * 0.99)]}


def _lag_percentiles(*, since) -> dict:
    from messaging.models import WebhookEvent

    lags = sorted(
        (e.processed_at - e.received_at).total_seconds() * 1000
        for e in WebhookEvent.objects.filter(received_at__gte=since).only("received_at", "processed_at")
    )
    states = dict.fromkeys(("processed",), 0)
    for state in WebhookEvent.objects.filter(received_at__gte=since).values_list("state", flat=True):
        states[state] = states.get(state, 0) + 1
    return {"p50": statistics.median(lags), "p99": lags[int(len(lags) * 0.99)], "states": states}


def _ingest_table(args, bare, ours, full_stack) -> str:
    return f"""
Webhook ingest — gunicorn {args.web_workers} workers × {args.web_threads} threads, PostgreSQL, Redis; wrk -t{args.threads} -c{args.connections} -d{args.duration}s, all on this machine ({os.cpu_count()} cores)

                                   req/s      p50 ms    p99 ms   non-2xx
  bare Django view (baseline)  {bare['rps']:9.0f}  {bare['p50']:9.2f} {bare['p99']:9.2f}  {bare['non2xx']:7d}
  /webhooks/whatsapp/          {ours['rps']:9.0f}  {ours['p50']:9.2f} {ours['p99']:9.2f}  {ours['non2xx']:7d}
  same view, full middleware   {full_stack['rps']:9.0f}  {full_stack['p50']:9.2f} {full_stack['p99']:9.2f}  {full_stack['non2xx']:7d}
  ratio ours / bare            {ours['rps'] / bare['rps']:9.0%}   (aim: ≥ 80 %)
  ratio full middleware / bare {full_stack['rps'] / bare['rps']:9.0%}"""


def _report_ingest(args, bare, ours, full_stack) -> None:
    print(_ingest_table(args, bare, ours, full_stack))


def _report(args, bare, ours, full_stack, stored, drain_seconds, sustained, lag) -> None:
    processing = stored / drain_seconds
    print(f"""{_ingest_table(args, bare, ours, full_stack)}

  Celery processing (2 worker processes): {stored} stored events applied in {drain_seconds:.1f} s = {processing:.0f} events/s
  Sustained {args.sustained_rate} events/s for {args.sustained_seconds} s with the worker running:
      achieved {sustained['achieved_rate']:.0f}/s, HTTP p50 {sustained['p50']:.1f} ms / p99 {sustained['p99']:.1f} ms, failures {sustained['failures']}
      lag received → processed: p50 {lag['p50']:.0f} ms, p99 {lag['p99']:.0f} ms; states {lag['states']}

  Meta's sizing (3 × outbound + inbound): 80 msg/s number → 330 events/s; 1,000 msg/s → 3,300 events/s
      ingest:     {ours['rps'] / 330:5.1f} × the 330/s need,  {ours['rps'] / 3300:5.2f} × the 3,300/s need
      processing: {processing / 330:5.1f} × the 330/s need,  {processing / 3300:5.2f} × the 3,300/s need
""")


if __name__ == "__main__":
    sys.exit(main())
