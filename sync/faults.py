"""A fault-injecting HTTP proxy on loopback, for rehearsals and tests of sync.

Each request is read whole, then, at the given rate, suffers one fault: the
connection dropped before forwarding, reset halfway through the body, delayed,
sent to the office twice, or its answer cut short. Requests are not reordered
inside one connection, but delays across stations' connections reorder them.
"""

from __future__ import annotations

import random
import socket
import socketserver
import threading
import time
from collections import Counter

FAULTS = ("drop", "reset_mid_body", "delay", "duplicate", "truncate_response")


def _read_request(connection: socket.socket) -> bytes | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            return None
        body += chunk
    headers = [line for line in head.split(b"\r\n") if not line.lower().startswith(b"connection:")]
    return b"\r\n".join(headers) + b"\r\nConnection: close\r\n\r\n" + body


def _forward(target: tuple[str, int], request: bytes) -> bytes:
    with socket.create_connection(target, timeout=30) as upstream:
        upstream.sendall(request)
        response = b""
        while True:
            chunk = upstream.recv(65536)
            if not chunk:
                return response
            response += chunk


class FaultyProxy:
    """Forwards to `target`; `rate` is the share of requests that suffer a fault."""

    def __init__(self, target: tuple[str, int], rate: float, seed: int | None = None) -> None:
        self.target = target
        self.rate = rate
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                proxy.handle(self.request)

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def address(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FaultyProxy:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _choose(self) -> str | None:
        with self.lock:
            fault = self.random.choice(FAULTS) if self.random.random() < self.rate else None
            self.counts[fault or "clean"] += 1
            return fault

    def handle(self, connection: socket.socket) -> None:
        try:
            request = _read_request(connection)
            if request is None:
                return
            fault = self._choose()
            if fault == "drop":
                return
            if fault == "reset_mid_body":
                with socket.create_connection(self.target, timeout=30) as upstream:
                    upstream.sendall(request[: max(1, len(request) // 2)])
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                return
            if fault == "delay":
                time.sleep(self.random.uniform(0.1, 1.5))
            response = _forward(self.target, request)
            if fault == "duplicate":
                response = _forward(self.target, request)
            if fault == "truncate_response":
                response = response[: max(1, len(response) * 2 // 3)]
            connection.sendall(response)
        except OSError:
            pass
