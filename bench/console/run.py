"""Console benchmark: SQL queries and server time per page on a large seeded history (PostgreSQL).

    .venv/bin/python bench/console/run.py [--conversations 100000] [--messages 1000000] [--requests 50] [--reuse]

Needs PostgreSQL on 127.0.0.1 (as the ``postgres`` user, like bench/webhook_ingest). Unless
``--reuse`` finds it already seeded, it recreates the database ``switchboard_console_bench``,
migrates and runs ``seed_history``. Then, logged in as an operator granted the seeded numbers,
it requests each page in-process through Django's full stack (middleware, sessions, templates;
no network and no web server, so the times are the server's own): a few warm-up requests, then
``--requests`` timed ones (median and p95), and one more under ``CaptureQueriesContext`` for the
number of SQL queries. Pages: the inbox, its 2-second poll, a filtered inbox, three searches
(a common word, a rare order number, a surname), a long thread, its poll, and "load older"
from the middle of it. Then, as a manager granted the seeded numbers, every insights page
(conversations, templates, cost) for 7, 30 and 90 days and a CSV export (aim: p95 < 300 ms), and
the beat's rollup of the three recent days (it runs outside the webhook path, every few minutes).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench.console.postgres import database_exists, psql  # noqa: E402 (needs ROOT on the path)
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.console.settings"
# Another database name (BENCH_CONSOLE_DB) lets two people benchmark on one server at once.
DATABASE = os.environ.setdefault("BENCH_CONSOLE_DB", "switchboard_console_bench")
AIM_P95_MS = 150
INSIGHTS_AIM_P95_MS = 300


def main() -> int:
    args = _parse_args()
    seeded_in = None
    if not (args.reuse and database_exists(DATABASE)):
        _recreate_database()
        seeded_in = _seed(args)
    import django

    django.setup()
    user, pages = _pages()
    sizes = _history_size()
    results = [(name, *_measure(user, url, headers, args.requests), AIM_P95_MS) for name, url, headers in pages]
    manager, insights = _insights_pages()
    results += [(name, *_measure(manager, url, {}, args.requests), INSIGHTS_AIM_P95_MS) for name, url in insights]
    _report(args, sizes, seeded_in, results)
    _report_rollup()
    return 0


def _insights_pages():
    from accounts import roles
    from accounts.models import PhoneNumber
    from accounts.services import ensure_user
    from messaging.services.seeding import SEED_WABA_ID

    manager = ensure_user(username="bench-manager", password="bench-manager-pw", role=roles.MANAGER)
    for number in PhoneNumber.objects.filter(account__waba_id=SEED_WABA_ID):
        number.operators.add(manager)
    pages = [(f"insights: {page} ({days} days)", f"/insights/{path}?period={days}")
             for page, path in (("conversations", ""), ("templates", "templates/"), ("cost", "cost/"))
             for days in (7, 30, 90)]
    pages.append(("insights: conversations CSV, per day (90 days)", "/insights/?period=90&format=csv&table=days"))
    return manager, pages


def _report_rollup() -> None:
    """How long the beat's recurring work takes: today and the two days before, for every seeded number."""
    from accounts.models import PhoneNumber
    from django.utils import timezone
    from insights.services.rollup import RECENT_DAYS, compute_days
    from messaging.services.seeding import SEED_WABA_ID

    today = timezone.now().date()
    days = [today - timedelta(days=n) for n in range(RECENT_DAYS)]
    numbers = list(PhoneNumber.objects.filter(account__waba_id=SEED_WABA_ID))
    started = time.perf_counter()
    compute_days(numbers, days)  # as the beat does: every number's recent days in one pass
    elapsed = time.perf_counter() - started
    print(f"  insights rollup (the beat's run: {RECENT_DAYS} recent days × {len(numbers)} numbers): {elapsed * 1000:.0f} ms\n")


def _parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--long-thread", type=int, default=20_000, help="messages in the long thread")
    parser.add_argument("--requests", type=int, default=50, help="timed requests per page")
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    return parser.parse_args()


def _recreate_database() -> None:
    psql(f"DROP DATABASE IF EXISTS {DATABASE}")
    psql(f"CREATE DATABASE {DATABASE}")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.console.settings"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, check=True, env=env)


def _seed(args) -> float:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.console.settings"}
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "manage.py", "seed_history", "--conversations", str(args.conversations),
         "--messages", str(args.messages), "--long-thread", str(args.long_thread), "-v", "2"],
        cwd=ROOT, check=True, env=env,
    )
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", DATABASE, "-qc", "VACUUM ANALYZE"], check=True)
    return time.monotonic() - started


def _pages():
    from accounts import roles
    from accounts.models import PhoneNumber
    from accounts.services import ensure_user
    from messaging.models import Conversation, Message
    from messaging.selectors.cursors import encode_cursor
    from messaging.services.seeding import SEED_WABA_ID

    user = ensure_user(username="bench-operator", password="bench-operator-pw", role=roles.OPERATOR)
    numbers = list(PhoneNumber.objects.filter(account__waba_id=SEED_WABA_ID))
    for number in numbers:
        number.operators.add(user)
    # seed_history puts the long thread last.
    long_thread = Conversation.objects.filter(phone_number__in=numbers).order_by("-pk").first()
    newest = Message.objects.filter(conversation=long_thread).order_by("-created_at", "-id")[:50]
    oldest_shown = list(newest)[-1]
    middle = Message.objects.filter(conversation=long_thread).order_by("created_at", "id")[
        Message.objects.filter(conversation=long_thread).count() // 2]
    rare = Message.objects.filter(conversation__phone_number__in=numbers, text__contains="#").order_by("pk").first()
    order_number = rare.text.split("#", 1)[1].split()[0].strip("?.") if rare else "123456"
    htmx = {"HTTP_HX_REQUEST": "true"}
    pages = [
        ("inbox", "/", {}),
        ("inbox poll (htmx, every 2 s)", "/", htmx),
        ("inbox filtered: number+open+unread+nobody", f"/?number={numbers[0].pk}&window=open&unread=1&assigned=nobody", {}),
        ("inbox filtered: closed window, mine", "/?window=closed&assigned=me", {}),
        ("search: common word (\"order\")", "/?q=order", {}),
        (f"search: rare order number ({order_number})", f"/?q={order_number}", {}),
        ("search: surname (\"Nelson\")", "/?q=Nelson", {}),
        (f"long thread ({long_thread.messages.count():,} messages)", f"/c/{long_thread.pk}/", {}),
        ("long thread poll (htmx, every 2 s)",
         f"/c/{long_thread.pk}/messages/?after={encode_cursor(oldest_shown.created_at, oldest_shown.pk)}&window=open", htmx),
        ("long thread: load older (middle)", f"/c/{long_thread.pk}/older/?before={encode_cursor(middle.created_at, middle.pk)}", htmx),
    ]
    return user, pages


def _measure(user, url: str, headers: dict, requests: int) -> tuple[int, float, float, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    for _ in range(3):
        client.get(url, **headers)
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url, **headers)
        if response.streaming:  # a CSV export: the time includes writing every line
            b"".join(response.streaming_content)
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        client.get(url, **headers)
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(round(len(timings) * 0.95)) - 1)]
    return len(queries.captured_queries), statistics.median(timings), p95, response.status_code


def _history_size() -> dict:
    from messaging.models import Contact, Conversation, Message, MessageStatusEvent

    return {
        "conversations": Conversation.objects.count(),
        "messages": Message.objects.count(),
        "contacts": Contact.objects.count(),
        "status events": MessageStatusEvent.objects.count(),
    }


def _report(args, sizes: dict, seeded_in: float | None, results) -> None:
    from django.db import connection

    version = connection.cursor().connection.info.server_version
    history = ", ".join(f"{count:,} {name}" for name, count in sizes.items())
    seeding = f"seeded in {seeded_in:.0f} s" if seeded_in is not None else "reused"
    print(f"\nConsole benchmark — PostgreSQL {version // 10000}.{version % 10000}, {os.cpu_count()} cores; history: {history} ({seeding})")
    print(f"{args.requests} timed requests per page after 3 warm-ups, in-process through Django's full stack (DEBUG off)\n")
    print(f"  {'page':<52} {'queries':>7} {'median ms':>10} {'p95 ms':>8}  HTTP")
    for name, queries, median, p95, status, aim in results:
        flag = "" if p95 < aim else f"  (over the {aim} ms aim)"
        print(f"  {name:<52} {queries:>7} {median:>10.1f} {p95:>8.1f}  {status}{flag}")
    print()


if __name__ == "__main__":
    sys.exit(main())
