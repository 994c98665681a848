"""The ``Simulator``: routing by method and path, the Python API tests and Django use, and the WSGI app."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any, Callable
from urllib.parse import parse_qs

from . import graph, webhooks
from .config import SimNumber, SimulatorConfig
from .state import Store

logger = logging.getLogger(__name__)

Response = tuple[int, dict[str, Any]]
_NOT_JSON = object()
_STATUS_TEXT = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
                500: "Internal Server Error"}


class Simulator:
    """A stateful stand-in for the Graph endpoints Switchboard uses, calling our webhook back signed."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self._numbers: dict[str, SimNumber] = {n.phone_number_id: n for n in config.numbers}
        self._store = Store(config.db_path)
        for number in config.numbers:
            self._store.save_number(number)
        self._dispatcher = webhooks.Dispatcher(
            self._store, url=config.webhook_url, secret_for=self._secret_for, clock=config.clock
        )

    # -- HTTP ------------------------------------------------------------------------------

    def handle(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes, query: Mapping[str, Any]
    ) -> Response:
        """Answer one HTTP request with (status, JSON body)."""
        method = method.upper()
        if path.startswith("/_sim/"):
            return self._handle_sim(method, path, body)
        payload = _parse_json(body)
        status, response = self._handle_graph(method, path, headers, payload)
        self._store.log_request(
            method=method,
            path=path,
            status=status,
            body=None if payload is _NOT_JSON else payload,
            response=response,
            created=self.config.clock(),
        )
        return status, response

    def wsgi_app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """WSGI entry point: decode the request, call ``handle``, encode the JSON answer."""
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        headers = _headers_from_environ(environ)
        query = {key: values[-1] for key, values in parse_qs(environ.get("QUERY_STRING", "")).items()}
        try:
            status, payload = self.handle(environ["REQUEST_METHOD"], environ.get("PATH_INFO") or "/", headers, body,
                                          query)
        except Exception:
            # Traceback only: request bodies and headers (token) stay out of the log.
            logger.exception("Simulator failed on %s %s", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"))
            status, payload = 500, {"error": {"message": "An unknown error has occurred.", "type": "OAuthException",
                                              "code": 1, "fbtrace_id": graph.fbtrace_id()}}
        data = json.dumps(payload).encode()
        start_response(
            f"{status} {_STATUS_TEXT.get(status, 'Error')}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
        )
        return [data]

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return self.wsgi_app(environ, start_response)

    def _handle_graph(self, method: str, path: str, headers: Mapping[str, str], payload: Any) -> Response:
        segments = [s for s in path.split("/") if s]
        if not segments or not graph.VERSION_RE.match(segments[0]):
            return 404, {"error": f"Unknown path {path}: Graph paths start with a version such as /v24.0/"}
        try:
            token = graph.authenticate(self._numbers, headers)
            object_id = segments[1] if len(segments) > 1 else ""
            if segments[2:] != ["messages"] or method != "POST":
                raise graph.unsupported_request(method, object_id)
            number = graph.resolve_number(self._numbers, object_id, token, method)
        except graph.GraphError as error:
            return error.response
        status, response = graph.post_messages(
            self._store, number, payload, now=self.config.clock(), delays=self.config.status_delays
        )
        self._dispatcher.wake()
        return status, response

    def _handle_sim(self, method: str, path: str, body: bytes) -> Response:
        route = path.rstrip("/")
        routes: dict[str, tuple[str, Callable[[bytes], Response]]] = {
            "/_sim/inbound": ("POST", self._sim_inbound),
            "/_sim/log": ("GET", self._sim_log),
            "/_sim/reset": ("POST", self._sim_reset),
            "/_sim/health": ("GET", lambda _body: (200, {"ok": True})),
        }
        if route not in routes:
            return 404, {"error": f"Unknown simulator path {path}"}
        allowed, view = routes[route]
        if method != allowed:
            return 405, {"error": f"{route} accepts {allowed} only"}
        return view(body)

    def _sim_inbound(self, body: bytes) -> Response:
        payload = _parse_json(body)
        if not isinstance(payload, dict):
            return 400, {"error": "Body must be a JSON object"}
        timestamp = payload.get("timestamp")
        if timestamp is not None and (isinstance(timestamp, bool) or not isinstance(timestamp, int)):
            return 400, {"error": "timestamp must be an integer (Unix seconds)"}
        for key in ("phone_number_id", "from"):
            if not isinstance(payload.get(key), str) or not payload[key]:
                return 400, {"error": f"{key} is required and must be a string"}
        name = payload.get("name", "")
        if not isinstance(name, str):
            return 400, {"error": "name must be a string"}
        try:
            wamid = self.inbound(
                phone_number_id=payload["phone_number_id"],
                wa_id=payload["from"],
                name=name,
                message=payload.get("message"),  # type: ignore[arg-type] - validated by inbound()
                timestamp=timestamp,
            )
        except ValueError as error:
            return 400, {"error": str(error)}
        return 200, {"id": wamid}

    def _sim_log(self, _body: bytes) -> Response:
        return 200, {"requests": self.request_log(), "webhooks": self.webhook_log(), "messages": self.sent_messages()}

    def _sim_reset(self, _body: bytes) -> Response:
        self.reset()
        return 200, {"reset": True}

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

    def take_webhooks(self) -> list[tuple[bytes, dict[str, str]]]:
        """Remove and return every queued webhook, due or not, in due order, as (body, headers).

        For ``auto_dispatch=False``: the caller delivers them (e.g. to Django's test client).
        Taken webhooks stay in the webhook log with state ``taken``.
        """
        taken = []
        for row in self._store.take_pending():
            body = row["body"].encode()
            secret = self._secret_for(row["phone_number_id"]) or ""
            taken.append((body, webhooks.signed_headers(body, secret)))
        return taken

    def sent_messages(self, phone_number_id: str | None = None) -> list[dict[str, Any]]:
        """Messages the simulator accepted: wamid, to, type, body (the request), biz_opaque_callback_data."""
        return self._store.sent_messages(phone_number_id)

    def webhook_log(self) -> list[dict[str, Any]]:
        """Every queued webhook: field, body, state (pending/delivered/failed/taken), attempts, last_error, due."""
        return self._store.webhook_log()

    def request_log(self) -> list[dict[str, Any]]:
        """Every Graph request: method, path, status, body (secrets redacted) and response; never headers."""
        return self._store.request_log()

    def reset(self) -> None:
        """Forget messages, windows, logs and queued webhooks; keep the numbers."""
        self._store.reset()

    def start_dispatcher(self) -> None:
        """Start posting due webhooks to ``config.webhook_url`` in a background thread."""
        self._dispatcher.start()

    def stop_dispatcher(self) -> None:
        """Stop the webhook thread (pending webhooks stay queued)."""
        self._dispatcher.stop()

    def deliver_due_webhooks(self) -> int:
        """Deliver what is due now in the calling thread; returns how many were attempted."""
        return self._dispatcher.deliver_due()

    def close(self) -> None:
        """Stop the dispatcher and close the database."""
        self.stop_dispatcher()
        self._store.close()

    def _secret_for(self, phone_number_id: str) -> str | None:
        number = self._numbers.get(phone_number_id)
        return None if number is None else number.app_secret


def make_app(sim: Simulator) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    """The WSGI application serving ``sim``."""
    return sim.wsgi_app


def _parse_json(body: bytes) -> Any:
    if not body:
        return _NOT_JSON
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _NOT_JSON


def _headers_from_environ(environ: Mapping[str, Any]) -> dict[str, str]:
    headers = {key[5:].replace("_", "-").title(): value for key, value in environ.items() if key.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        headers["Content-Type"] = environ["CONTENT_TYPE"]
    return headers
