"""Serve a ``Simulator`` over HTTP from a daemon thread (stdlib only)."""

from __future__ import annotations

import io
import socket
import socketserver
import struct
import sys
import threading
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import unquote
from wsgiref.simple_server import WSGIServer, make_server

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


class _QuietHandler(socketserver.StreamRequestHandler):
    """A lean HTTP/1.1 server side for WSGI: keep-alive, no Nagle delay, one write per answer.

    wsgiref's own handler answered one request per connection (every send paid a TCP connection)
    and parsed headers with the email package; this one reads the request line and headers itself
    and hands the app a plain WSGI environ (docs/simulator.md "Speed"). The simulator's only app
    reads the whole body and answers with a Content-Length.
    """

    disable_nagle_algorithm = True
    timeout = 120  # an idle keep-alive connection is closed after this long

    def handle(self) -> None:
        self._close = False
        while not self._close:
            try:
                if not self._handle_one():
                    return
            except (ConnectionError, TimeoutError, socket.timeout):
                return

    def _handle_one(self) -> bool:
        line = self.rfile.readline(65537)
        if not line:
            return False
        if len(line) > 65536:
            self._plain(414, "Request-URI Too Long")
            return False
        parts = line.decode("latin-1").split()
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            self._plain(400, "Bad Request")
            return False
        method, target, version = parts
        environ = self._environ(method, target, version)
        if environ is None:
            self._plain(400, "Bad Request")
            return False
        connection = environ.get("HTTP_CONNECTION", "").lower()
        self._close = version == "HTTP/1.0" and connection != "keep-alive" or connection == "close"
        length = environ.get("CONTENT_LENGTH") or "0"
        try:
            body = self.rfile.read(int(length)) if int(length) > 0 else b""
        except ValueError:
            self._plain(400, "Bad Content-Length")
            return False
        environ["wsgi.input"] = io.BytesIO(body)
        answer: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[..., Any]:
            answer[:] = [status, headers]
            return lambda data: None

        try:
            chunks = self.server.get_app()(environ, start_response)  # type: ignore[attr-defined]
            data = b"".join(chunks)
        except ConnectionAbortedError:  # a fault drops the answer (the abort hook resets the socket)
            return False
        status, headers = answer
        lines = [f"HTTP/1.1 {status}\r\n"]
        lines += [f"{name}: {value}\r\n" for name, value in headers]
        if self._close:
            lines.append("Connection: close\r\n")
        lines.append("\r\n")
        self.wfile.write("".join(lines).encode("latin-1") + (b"" if method == "HEAD" else data))
        return not self._close

    def _environ(self, method: str, target: str, version: str) -> dict[str, Any] | None:
        path, _, query = target.partition("?")
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method, "PATH_INFO": unquote(path, "iso-8859-1"), "QUERY_STRING": query,
            "SERVER_PROTOCOL": version, "SERVER_NAME": self.server.server_address[0],  # type: ignore[index]
            "SERVER_PORT": str(self.server.server_address[1]),  # type: ignore[index]
            "REMOTE_ADDR": self.client_address[0], "SCRIPT_NAME": "",
            "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
            "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False,
            ABORT_KEY: self._abort,
        }
        for _ in range(200):
            line = self.rfile.readline(65537)
            if line in (b"\r\n", b"\n", b""):
                return environ
            name, colon, value = line.decode("latin-1").partition(":")
            if not colon:
                return None
            key = name.strip().upper().replace("-", "_")
            value = value.strip()
            if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                environ[key] = value
            else:
                key = "HTTP_" + key
                environ[key] = f"{environ[key]},{value}" if key in environ else value
        return None

    def _plain(self, code: int, text: str) -> None:
        body = text.encode()
        self.wfile.write(f"HTTP/1.1 {code} {text}\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
                         f"Connection: close\r\n\r\n".encode() + body)

    def _abort(self) -> None:
        self._close = True
        self.server.abort(self.connection)  # type: ignore[attr-defined]


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
