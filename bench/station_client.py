"""A station started as a real process (the demo's data, served by waitress), and a tiny HTTP voter.

Shared by the station benchmarks; uses only the standard library on the client side.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from vallokal.simulate import HttpVoter as SimulatedVoter, free_port, wait_for_port

VALLOKAL = [str(Path(sys.executable).with_name("vallokal"))]


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
            wait_for_port(port, 20)
            yield "127.0.0.1", port, data
        finally:
            server.terminate()
            server.wait(timeout=10)


class HttpVoter(SimulatedVoter):
    """The rehearsal's voter, with a way to stop just before casting (to time the cast alone)."""

    def check_in_and_choose(self, projects: list[str]) -> None:
        assert self.post("/start", "/")[0] == 302
        assert self.post("/eligibility", "/eligibility", {"confirm": "yes"})[0] == 302
        status, location, _ = self.post("/ballot", "/ballot", {"project": projects})
        assert status == 302 and location.endswith("/review"), status
