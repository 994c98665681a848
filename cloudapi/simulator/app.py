"""The ``Simulator``: the Python API tests and Django use, request dispatch, and the WSGI app.

Graph paths (``/vNN.N/…``) go to ``graph.route``; ``/_sim/…`` paths are the simulator's own
controls (``sim_routes``). Customer conveniences live in ``customers.CustomersMixin``, template,
flow and fault commands in ``commands.CommandsMixin``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from typing import Any, Callable

from . import graph, sim_routes, sim_stats, template_lifecycle, webhooks, wsgi
from .commands import CommandsMixin
from .config import SimNumber, SimulatorConfig
from .customers import CustomersMixin
from .flow_customer import FlowCustomerMixin
from .faults import Fault, FaultInjector
from .graph.context import Context
from .graph.limits import Limits
from .limit_commands import LimitCommandsMixin
from .number_commands import NumberCommandsMixin
from .request import Reply, Request
from .state import Store

logger = logging.getLogger(__name__)

Response = tuple[int, Any]


class Simulator(CustomersMixin, FlowCustomerMixin, CommandsMixin, NumberCommandsMixin, LimitCommandsMixin):
    """A stateful stand-in for the Graph endpoints Switchboard uses, calling our webhook back signed."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.public_url = config.public_url
        self._numbers: dict[str, SimNumber] = {n.phone_number_id: n for n in config.numbers}
        self._store = Store(config.db_path)
        self._lock = threading.RLock()
        self._closing = threading.Event()
        self._limits = Limits(self._store, config)
        self._faults = FaultInjector(config.faults)
        self._next_review: float | None = 0.0
        for number in config.numbers:
            self._store.save_number(number)
        self._seed()
        self._dispatcher = webhooks.Dispatcher(
            self._store, url=config.webhook_url, secret_for=self._secret_for, clock=config.clock,
            before_pass=self._tick,
            batch_size=config.webhook_batch_size, batch_interval=config.webhook_batch_interval,
        )

    # -- HTTP ------------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes, query: Mapping[str, Any]
    ) -> Response:
        """Answer one HTTP request with (status, JSON body) — or the raw body for downloads and pages.

        No faults are injected here; they belong to the HTTP layer (``wsgi_app``).
        """
        request = Request.build(method, path, headers, body, query, default_base=self.base_url)
        reply = self.dispatch(request)
        return reply.status, reply.payload

    def dispatch(self, request: Request) -> Reply:
        """Answer a parsed request (Graph or ``/_sim/``) without fault injection."""
        if request.path == "/_sim" or request.path.startswith("/_sim/"):
            return sim_routes.handle(self, request)
        return self.graph_request(request)[0]

    def graph_request(self, request: Request) -> tuple[Reply, int]:
        """Answer a Graph request and log it; returns the answer and the request log id."""
        # One transaction per request: a send's row, its queued statuses and its log entry commit once.
        with self._lock, self._store.transaction():
            self._tick_locked()
            reply = graph.route(self.context(request.base_url), request)
            if request.method == "POST" and not request.path.endswith("/messages"):
                self._next_review = 0.0  # a template may have been submitted or edited
            self._tick_locked()
            response = reply.body if reply.content_type == "application/json" else {"bytes": len(reply.encode())}
            log_id = self._store.log_request(method=request.method, path=request.path, status=reply.status,
                                             body=request.loggable_body(), response=response,
                                             created=self.config.clock())
        self._dispatcher.wake()
        return reply, log_id

    def decide_fault(self, header: str | None) -> Fault:
        """The fault to inject into one Graph request (``header``: its ``X-Sim-Fault`` value, if any)."""
        return self._faults.decide(header)

    def log_fault(self, request: Request, *, fault: str, status: int = 0, response: Any = None,
                  log_id: int | None = None) -> None:
        """Record an injected fault in the request log (on the request's entry when it was processed)."""
        if log_id is not None:
            self._store.mark_request_fault(log_id, fault)
            return
        self._store.log_request(method=request.method, path=request.path, status=status,
                                body=request.loggable_body(), response=response, created=self.config.clock(),
                                fault=fault)

    def hold(self, seconds: float) -> None:
        """Wait ``seconds``, or less if the simulator is closing."""
        if seconds > 0:
            self._closing.wait(seconds)

    def wsgi_app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """WSGI entry point: decode the request, inject faults, answer."""
        return wsgi.application(self, environ, start_response)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return self.wsgi_app(environ, start_response)

    @property
    def base_url(self) -> str:
        """Base of links the simulator hands out when no request says where it is reached."""
        return (self.public_url or "http://127.0.0.1").rstrip("/")

    def context(self, base_url: str | None = None) -> Context:
        """A ``Context`` for endpoint functions, at the current time."""
        return Context(store=self._store, config=self.config, numbers=self._numbers, limits=self._limits,
                       now=self.config.clock(), base_url=base_url or self.base_url)

    # -- Python API ------------------------------------------------------------------------

    def inbound(
        self, *, phone_number_id: str, wa_id: str, name: str, message: dict[str, Any], timestamp: int | None = None
    ) -> str:
        """A simulated customer writes to ``phone_number_id``; returns the new wamid.

        Opens the customer's 24-hour window from the message's timestamp (pass ``timestamp``
        to backdate it) and queues the signed ``messages`` webhook. Raises ``ValueError`` for an
        unknown number or a malformed message.
        """
        number = self._numbers.get(phone_number_id)
        if number is None:
            raise ValueError(f"Unknown phone_number_id {phone_number_id!r}")
        now = self.config.clock()
        sent_at = int(now) if timestamp is None else int(timestamp)
        full_message = webhooks.inbound_message(wa_id=wa_id, message=message, timestamp=sent_at)
        wamid = full_message["id"]
        self._store.add_inbound(
            wamid=wamid,
            phone_number_id=phone_number_id,
            wa_id=wa_id,
            type=full_message["type"],
            body=full_message,
            created=sent_at,
        )
        payload = webhooks.inbound_payload(number, wa_id=wa_id, name=name, message=full_message)
        webhooks.queue(self._store, number, payload, due=now, now=now)
        self._dispatcher.wake()
        return wamid

    def take_webhooks(self, *, batch: bool = False) -> list[tuple[bytes, dict[str, str]]]:
        """Remove and return every queued webhook, due or not, in due order, as (body, headers).

        For ``auto_dispatch=False``: the caller delivers them (e.g. to Django's test client).
        Taken webhooks stay in the webhook log with state ``taken``. Each comes alone, unless
        ``batch``: then statuses come batched as the dispatcher posts them (up to
        ``webhook_batch_size`` per body, signed with the same secret).
        """
        self._tick()
        rows = self._store.take_pending()
        if batch:
            units = webhooks.Dispatcher.plan_batches(rows, secret_for=self._secret_for,
                                                     batch_size=self.config.webhook_batch_size)
        else:
            units = [[row] for row in rows]
        taken = []
        for unit in units:
            body = webhooks.batch_body([row["body"] for row in unit])
            secret = self._secret_for(unit[0]["phone_number_id"]) or ""
            taken.append((body, webhooks.signed_headers(body, secret)))
        return taken

    def sent_messages(self, phone_number_id: str | None = None) -> list[dict[str, Any]]:
        """Messages the simulator accepted: wamid, to, type, body (the request), biz_opaque_callback_data."""
        return self._store.sent_messages(phone_number_id)

    def send_report(self, phone_number_id: str, *, since: float | None = None) -> dict[str, Any]:
        """What a benchmark checks about one number's sends (``/_sim/sends``): accepted sends per second and
        the most in any sliding 1-second window, the same for every attempt (refused ones included),
        refusals by code, and duplicates by ``biz_opaque_callback_data``."""
        return sim_stats.send_report(self._store, self._limits, self._numbers[phone_number_id], since=since)

    def callback_data_counts(self) -> dict[str, int]:
        """How many sends were accepted per ``biz_opaque_callback_data`` (1 everywhere = no duplicates)."""
        return self._store.callback_data_counts()

    def webhook_log(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Every queued webhook (the latest ``limit``): field, body, state (pending/delivered/failed/taken),
        attempts, last_error, due."""
        self._tick()
        return self._store.webhook_log(limit)

    def request_log(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Every Graph request (the latest ``limit``): method, path, status, body (secrets redacted), response
        and injected fault; never headers."""
        return self._store.request_log(limit)

    def reset(self) -> None:
        """Forget messages, windows, templates, media, flows, logs and queued webhooks; keep the numbers."""
        with self._lock:
            self._store.reset()
            self._limits.reset()
            self._seed()

    def start_dispatcher(self) -> None:
        """Start posting due webhooks to ``config.webhook_url`` in a background thread."""
        self._dispatcher.start()

    def stop_dispatcher(self) -> None:
        """Stop the webhook thread (pending webhooks stay queued)."""
        self._dispatcher.stop()

    def deliver_due_webhooks(self) -> int:
        """Deliver what is due now in the calling thread; returns how many were attempted."""
        self._tick()
        return self._dispatcher.deliver_due()

    def close(self) -> None:
        """Stop the dispatcher, release held requests and close the database."""
        self._closing.set()
        self.stop_dispatcher()
        self._store.close()

    # -- internals -------------------------------------------------------------------------

    def _seed(self) -> None:
        self._next_review = 0.0
        if not self.config.seed_templates:
            return
        for waba_id in dict.fromkeys(n.waba_id for n in self._numbers.values()):
            template_lifecycle.seed_hello_world(self._store, waba_id, now=self.config.clock())

    def _tick(self) -> None:
        """Let time pass: templates whose review is due leave PENDING (and their webhooks are queued)."""
        with self._lock:
            self._tick_locked()

    def _tick_locked(self) -> None:
        now = self.config.clock()
        if self._next_review is None or now < self._next_review:
            return
        self._next_review = template_lifecycle.run_due_reviews(
            self._store, self.config, self._number_for_waba, now=now
        )

    def _number_for_waba(self, waba_id: str) -> SimNumber:
        for number in self._numbers.values():
            if number.waba_id == waba_id:
                return number
        raise LookupError(f"No number of WABA {waba_id!r} is configured")

    def _secret_for(self, phone_number_id: str) -> str | None:
        number = self._numbers.get(phone_number_id)
        return None if number is None else number.app_secret


def make_app(sim: Simulator) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    """The WSGI application serving ``sim``."""
    return sim.wsgi_app
