"""A station started as a real process (the demo's data, served by waitress), and a tiny HTTP voter.

Shared by the station benchmarks; uses only the standard library on the client side.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
VALLOKAL = [str(Path(sys.executable).with_name("vallokal"))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_station(threads: int | None = None) -> Iterator[tuple[str, int, Path]]:
    """Set up the demo in a temporary folder and serve its station; yields host, port, folder."""
    with tempfile.TemporaryDirectory(prefix="vallokal-bench-") as folder:
        data = Path(folder)
        subprocess.run([*VALLOKAL, "demo", "--data", str(data), "--no-serve"], check=True, capture_output=True)
        port = free_port()
        server = subprocess.Popen(
            [*VALLOKAL, "station", "serve", "--data", str(data / "station"), "--port", str(port)]
            + (["--threads", str(threads)] if threads else []),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ},
        )
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            yield "127.0.0.1", port, data
        finally:
            server.terminate()
            server.wait(timeout=10)


class HttpVoter:
    """One browser's worth of state: a keep-alive connection and the session cookie."""

    def __init__(self, host: str, port: int) -> None:
        self.connection = http.client.HTTPConnection(host, port, timeout=30)
        self.cookie = ""

    def request(self, method: str, path: str, fields: dict[str, str | list[str]] | None = None) -> tuple[int, str, bytes]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        content = response.read()
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, response.getheader("Location") or "", content

    def get(self, path: str) -> bytes:
        return self.request("GET", path)[2]

    def post(self, path: str, token_from: str, fields: dict[str, str | list[str]] | None = None) -> tuple[int, str, bytes]:
        page = self.get(token_from).decode("utf-8")
        token = CSRF.search(page).group(1)
        return self.request("POST", path, {"csrf_token": token, **(fields or {})})

    def check_in_and_choose(self, projects: list[str]) -> None:
        assert self.post("/start", "/")[0] == 302
        assert self.post("/eligibility", "/eligibility", {"confirm": "yes"})[0] == 302
        status, location, _ = self.post("/ballot", "/ballot", {"project": projects})
        assert status == 302 and location.endswith("/review"), status
