"""Processing only: how many stored webhook events per second the drain applies.

    .venv/bin/python bench/webhook_drain/run.py [--db sqlite|postgresql] [--messages 3000] [--workers 1]
        [--profile out.prof]

Recreates the database (var/bench-webhook-drain.sqlite3, or switchboard_bench_drain on the
PostgreSQL at 127.0.0.1:5432, user postgres), seeds --messages outbound messages to 1,000
contacts, stores the events the ingest benchmark sends — three statuses (sent, delivered, read)
per message and one inbound text per message from one of 1,000 customers, spread apart as Meta's
are — straight into the inbox (no HTTP), then times ``drain_webhook_events`` in --workers
processes until nothing is pending. Prints events/s and checks that every event was processed.
``--profile`` writes a cProfile of a one-process drain.
"""

import argparse
import cProfile
import json
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.webhook_drain.settings"

APP_SECRET = "bench-app-secret"
PHONE_NUMBER_ID = "106540352242922"
FIXTURES = ROOT / "tests" / "fixtures" / "cloudapi"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--profile", help="write a cProfile of the drain here (one process)")
    args = parser.parse_args()
    os.environ["BENCH_DB"] = args.db
    import django

    django.setup()
    _fresh_database(args.db)
    wamids = _seed(args.messages)
    total = _store(_bodies(wamids))
    from django.db import connections

    connections.close_all()  # the workers open their own
    began = time.monotonic()
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(_drain)
        profiler.dump_stats(args.profile)
    else:
        with multiprocessing.get_context("fork").Pool(args.workers) as pool:
            pool.map(_drain_in_worker, range(args.workers))
    seconds = time.monotonic() - began
    from messaging.models import Message, WebhookEvent

    states = dict(WebhookEvent.objects.values_list("state").annotate(n=django.db.models.Count("id")))
    read = Message.objects.filter(direction="out", status="read").count()
    print(f"{args.db}, {args.workers} worker process(es): {total} events in {seconds:.1f} s = "
          f"{total / seconds:,.0f} events/s; states {states}; outbound read {read}/{len(wamids)}")
    return 0 if states == {"processed": total} and read == len(wamids) else 1


def _fresh_database(db: str) -> None:
    if db == "postgresql":
        for sql in ("DROP DATABASE IF EXISTS switchboard_bench_drain", "CREATE DATABASE switchboard_bench_drain"):
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True,
                           stdout=subprocess.DEVNULL)
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, check=True, env={**os.environ})
    else:
        from bench.embedded_db import fresh_sqlite_database

        fresh_sqlite_database()


def _seed(count: int) -> list[str]:
    from accounts.models import BusinessAccount, PhoneNumber
    from messaging.models import Contact, Conversation, Message

    account = BusinessAccount.objects.create(name="Bench", waba_id="102290129340398", access_token="t",
                                             app_secret=APP_SECRET, verify_token="v")
    phone = PhoneNumber.objects.create(account=account, phone_number_id=PHONE_NUMBER_ID,
                                       display_phone_number="15550783881")
    contacts = Contact.objects.bulk_create([Contact(account=account, wa_id=f"1650555{i:04d}") for i in range(1000)])
    conversations = Conversation.objects.bulk_create([Conversation(contact=c, phone_number=phone) for c in contacts])
    wamids = [f"wamid.bench.{i}" for i in range(count)]
    Message.objects.bulk_create(
        [Message(conversation=conversations[i % len(conversations)], wamid=w, direction="out", type="text",
                 payload={"body": "hi"}, text="hi", status="accepted") for i, w in enumerate(wamids)],
        batch_size=2000,
    )
    return wamids


def _bodies(wamids: list[str]) -> list[bytes]:
    status_tpl = json.loads((FIXTURES / "webhook_status_read.json").read_text())
    inbound_tpl = json.loads((FIXTURES / "webhook_message_text.json").read_text())
    now = int(time.time())
    bodies = []
    for n, wamid in enumerate(wamids):
        wa_id = f"1650555{n % 1000:04d}"
        for step, status in enumerate(("sent", "delivered", "read")):
            value = status_tpl["entry"][0]["changes"][0]["value"]
            value["metadata"]["phone_number_id"] = PHONE_NUMBER_ID
            value["contacts"][0]["wa_id"] = wa_id
            value["statuses"][0].update(id=wamid, status=status, timestamp=str(now + step), recipient_id=wa_id)
            bodies.append(json.dumps(status_tpl, separators=(",", ":")))
        value = inbound_tpl["entry"][0]["changes"][0]["value"]
        value["contacts"][0]["wa_id"] = wa_id
        value["messages"][0].update(id=f"wamid.bench.in.{n}", timestamp=str(now), **{"from": wa_id})
        bodies.append(json.dumps(inbound_tpl, separators=(",", ":")))
    bodies = bodies[0::4] + bodies[1::4] + bodies[2::4] + bodies[3::4]  # statuses of one message spread apart
    return [body.encode() for body in bodies]


def _store(bodies: list[bytes]) -> int:
    from accounts.models import BusinessAccount
    from messaging.models import WebhookEvent
    from messaging.services.webhook_inbox import _event_row

    account_id = BusinessAccount.objects.get().pk
    WebhookEvent.objects.bulk_create([_event_row(body=b, account_id=account_id) for b in bodies], batch_size=500)
    return len(bodies)


def _drain() -> None:
    from messaging.models import WebhookEvent
    from messaging.webhook_events import drain_webhook_events

    while drain_webhook_events(limit=500) or WebhookEvent.objects.filter(state="pending").exists():
        pass


def _drain_in_worker(_n: int) -> None:
    _drain()
    from django.db import connections

    connections.close_all()


if __name__ == "__main__":
    sys.exit(main())
