"""The HTTP layer: WSGI environ → ``Request``, fault injection on Graph paths, ``Reply`` → bytes.

Dropping an answer needs the socket: ``server.serve`` puts an ``cloudapi.sim.abort`` hook in the
environ that makes the connection close with a reset. Under another WSGI server the request
ends with ``ConnectionAbortedError`` instead, which such servers turn into a closed connection
or a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import parse_qs

from .faults import FAULT_HEADER
from .graph.errors import fbtrace_id, graph_error
from .request import Reply, Request

if TYPE_CHECKING:
    from .app import Simulator

logger = logging.getLogger(__name__)

ABORT_KEY = "cloudapi.sim.abort"
_STATUS_TEXT = {200: "OK", 303: "See Other", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
                405: "Method Not Allowed", 500: "Internal Server Error", 503: "Service Unavailable"}
_HTML_500 = ("<html><head><title>500 Internal Server Error</title></head>"
             "<body><h1>Sorry, something went wrong.</h1></body></html>")


def application(sim: Simulator, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Serve one request for ``sim``."""
    request = _request(environ, default_base=sim.base_url)
    try:
        if request.path == "/_sim" or request.path.startswith("/_sim/"):
            reply = sim.dispatch(request)
        else:
            reply = _graph_with_faults(sim, request, environ)
    except _Dropped:
        raise ConnectionAbortedError("simulated fault: the answer is dropped") from None
    except Exception:
        # Traceback only: request bodies and headers (token) stay out of the log.
        logger.exception("Simulator failed on %s %s", request.method, request.path)
        reply = Reply(500, {"error": {"message": "An unknown error has occurred.", "type": "OAuthException",
                                      "code": 1, "fbtrace_id": fbtrace_id()}})
    data = reply.encode()
    headers = [("Content-Type", reply.content_type), ("Content-Length", str(len(data))), *reply.headers]
    start_response(f"{reply.status} {_STATUS_TEXT.get(reply.status, 'Error')}", headers)
    return [data]


class _Dropped(Exception):
    pass


def _graph_with_faults(sim: Simulator, request: Request, environ: dict[str, Any]) -> Reply:
    try:
        fault = sim.decide_fault(request.header(FAULT_HEADER))
    except ValueError as error:
        return Reply(400, {"error": f"{FAULT_HEADER}: {error}"})
    sim.hold(fault.latency)
    if fault.kind == "error":
        reply = error_reply(fault.error)
        response = reply.body if reply.content_type == "application/json" else {"html": True}
        sim.log_fault(request, fault=f"error:{fault.error}", status=reply.status, response=response)
        return reply
    if fault.kind in ("timeout", "reset"):
        sim.log_fault(request, fault=fault.kind)
        if fault.kind == "timeout":
            sim.hold(fault.hold)
        _drop(environ)
    reply, log_id = sim.graph_request(request)
    if fault.kind == "lost":
        sim.log_fault(request, fault=f"lost:{fault.lost_mode}", log_id=log_id)
        if fault.lost_mode == "timeout":
            sim.hold(fault.hold)
        _drop(environ)
    sim.hold(fault.answer_latency)
    return reply


def error_reply(kind: str) -> Reply:
    """The answer an injected error gives: a bare HTML 500, or Meta's 131000 (500) / 131016 (503) envelope."""
    if kind == "500":
        return Reply(500, _HTML_500, content_type="text/html; charset=utf-8")
    if kind == "131000":
        error = graph_error(500, 131000, "(#131000) Something went wrong",
                            "Message failed to send due to an unknown error. Please try again later.")
    else:
        error = graph_error(503, 131016, "(#131016) Service unavailable",
                            "A service is temporarily unavailable. Please check the status page and try again later.")
    error.error["is_transient"] = True
    return Reply(*error.response)


def _drop(environ: dict[str, Any]) -> None:
    abort = environ.get(ABORT_KEY)
    if abort is not None:
        abort()
    raise _Dropped


def _request(environ: dict[str, Any], *, default_base: str) -> Request:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")}
    # wsgiref reports "text/plain" when the client sent no Content-Type at all.
    if environ.get("CONTENT_TYPE") and (length > 0 or environ["CONTENT_TYPE"] != "text/plain"):
        headers["content-type"] = environ["CONTENT_TYPE"]
    query = {key: values[-1] for key, values in parse_qs(environ.get("QUERY_STRING", "")).items()}
    request = Request.build(environ["REQUEST_METHOD"], environ.get("PATH_INFO") or "/", headers, body, query,
                            default_base=default_base)
    scheme = environ.get("wsgi.url_scheme", "http")
    if environ.get("HTTP_HOST"):
        request.base_url = f"{scheme}://{environ['HTTP_HOST']}"
    return request
