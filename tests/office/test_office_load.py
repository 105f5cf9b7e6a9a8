"""Load: twenty stations pushing to one office at once, on SQLite and PostgreSQL; no errors, latency recorded."""

from __future__ import annotations

import threading
import time

import pytest
from helpers import percentiles
from syncing import cast
from vallokal.kiosk import outbox, store as station_store

STATIONS = 20
ROUNDS = 3
BALLOTS_PER_ROUND = 10


@pytest.mark.slow
def test_twenty_stations_push_at_once_without_an_error(election, live_office):
    stations = [election.station(f"Station {number}", OFFICE_URL=live_office, SYNC_BATCH=BALLOTS_PER_ROUND) for number in range(STATIONS)]
    timings: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def station_day(app) -> None:
        for _ in range(ROUNDS):
            cast(app, BALLOTS_PER_ROUND)
            with app.app_context():
                started = time.perf_counter()
                try:
                    outbox.push()
                except outbox.SyncError as error:
                    with lock:
                        errors.append(str(error))
                with lock:
                    timings.append(time.perf_counter() - started)

    started = time.perf_counter()
    threads = [threading.Thread(target=station_day, args=(app,)) for app in stations]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    elapsed = time.perf_counter() - started

    assert errors == []
    for app in stations:
        with app.app_context():
            assert station_store.unsynced() == 0
    assert len(election.office_records()) == STATIONS * ROUNDS * BALLOTS_PER_ROUND
    figures = {name: round(value * 1000, 1) for name, value in percentiles(timings).items()}
    database = "PostgreSQL" if election.office.config["DATABASE_URL"] else "SQLite"
    print(f"{STATIONS} stations × {ROUNDS} pushes into {database}: {len(timings)} pushes in {elapsed:.1f} s, 0 errors; push ms {figures}")
