"""Run the Cloud API simulator: ``python -m cloudapi.simulator --port 8100 --webhook-url URL --db FILE``.

Also ``--faults SPEC``, ``--review-delay``, ``--review-outcome``, ``--mps``, ``--pair-limit``; see
docs/simulator.md.

Number settings come from WHATSAPP_* environment variables, falling back to the demo account.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import signal
import sys
import threading
from pathlib import Path

from . import demo
from .app import Simulator
from .config import MANAGEMENT_SCOPE, REVIEW_OUTCOMES, SimNumber, SimToken, SimulatorConfig
from .faults import parse_spec
from .server import serve

DEFAULT_WEBHOOK_URL = "http://127.0.0.1:8000/webhooks/whatsapp/"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m cloudapi.simulator", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (loopback only unless --allow-remote)")
    parser.add_argument("--port", type=int, default=8100, help="port to bind (0 picks a free one)")
    parser.add_argument("--webhook-url", default=DEFAULT_WEBHOOK_URL, help="where to POST webhooks ('' for none)")
    parser.add_argument("--db", default=":memory:", help="SQLite file to keep state across restarts")
    parser.add_argument("--allow-remote", action="store_true", help="allow binding to a non-loopback address")
    parser.add_argument("--faults", default="", metavar="SPEC",
                        help="faults to inject, e.g. 'error_rate=0.1; lost_rate=0.05; seed=7' (see docs/simulator.md)")
    parser.add_argument("--review-delay", type=float, default=3.0, metavar="SECONDS",
                        help="seconds a submitted template stays PENDING (default 3)")
    parser.add_argument("--review-outcome", choices=REVIEW_OUTCOMES, default="auto",
                        help="auto: names containing 'reject' are rejected, others approved (default)")
    parser.add_argument("--mps", type=int, default=80, help="messages per second before 130429 (default 80)")
    parser.add_argument("--pair-limit", type=int, default=45,
                        help="burst of messages to one customer before 131056, then one per 6 s (default 45)")
    parser.add_argument("--public-url", default="", help="base URL in media links (default: as the request came)")
    args = parser.parse_args(argv)
    if not args.allow_remote and not is_loopback(args.host):
        parser.error(f"refusing to bind to non-loopback host {args.host!r}; pass --allow-remote to do it anyway")
    try:
        args.fault_settings = parse_spec(args.faults)
    except ValueError as error:
        parser.error(f"--faults: {error}")
    return args


def config_from_args(args: argparse.Namespace, number: SimNumber) -> SimulatorConfig:
    """The simulator settings the command line asks for: ``number``, plus the demo's second account
    and trial tokens (``demo``) to connect from Settings → Accounts."""
    number.mps = args.mps
    second = second_number(number)
    wabas = (number.waba_id, second.waba_id)
    return SimulatorConfig(
        numbers=[number, second], webhook_url=args.webhook_url, db_path=args.db, faults=args.fault_settings,
        template_review_delay=args.review_delay, template_review_outcome=args.review_outcome,
        pair_rate_limit=args.pair_limit, public_url=args.public_url,
        tokens=[SimToken(demo.EXPIRED_ACCESS_TOKEN, waba_ids=wabas, expires_at=1),
                SimToken(demo.MANAGEMENT_ONLY_ACCESS_TOKEN, waba_ids=wabas, scopes=(MANAGEMENT_SCOPE,))],
    )


def second_number(first: SimNumber) -> SimNumber:
    """The demo's second business account: another WABA of the same Meta app as ``first``."""
    return SimNumber(
        phone_number_id=demo.SECOND_PHONE_NUMBER_ID,
        display_phone_number=demo.SECOND_DISPLAY_PHONE_NUMBER,
        waba_id=demo.SECOND_BUSINESS_ACCOUNT_ID,
        access_token=demo.SECOND_ACCESS_TOKEN,
        app_secret=first.app_secret,
        verified_name=demo.SECOND_VERIFIED_NAME,
        mps=first.mps,
    )


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (``localhost``, 127.0.0.0/8, ``::1``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def number_from_env() -> SimNumber:
    """The simulated number, from WHATSAPP_* variables or the demo constants."""
    return number_from(os.environ.get)


def number_from(setting) -> SimNumber:
    """The simulated number of the embedded account (see ``demo.embedded_account``)."""
    values = demo.embedded_account(setting)
    return SimNumber(
        phone_number_id=values["phone_number_id"],
        display_phone_number=values["display_phone_number"],
        waba_id=values["waba_id"],
        access_token=values["access_token"],
        app_secret=values["app_secret"],
        verified_name=demo.VERIFIED_NAME,
    )


def main(argv: list[str] | None = None, *, number: SimNumber | None = None) -> int:
    """Serve until SIGINT or SIGTERM, then shut down cleanly."""
    args = parse_args(argv)
    if args.db != ":memory:":
        Path(args.db).parent.mkdir(parents=True, exist_ok=True)
    number = number or number_from_env()
    sim = Simulator(config_from_args(args, number))
    running = serve(sim, host=args.host, port=args.port)

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    webhooks_to = args.webhook_url or "nowhere (no --webhook-url)"
    print(
        f"Cloud API simulator listening on {running.url} for phone number id {number.phone_number_id}; "
        f"webhooks go to {webhooks_to}",
        flush=True,
    )
    while not stop.wait(0.5):
        pass
    running.shutdown()
    sim.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
