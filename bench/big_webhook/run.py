"""Big webhook on the embedded SQLite default: does draining one lock out the next webhook?

    .venv/bin/python bench/big_webhook/run.py [--messages 9000] [--probes 1]

Recreates var/bench-big-webhook.sqlite3, stores one valid body of --messages inbound texts (the
shape of tests/fixtures/cloudapi/webhook_message_text.json, about 2.8 MB at 9,000), then drains
it in one thread while a second thread posts a small webhook to the receiver once a second.
A probe connection takes the write lock (BEGIN IMMEDIATE) every 50 ms and records how long it
waited: the longest wait is the longest write transaction the drain held. Prints that, the
drain's time, and the status codes the small webhooks got (200 = stored; 503 = busy, Meta
retries; 500 = the old "database is locked"). Runs against any checkout, before or after.
"""

import argparse
import copy
import json
import os
import sqlite3
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.big_webhook.settings"

APP_SECRET = "bench-app-secret"
FIXTURE = ROOT / "tests" / "fixtures" / "cloudapi" / "webhook_message_text.json"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=9000)
    args = parser.parse_args()
    import django

    django.setup()

    from bench.embedded_db import fresh_sqlite_database

    fresh_sqlite_database()
    from django.conf import settings

    db_file = Path(settings.DATABASES["default"]["NAME"])

    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from accounts.models import BusinessAccount, PhoneNumber
    from cloudapi.signature import sign
    from messaging.models import Message, WebhookEvent
    from messaging.webhook_events import drain_webhook_events

    template = json.loads(FIXTURE.read_text())
    account = BusinessAccount.objects.create(name="Bench", waba_id=template["entry"][0]["id"], access_token="t", app_secret=APP_SECRET, verify_token="v")
    PhoneNumber.objects.create(account=account, phone_number_id=template["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"], display_phone_number="15550783881")
    big = _big_body(template, args.messages).encode()
    client = Client()
    url = reverse("messaging:webhook")
    stored = client.post(url, data=big, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=sign(big, APP_SECRET))
    print(f"big webhook: {len(big) / 1e6:.1f} MB, {args.messages} messages, stored with HTTP {stored.status_code}")
    connection.close()

    done = threading.Event()
    waits: list[float] = []
    codes: Counter = Counter()

    def drain() -> None:
        try:
            while drain_webhook_events(limit=500):
                pass
        finally:
            connection.close()
            done.set()

    def probe() -> None:
        raw = sqlite3.connect(db_file, timeout=120, isolation_level=None)
        while not done.is_set():
            begin = time.monotonic()
            raw.execute("BEGIN IMMEDIATE")
            waits.append(time.monotonic() - begin)
            raw.execute("ROLLBACK")
            time.sleep(0.05)
        raw.close()

    def poster() -> None:
        small_client = Client(raise_request_exception=False)
        n = 0
        while not done.is_set():
            time.sleep(1)
            body = _small_body(template, n).encode()
            n += 1
            response = small_client.post(url, data=body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=sign(body, APP_SECRET))
            codes[response.status_code] += 1
        connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=f) for f in (drain, probe, poster)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    event = WebhookEvent.objects.order_by("id").first()
    print(f"drain: {elapsed:.1f} s; big event {event.state}, {Message.objects.filter(wamid__startswith='wamid.big.').count()} of {args.messages} messages applied")
    print(f"longest write transaction of the drain (the probe's longest wait for the lock): {max(waits, default=0):.2f} s over {len(waits)} probes")
    print(f"small webhooks posted meanwhile, by HTTP status: {dict(sorted(codes.items()))}"
          f" -> second webhook {'got 200 every time' if set(codes) == {200} else 'was NOT always answered 200'}")
    return 0


def _big_body(template: dict, count: int) -> str:
    payload = copy.deepcopy(template)
    value = payload["entry"][0]["changes"][0]["value"]
    message = value["messages"][0]
    senders = [f"1650555{n:04d}" for n in range(200)]
    value["contacts"] = [{"profile": {"name": f"Customer {n}"}, "wa_id": s} for n, s in enumerate(senders)]
    value["messages"] = [
        {**copy.deepcopy(message), "id": f"wamid.big.{n}", "from": senders[n % 200], "timestamp": str(1749416383 + n),
         "text": {"body": f"Message number {n}: " + "lorem ipsum dolor sit amet " * 5}}
        for n in range(count)
    ]
    return json.dumps(payload)


def _small_body(template: dict, n: int) -> str:
    payload = copy.deepcopy(template)
    payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"] = f"wamid.small.{n}"
    return json.dumps(payload)


if __name__ == "__main__":
    sys.exit(main())
