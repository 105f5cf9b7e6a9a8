"""Three stations sync 10,000 ballots through a faulty network to an office that is killed and restarted mid-ingest,
and (on PostgreSQL) whose database connections are cut mid-transaction. The office ends with exactly the stations' records."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from syncing import cast
from vallokal.election import keys
from vallokal.kiosk import outbox, store as station_store
from vallokal.sync.faults import FaultyProxy
from vallokal.sync.office import store as office_store

from vallokal.simulate import free_port, wait_for_port

BALLOTS = 10_002
STATIONS = 3
OFFICE_NAME = f"vallokal-office-{os.getpid()}"
OFFICE_KILLS = 4
BUNDLE = 400  # records a station sends at once


@pytest.mark.slow
def test_ten_thousand_ballots_arrive_exactly_once_through_faults_restarts_and_cut_connections(election):
    office_port = free_port()
    environment = {**os.environ, "VALLOKAL_AUTHORITY_KEY": keys.public_text(election.authority_key), "PGAPPNAME": OFFICE_NAME}
    if election.office.config["DATABASE_URL"]:
        environment["VALLOKAL_DATABASE_URL"] = election.office.config["DATABASE_URL"]

    def start_office() -> subprocess.Popen:
        server = subprocess.Popen([sys.executable, "-m", "vallokal", "office", "serve", "--data", election.office.instance_path, "--port", str(office_port)],
                                  env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(office_port, 30)
        return server

    proxy = FaultyProxy(("127.0.0.1", office_port), 0.2, seed=7).start()
    stations = [election.station(f"Station {number}", OFFICE_URL=proxy.address, SYNC_BATCH=BUNDLE) for number in range(STATIONS)]
    for app in stations:
        cast(app, BALLOTS // STATIONS)
    office = start_office()
    errors = {"sync_errors": 0, "office_kills": 0, "connections_cut": 0}
    done = threading.Event()

    def sync(app) -> None:
        with app.app_context():
            while station_store.unsynced() > 0:
                try:
                    outbox.push()
                except outbox.SyncError:
                    errors["sync_errors"] += 1
                    time.sleep(0.05)

    def served_a_while() -> bool:
        """Until the office has stored a bundle's worth more ballots: a moment measured in work, not seconds, so that
        every blow falls mid-sync however fast the machine ingests. False once the vote has ended."""
        with election.office.app_context():
            since = office_store.record_count()
            while not done.wait(0.02):
                office_store.db.session.remove()
                if office_store.record_count() >= since + BUNDLE:
                    return True
        return False

    def chaos() -> None:
        """Kill the office OFFICE_KILLS times (and cut its database connections between), each time
        after it has served for a moment; then leave it up, so that the vote can end."""
        engine = sa.create_engine(election.office.config["DATABASE_URL"]) if election.office.config["DATABASE_URL"] else None
        nonlocal office
        while errors["office_kills"] < OFFICE_KILLS and served_a_while():
            if engine is not None and errors["connections_cut"] <= errors["office_kills"]:
                with engine.connect() as connection:
                    cut = connection.execute(sa.text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = :name"), {"name": OFFICE_NAME}).scalar()
                    connection.commit()
                errors["connections_cut"] += 1 if cut else 0
                continue
            office.send_signal(signal.SIGKILL)
            office.wait()
            errors["office_kills"] += 1
            office = start_office()
        if engine is not None:
            engine.dispose()

    senders = [threading.Thread(target=sync, args=(app,)) for app in stations]
    trouble = threading.Thread(target=chaos)
    started = time.perf_counter()
    trouble.start()
    for thread in senders:
        thread.start()
    for thread in senders:
        thread.join(timeout=600)
    done.set()
    trouble.join()
    office.send_signal(signal.SIGKILL)
    office.wait()
    proxy.stop()
    elapsed = time.perf_counter() - started

    expected = set()
    for app in stations:
        with app.app_context():
            assert station_store.unsynced() == 0
            expected |= {(record.device_id, record.sequence, record.hash) for record in station_store.records()}
    stored = election.office_records()
    assert len(expected) == BALLOTS and len(stored) == len(set(stored)) == BALLOTS
    assert set(stored) == expected
    assert errors["office_kills"] >= 2 and (errors["connections_cut"] >= 1 or not election.office.config["DATABASE_URL"])
    print(f"{BALLOTS} ballots from {STATIONS} stations in {elapsed:.0f} s: office killed {errors['office_kills']} times, "
          f"database connections cut {errors['connections_cut']} times, failed pushes retried {errors['sync_errors']}, "
          f"network faults {dict(proxy.counts)}; received {len(stored)}, missing 0, doubled 0")


def test_the_offices_verifier_processes_end_when_the_office_is_killed(election):
    office_port = free_port()
    environment = {**os.environ, "VALLOKAL_AUTHORITY_KEY": keys.public_text(election.authority_key)}
    if election.office.config["DATABASE_URL"]:
        environment["VALLOKAL_DATABASE_URL"] = election.office.config["DATABASE_URL"]
    office = subprocess.Popen([sys.executable, "-m", "vallokal", "office", "serve", "--data", election.office.instance_path, "--port", str(office_port)],
                              env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(office_port, 30)
        station = election.station(OFFICE_URL=f"http://127.0.0.1:{office_port}")
        cast(station, 300)
        with station.app_context():
            outbox.push()
        deadline = time.monotonic() + 20  # the background verifier starts its processes after the push is acknowledged
        workers = []
        while not workers and time.monotonic() < deadline:
            workers = [int(pid) for pid in subprocess.run(["pgrep", "-P", str(office.pid)], capture_output=True, text=True).stdout.split()]
            time.sleep(0.2)
        assert workers, "the office checked a large bundle without its verifier processes"
    finally:
        office.send_signal(signal.SIGKILL)
        office.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(running(pid) for pid in workers):
        time.sleep(0.1)
    assert [pid for pid in workers if running(pid)] == []


def running(pid: int) -> bool:
    """Is the process alive (not gone, not a zombie waiting for its parent)?"""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False
