"""Signature check cost with many connected accounts: good vs bad vs missing signatures.

    .venv/bin/python bench/webhook_signatures/run.py [--accounts 500] [--seconds 3]

Recreates var/bench-webhook-signatures.sqlite3 with --accounts accounts (encrypted app secrets),
then posts to the receiver in-process (Django's test client, one thread) for --seconds each:
no signature, a wrong one, a good one (distinct bodies, stored), and good ones interleaved with
a flood of wrong ones. Prints req/s of each. Runs against any checkout, before or after.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.webhook_signatures.settings"
FIXTURE = ROOT / "tests" / "fixtures" / "cloudapi" / "webhook_message_text.json"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    import django

    django.setup()

    from bench.embedded_db import fresh_sqlite_database

    fresh_sqlite_database()

    from django.test import Client
    from django.urls import reverse

    from accounts.models import BusinessAccount
    from cloudapi.signature import sign

    for n in range(args.accounts):  # save(), not bulk_create: secrets are encrypted on save
        BusinessAccount.objects.create(name=f"App {n}", waba_id=f"9{n:05d}", access_token="t", app_secret=f"secret-{n}", verify_token="v")
    good_secret = f"secret-{args.accounts - 1}"  # the last one checked
    template = FIXTURE.read_text()
    client, url = Client(), reverse("messaging:webhook")
    counter = iter(range(10**9))

    def post(kind: str) -> int:
        body = template.replace("wamid.HBgL", f"wamid.{next(counter)}.").encode()
        headers = {}
        if kind != "none":
            headers["HTTP_X_HUB_SIGNATURE_256"] = sign(body, good_secret if kind == "good" else "wrong-secret")
        return client.post(url, data=body, content_type="application/json", **headers).status_code

    def rate(kinds: list[str], measured: str) -> float:
        count, deadline, started = 0, time.monotonic() + args.seconds, time.monotonic()
        while time.monotonic() < deadline:
            for kind in kinds:
                status = post(kind)
                assert status == (200 if kind == "good" else 403), (kind, status)
                count += kind == measured
        return count / (time.monotonic() - started)

    print(f"{args.accounts} accounts, in-process test client, embedded SQLite; req/s")
    print(f"  no signature          {rate(['none'], 'none'):8.0f}")
    print(f"  wrong signature       {rate(['bad'], 'bad'):8.0f}")
    print(f"  good signature        {rate(['good'], 'good'):8.0f}")
    print(f"  good, amid 9 wrong    {rate(['bad'] * 9 + ['good'], 'good'):8.0f}  (good ones only)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
