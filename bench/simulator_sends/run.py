"""How many sends per second the Cloud API simulator accepts, now and before, in the same run.

    .venv/bin/python bench/simulator_sends/run.py [--sends 6000] [--processes 2] [--threads 8]
        [--baseline-root /work/main] [--db file|memory] [--profile out.prof]

Starts the simulator as `make run` does (``python -m cloudapi.simulator`` with its SQLite file
under var/, posting its status webhooks to a sink in this process that answers 200), sets the
portfolio's limit to unlimited and the number's throughput and pair rate out of reach, then sends
``--sends`` template messages (``hello_world``, each to its own customer, each with its own
``biz_opaque_callback_data``) from ``--processes`` × ``--threads`` keep-alive connections as fast
as the simulator answers. Prints sends/s, the status webhooks posted and how many POSTs carried
them, for:

* this checkout's simulator;
* ``--baseline-root``'s (another checkout, e.g. /work/main before this change), same load;
* a bare WSGI echo (one fixed send answer) on this checkout's HTTP server: the ceiling this
  client and machine allow.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import socket
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.processes import cpu_seconds, stop  # noqa: E402
from bench.sim_process import WebhookSink, free_port, sim_post, start_simulator  # noqa: E402
from cloudapi.simulator import demo  # noqa: E402

VAR = ROOT / "var"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sends", type=int, default=6000)
    parser.add_argument("--processes", type=int, default=2, help="sending processes (default 2)")
    parser.add_argument("--threads", type=int, default=8, help="connections per sending process (default 8)")
    parser.add_argument("--baseline-root", default="/work/main",
                        help="another checkout whose simulator is measured too ('' to skip)")
    parser.add_argument("--db", choices=("file", "memory"), default="file",
                        help="the simulator's SQLite: a file under var/ as in `make run` (default), or :memory:")
    args = parser.parse_args()
    VAR.mkdir(exist_ok=True)
    rows = [("this checkout", measure(ROOT, args, "now"))]
    if args.baseline_root:
        rows.append((f"baseline ({args.baseline_root})", measure(Path(args.baseline_root), args, "baseline")))
    _progress("bare WSGI echo")
    rows.append(("bare WSGI echo, same HTTP server", echo(args)))
    print(f"\n{args.sends} template sends, {args.processes} processes x {args.threads} keep-alive connections, "
          f"simulator db: {args.db}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (sends/s depends on it; CPU per send "
          "much less: sends per CPU-second is what one idle core would serve)")
    print(f"{'simulator':<40} {'sends/s':>9} {'CPU us/send':>12} {'sends/CPU-s':>12} {'200s':>7} "
          f"{'statuses posted':>16} {'POSTs':>7}")
    for name, result in rows:
        cpu = result.get("cpu_per_send")
        print(f"{name:<40} {result['rate']:>9,.0f} {cpu * 1e6 if cpu else float('nan'):>12,.0f} "
              f"{1 / cpu if cpu else float('nan'):>12,.0f} {result['ok']:>7} {result.get('statuses', '-'):>16} "
              f"{result.get('posts', '-'):>7}")
    return 0


def _progress(text: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def measure(code_root: Path, args, name: str) -> dict:
    _progress(f"{name}: the simulator of {code_root}")
    sink = WebhookSink()
    port = free_port()
    db = VAR / f"bench-simulator-sends-{name}.sqlite3" if args.db == "file" else None
    process = start_simulator(port=port, webhook_url=sink.url, db=db, mps=10**9, pair_limit=10**9,
                              code_root=code_root, log=VAR / "bench-simulator-sends.log")
    url = f"http://127.0.0.1:{port}"
    try:
        sim_post(url, f"wabas/{demo.BUSINESS_ACCOUNT_ID}/messaging_limit", {"tier": "TIER_UNLIMITED"})
        cpu_before = cpu_seconds(process.pid)
        result = load(port, args)
        result["cpu_per_send"] = (cpu_seconds(process.pid) - cpu_before) / max(result["ok"], 1)
        _progress(f"{name}: {result['ok']} sends at {result['rate']:,.0f}/s; waiting for the status webhooks")
        deadline = time.monotonic() + 30  # the statuses fall due within 1.5 s of each send
        while time.monotonic() < deadline and sink.statuses < 3 * result["ok"]:
            time.sleep(0.2)
        result.update(statuses=sink.statuses, posts=sink.posts)
    finally:
        stop(process)
        sink.close()
    return result


def echo(args) -> dict:
    port = free_port()
    context = multiprocessing.get_context("fork")
    server = context.Process(target=_serve_echo, args=(port,), daemon=True)
    server.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    try:
        return load(port, args)
    finally:
        server.terminate()
        server.join()


def _serve_echo(port: int) -> None:
    from wsgiref.simple_server import make_server

    from cloudapi.simulator.server import _QuietHandler, _ThreadingWSGIServer

    answer = json.dumps({"messaging_product": "whatsapp", "contacts": [{"input": "x", "wa_id": "x"}],
                         "messages": [{"id": "wamid.x"}]}).encode()

    def app(environ, start_response):
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(answer)))])
        return [answer]

    make_server("127.0.0.1", port, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler).serve_forever()


# --- the load -------------------------------------------------------------------------------


def load(port: int, args) -> dict:
    connections = args.processes * args.threads
    t0 = time.time() + 0.5
    context = multiprocessing.get_context("fork")
    with context.Pool(args.processes) as pool:
        shares = pool.starmap(_send_share, [(port, args.sends, p, args.processes, args.threads, t0)
                                            for p in range(args.processes)])
    end = max(share["end"] for share in shares)
    ok = sum(share["ok"] for share in shares)
    return {"rate": ok / max(end - t0, 1e-9), "ok": ok, "connections": connections}


def request_bytes(port: int, n: int) -> bytes:
    body = json.dumps({"messaging_product": "whatsapp", "to": f"1650{n:07d}", "type": "template",
                       "biz_opaque_callback_data": f"bench-{n}",
                       "template": {"name": "hello_world", "language": {"code": "en_US"}}}).encode()
    head = (f"POST /v24.0/{demo.PHONE_NUMBER_ID}/messages HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: Bearer {demo.ACCESS_TOKEN}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


def _send_share(port: int, sends: int, process: int, processes: int, threads: int, t0: float) -> dict:
    import threading

    mine = list(range(process, sends, processes))
    ok = 0
    lock = threading.Lock()

    def sender(indexes: list[int]) -> None:
        nonlocal ok
        done = 0
        connection = _Connection(port)
        for n in indexes:
            if connection.exchange(request_bytes(port, n)) == 200:
                done += 1
        connection.close()
        with lock:
            ok += done

    time.sleep(max(0.0, t0 - time.time()))
    workers = [threading.Thread(target=sender, args=(mine[t::threads],)) for t in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return {"ok": ok, "end": time.time()}


class _Connection:
    """One keep-alive HTTP connection, reopened when the server closes it (HTTP/1.0 servers do)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.sock: socket.socket | None = None
        self.buffer = b""

    def exchange(self, request: bytes) -> int:
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.buffer = b""
        self.sock.sendall(request)
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                self.close()
                return 0
            self.buffer += chunk
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {key.strip().lower(): value.strip() for key, _, value in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", 0))
        while len(rest) < length:
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            rest += chunk
        self.buffer = rest[length:]
        if lines[0].startswith("HTTP/1.0") or headers.get("connection", "").lower() == "close":
            self.close()
        return status

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock = None


if __name__ == "__main__":
    sys.exit(main())
