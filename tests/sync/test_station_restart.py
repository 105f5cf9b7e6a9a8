"""A station that lost power comes back in the same state and delivers its ballots without anyone touching it."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time

from helpers import VALLOKAL, serve_station, served
from syncing import cast
from vallokal.election import keys


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_after_a_power_cut_the_station_resumes_sending_by_itself(election) -> None:
    station = election.station("Husby gård")
    cast(station, 7)
    folder = election.folder / "station-1"
    office_port, station_port = free_port(), free_port()
    (folder / "station.toml").write_text(
        f'STATION_NAME = "Husby gård"\nAUTHORITY_KEY = "{keys.public_text(election.authority_key)}"\n'
        f'OFFICE_URL = "http://127.0.0.1:{office_port}"\nSYNC_FIRST_BACKOFF_SECONDS = 0.2\n',
        encoding="utf-8",
    )
    first = serve_station(folder, station_port)
    time.sleep(1.0)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    assert election.office_records() == []

    with served(election.office, port=office_port, threads=2):
        second = serve_station(folder, station_port)
        try:
            deadline = time.monotonic() + 30
            while len(election.office_records()) < 7 and time.monotonic() < deadline:
                time.sleep(0.2)
            assert [sequence for _, sequence, _ in election.office_records()] == list(range(1, 8))
            # The office stores the records before its acknowledgement reaches the station: give that a moment.
            while station_status(folder)["unsynced"] and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(10)
    status = station_status(folder)
    assert status["polls"] == "open" and status["ballots_cast"] == 7 and status["unsynced"] == 0


def station_status(folder) -> dict:
    return json.loads(subprocess.run([*VALLOKAL, "station", "status", "--data", str(folder), "--json"],
                                     capture_output=True, text=True, check=True).stdout)
