"""Helpers the tests share: a voter driving the pages, and axe-core for accessibility."""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

STAFF_PIN = "24681012"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
AXE = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


class Voter:
    """Drives the voter pages the way a browser without JavaScript would."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def token(self, path: str = "/") -> str:
        page = self.client.get(path)
        match = CSRF_FIELD.search(page.get_data(as_text=True))
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def post(self, path: str, data: dict[str, Any] | None = None, token_from: str = "/", **kwargs: Any):
        fields = {"csrf_token": self.token(token_from), **(data or {})}
        return self.client.post(path, data=fields, **kwargs)

    def check_in(self, code: str | None = None, pin: str | None = None):
        response = self.post("/start")
        assert response.status_code == 302, response.get_data(as_text=True)
        target = response.headers["Location"]
        if target.endswith("/eligibility"):
            return self.post("/eligibility", {"confirm": "yes"}, token_from="/eligibility")
        if target.endswith("/code"):
            return self.post("/code", {"code": code or ""}, token_from="/code")
        return self.post("/activate", {"pin": pin or ""}, token_from="/activate")

    def choose(self, **fields: Any):
        return self.post("/ballot", fields, token_from="/ballot")

    def cast(self):
        return self.post("/cast", token_from="/review")

    def receipt_code(self) -> str:
        page = self.client.get("/receipt").get_data(as_text=True)
        match = re.search(r'<span aria-hidden="true">([0-9A-Z-]{14})</span>', page)
        assert match, page
        return match.group(1)

    def vote(self, **fields: Any) -> str:
        assert self.check_in().status_code == 302
        response = self.choose(**fields)
        assert response.status_code == 302, response.get_data(as_text=True)
        assert self.cast().status_code == 302
        return self.receipt_code()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core on the page for WCAG 2.x A and AA; return what it finds."""
    assert AXE.exists(), "axe-core is missing: run npm ci (the test command does)"
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", WCAG_TAGS
    )
    return [
        {"id": violation["id"], "help": violation["help"], "nodes": [node["html"] for node in violation["nodes"]][:3]}
        for violation in result["violations"]
    ]


VALLOKAL = [sys.executable, "-m", "vallokal"]


def demo_station_data(folder: Path) -> Path:
    """The demo's station data folder (a signed election, polls open), made with `vallokal demo`."""
    subprocess.run([*VALLOKAL, "demo", "--data", str(folder), "--no-serve", "--no-speech"], check=True, capture_output=True)
    return folder / "station"


def serve_station(station_folder: Path, port: int) -> subprocess.Popen:
    """The station as a real process under waitress, once it listens."""
    from vallokal.simulate import wait_for_port

    server = subprocess.Popen([*VALLOKAL, "station", "serve", "--data", str(station_folder), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port, 30)
    return server


@contextlib.contextmanager
def served(app: Any, port: int = 0, threads: int = 4) -> Iterator[str]:
    """A Flask app under waitress on loopback, in a thread, for as long as the block runs; yields its address."""

    import waitress.server
    from vallokal.kiosk.server import PROXY_HEADERS

    server = waitress.server.create_server(app, host="127.0.0.1", port=port, threads=threads, **PROXY_HEADERS)
    with running(server):
        yield f"http://127.0.0.1:{server.effective_port}"


@contextlib.contextmanager
def running(server: Any) -> Iterator[None]:
    """A waitress server's loop in a thread; on the way out the loop may meet its sockets closed under it, which is the stop."""
    import threading

    stopping = threading.Event()

    def loop() -> None:
        try:
            server.run()
        except (OSError, ValueError):
            if not stopping.is_set():
                raise

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stopping.set()
        server.close()
        thread.join(timeout=5)


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {name: ordered[min(len(ordered) - 1, int(len(ordered) * share))] for name, share in (("p50", 0.50), ("p95", 0.95), ("p99", 0.99))}
