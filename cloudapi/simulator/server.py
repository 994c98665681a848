"""Serve a ``Simulator`` over HTTP from a daemon thread (stdlib only)."""

from __future__ import annotations

import socket
import socketserver
import struct
import threading
from dataclasses import dataclass, field
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from .app import Simulator
from .wsgi import ABORT_KEY


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    # Restarting on a fixed port right after a shutdown must not fail on TIME_WAIT.
    allow_reuse_address = True

    def server_bind(self) -> None:
        super().server_bind()
        self._aborted: set[socket.socket] = set()
        self._aborted_lock = threading.Lock()

    def abort(self, connection: socket.socket) -> None:
        """Close ``connection`` with a reset (no answer) when its request ends."""
        # Linger 0: close() sends RST instead of FIN, as a dropped connection looks to the client.
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with self._aborted_lock:
            self._aborted.add(connection)

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        with self._aborted_lock:
            aborted = request in self._aborted
            self._aborted.discard(request)
        if aborted:
            self.close_request(request)
        else:
            super().shutdown_request(request)


class _ThreadingWSGIServerV6(_ThreadingWSGIServer):
    address_family = socket.AF_INET6


class _QuietHandler(WSGIRequestHandler):
    def get_environ(self) -> dict[str, Any]:
        environ = super().get_environ()
        environ[ABORT_KEY] = lambda: self.server.abort(self.connection)  # type: ignore[attr-defined]
        return environ

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
        # serve_forever() sees the request at its next poll; a connection wakes it at once (a test
        # suite starts and stops hundreds of simulators).
        stopping = threading.Thread(target=self._server.shutdown, name="cloudapi-sim-stop")
        stopping.start()
        try:
            socket.create_connection((self.host, self.port), timeout=0.1).close()
        except OSError:
            pass  # not listening any more: stopping anyway
        stopping.join()
        self._server.server_close()
        self._thread.join(timeout=5)


def serve(sim: Simulator, host: str = "127.0.0.1", port: int = 0) -> RunningServer:
    """Start serving ``sim`` on ``host:port`` (0 picks a free port) and, with ``auto_dispatch``, its webhooks."""
    server_class = _ThreadingWSGIServerV6 if ":" in host else _ThreadingWSGIServer
    server = make_server(host, port, sim.wsgi_app, server_class=server_class, handler_class=_QuietHandler)
    # A short poll keeps shutdown() quick (the default 0.5 s adds up across a test suite).
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, name="cloudapi-sim-http", daemon=True
    )
    thread.start()
    running = RunningServer(sim=sim, host=host, port=server.server_address[1], _server=server, _thread=thread)
    if not sim.public_url:
        sim.public_url = running.url
    if sim.config.auto_dispatch:
        sim.start_dispatcher()
    return running
