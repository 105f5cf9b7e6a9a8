"""A station started as a real process (the demo's data, served by waitress), and a tiny HTTP voter.

Shared by the station benchmarks; uses only the standard library on the client side.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from vallokal.simulate import HttpVoter as SimulatedVoter, free_port, wait_for_port

VALLOKAL = [str(Path(sys.executable).with_name("vallokal"))]


class ServedStation(NamedTuple):
    host: str
    port: int
    data: Path
    processes: dict[str, int]
    """The station's and, with TLS, Caddy's process ids, for `cpu_seconds`."""


def cpu_seconds(pid: int) -> float:
    """User + system CPU a running process has used so far (Linux's /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def running_station(threads: int | None = None, tls: bool = False, swapped: tuple[str, ...] = ()) -> Iterator[ServedStation]:
    """Set up the demo in a temporary folder and serve its station.

    With `tls`, Caddy terminates TLS in front of it (as `vallokal station tls` configures it)
    and the port yielded is Caddy's; `client_context(folder)` trusts the station's CA.
    `swapped` names parts to replace by no-ops (serve_variant.py's options, bench only).
    """
    with tempfile.TemporaryDirectory(prefix="vallokal-bench-") as folder:
        data = Path(folder) / "demo"
        shutil.copytree(demo_template(), data)
        port = free_port()
        if tls:
            with terminated(data, port) as (https_port, caddy), _serving(data, port, threads, swapped) as station:
                yield ServedStation("127.0.0.1", https_port, data, {"station": station, "caddy": caddy})
            return
        with _serving(data, port, threads, swapped) as station:
            yield ServedStation("127.0.0.1", port, data, {"station": station})


_TEMPLATE: list[tempfile.TemporaryDirectory] = []


def demo_template() -> Path:
    """The demo's data, made once per process (it takes a while: keys, package, speech) and copied for each run."""
    if not _TEMPLATE:
        _TEMPLATE.append(tempfile.TemporaryDirectory(prefix="vallokal-bench-demo-"))
        subprocess.run([*VALLOKAL, "demo", "--data", _TEMPLATE[0].name, "--no-serve"], check=True, capture_output=True)
    return Path(_TEMPLATE[0].name)


@contextmanager
def terminated(data: Path, upstream: int) -> Iterator[tuple[int, int]]:
    """Caddy with the station's own certificate, forwarding to waitress on `upstream`; yields its https port and pid."""
    https_port = free_port()
    subprocess.run([*VALLOKAL, "station", "tls", "--data", str(data / "station"), "--name", "127.0.0.1",
                    "--https-port", str(https_port), "--port", str(upstream)], check=True, capture_output=True)
    home = data / "caddy-home"
    home.mkdir()
    environment = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home), "XDG_CONFIG_HOME": str(home)}
    caddy = subprocess.Popen(["caddy", "run", "--config", str(data / "station" / "tls" / "Caddyfile"), "--adapter", "caddyfile"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment)
    try:
        wait_for_port(https_port, 20)
        yield https_port, caddy.pid
    finally:
        caddy.terminate()
        caddy.wait(timeout=10)


def client_context(data: Path):
    import ssl

    return ssl.create_default_context(cafile=str(data / "station" / "tls" / "station-ca.crt"))


def pairing_url(data: Path) -> str:
    """A one-time pairing URL, as staff print it with `vallokal station pair`."""
    return subprocess.run([*VALLOKAL, "station", "pair", "--data", str(data / "station")], check=True, capture_output=True, text=True).stdout.strip()


@contextmanager
def _serving(data: Path, port: int, threads: int | None, swapped: tuple[str, ...] = ()) -> Iterator[int]:
    """The demo's station under waitress on loopback, as its own process; yields its pid."""
    command = (
        [sys.executable, str(Path(__file__).with_name("serve_variant.py")), str(data / "station"), str(port), *(f"--{part}" for part in swapped)]
        if swapped else [*VALLOKAL, "station", "serve", "--data", str(data / "station"), "--port", str(port)]
    )
    server = subprocess.Popen(
        command + (["--threads", str(threads)] if threads else []),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ},
    )
    try:
        wait_for_port(port, 20)
        yield server.pid
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
