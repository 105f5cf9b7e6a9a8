"""Power cuts at the station: SIGKILL the real server at random moments while four tablets vote, and restart it.

Every tablet retries its cast until it sees a receipt, as a voter taps again
when the screen hangs. Afterwards every receipt seen is a stored record, no
record is stored twice, the chain verifies, the database is intact and the
station starts cleanly: a ballot in flight at a cut is either stored and its
receipt shown on the retry, or absent and cast again.
"""

from __future__ import annotations

import http.client
import multiprocessing
import os
import random
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from helpers import demo_station_data, serve_station
from vallokal.election import envelope
from vallokal.kiosk import create_app, store

from vallokal.simulate import HttpVoter, free_port

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
RECEIPT = re.compile(r'<span aria-hidden="true">([0-9A-Z-]{14})</span>')
TABLETS = 4
CASTS_PER_TABLET = 125


def _retrying(action, attempts: int = 400):
    for _ in range(attempts):
        try:
            return action()
        except (OSError, http.client.HTTPException):
            time.sleep(0.05)
    raise AssertionError("the station never came back")


def tablet(port: int, receipts: Path, seed: int) -> None:
    """Vote CASTS_PER_TABLET times; write each receipt code seen to `receipts`, one per line."""
    rng = random.Random(seed)
    with receipts.open("a", encoding="utf-8") as out:
        for _ in range(CASTS_PER_TABLET):
            voter = HttpVoter("127.0.0.1", port)

            def choose():
                """Check in and fill in the ballot; after a cut, start again as a new voter (nothing was cast)."""
                nonlocal voter
                voter = HttpVoter("127.0.0.1", port)
                assert voter.post("/start", "/")[0] == 302
                assert voter.post("/eligibility", "/eligibility", {"confirm": "yes"})[0] == 302
                status, location, _ = voter.post("/ballot", "/ballot", {"project": rng.sample(["bankar", "odling", "lekplats", "belysning"], 2)})
                assert status == 302 and location.endswith("/review"), (status, location)

            def cast():
                """Cast; after a cut, read the receipt if the cast went through (the cookie still names it),
                tap again if the session survived, or say so (the session was in the memory the cut took)."""
                voter.connection.close()
                voter.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                shown = RECEIPT.search(voter.get("/receipt").decode("utf-8"))
                if shown:
                    return shown.group(1)
                review = CSRF_FIELD.search(voter.get("/review").decode("utf-8"))
                if review is None:
                    return None
                status, location, _ = voter.request("POST", "/cast", {"csrf_token": review.group(1)})
                assert status == 302 and location.endswith("/receipt"), (status, location)
                return RECEIPT.search(voter.get("/receipt").decode("utf-8")).group(1)

            code = None
            while code is None:
                _retrying(choose)
                code = _retrying(cast)
            out.write(code + "\n")
            out.flush()
            os.fsync(out.fileno())


@pytest.mark.slow
def test_power_cuts_lose_no_receipted_ballot_and_store_none_twice(tmp_path):
    station_folder = demo_station_data(tmp_path / "demo")
    port = free_port()

    def start() -> subprocess.Popen:
        return serve_station(station_folder, port)

    receipts = tmp_path / "receipts.txt"
    server = start()
    context = multiprocessing.get_context("fork")
    tablets = [context.Process(target=tablet, args=(port, receipts, seed)) for seed in range(TABLETS)]
    for process in tablets:
        process.start()
    rng = random.Random(2026)
    cuts = 0
    try:
        while any(process.is_alive() for process in tablets):
            time.sleep(rng.uniform(0.3, 1.5))
            server.send_signal(signal.SIGKILL)
            server.wait()
            cuts += 1
            server = start()
    finally:
        for process in tablets:
            process.join(timeout=120)
        server.send_signal(signal.SIGKILL)
        server.wait()
    assert all(process.exitcode == 0 for process in tablets)

    seen = receipts.read_text(encoding="utf-8").split()
    assert len(seen) == TABLETS * CASTS_PER_TABLET and cuts >= 5
    app = create_app(data_dir=station_folder)
    with app.app_context():
        records = store.records()
        stored = [envelope.tracking_code(record.hash) for record in records]
        assert [record.sequence for record in records] == list(range(1, len(records) + 1))
        assert len(set(record.ballot_id for record in records)) == len(records)
        envelope.verify_chain(records)
        assert store.db.session.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"
        store.db.engine.dispose()
    assert sorted(stored) == sorted(seen), "a receipt without a record, or a record nobody saw a receipt for"

    server = start()
    try:
        checker = HttpVoter("127.0.0.1", port)
        health = _retrying(lambda: checker.request("GET", "/healthz"))
        checker.connection.close()
        assert health[0] == 200 and f'"ballots_cast":{len(seen)}' in health[2].decode().replace(" ", "")
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"power cuts: {cuts}; casts with a receipt: {len(seen)}; records stored: {len(stored)}; lost: 0; doubled: 0")
