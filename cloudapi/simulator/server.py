"""Serve a ``Simulator`` over HTTP from a daemon thread (stdlib only)."""

from __future__ import annotations

import socket
import socketserver
import threading
from dataclasses import dataclass, field
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from .app import Simulator


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    # Restarting on a fixed port right after a shutdown must not fail on TIME_WAIT.
    allow_reuse_address = True


class _ThreadingWSGIServerV6(_ThreadingWSGIServer):
    address_family = socket.AF_INET6


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        # The default access log goes to stderr on every request; the request log is in the store.
        pass


@dataclass
class RunningServer:
    """A simulator listening on ``url``; call ``shutdown()`` to stop it and its dispatcher."""

    sim: Simulator
    host: str
    port: int
    _server: WSGIServer = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321`` (use as the Graph base with a ``/v24.0`` suffix)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def shutdown(self) -> None:
        """Stop serving, stop the webhook dispatcher and release the port."""
        self.sim.stop_dispatcher()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def serve(sim: Simulator, host: str = "127.0.0.1", port: int = 0) -> RunningServer:
    """Start serving ``sim`` on ``host:port`` (0 picks a free port) and, with ``auto_dispatch``, its webhooks."""
    server_class = _ThreadingWSGIServerV6 if ":" in host else _ThreadingWSGIServer
    server = make_server(host, port, sim.wsgi_app, server_class=server_class, handler_class=_QuietHandler)
    # A short poll keeps shutdown() quick (the default 0.5 s adds up across a test suite).
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="cloudapi-sim-http", daemon=True
    )
    thread.start()
    if sim.config.auto_dispatch:
        sim.start_dispatcher()
    return RunningServer(sim=sim, host=host, port=server.server_address[1], _server=server, _thread=thread)
