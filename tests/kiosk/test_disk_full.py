"""A station whose disk fills up: casting stops with a clear message to the voter and the staff, and nothing stored is damaged.

The station's data folder sits on a small tmpfs when this runs as root (as CI
does); otherwise SQLite's page limit stands in for the full disk.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from helpers import STAFF_PIN, Voter
from sqlalchemy import event
from vallokal.election import envelope, keys, package as packages
from vallokal.kiosk import create_app, prepare, store


class SmallDisk:
    """A folder whose free space the test can use up and give back."""

    def __init__(self, folder: Path, mounted: bool) -> None:
        self.folder = folder
        self.mounted = mounted
        self.filler = folder / "filler"
        self.extra_pages = 0

    def fill(self, app) -> None:
        if self.mounted:
            free = os.statvfs(self.folder).f_bavail * os.statvfs(self.folder).f_frsize
            self.filler.write_bytes(b"\0" * max(free - 48 * 1024, 0))
        else:
            with app.app_context():
                pages = store.db.session.execute(sa.text("PRAGMA page_count")).scalar()
            self.extra_pages = pages + 12

    def free(self) -> None:
        if self.mounted:
            self.filler.unlink()
        else:
            self.extra_pages = 1_000_000


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[SmallDisk]:
    folder = tmp_path / "disk"
    folder.mkdir()
    mounted = os.geteuid() == 0 and subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)], capture_output=True).returncode == 0
    try:
        yield SmallDisk(folder, mounted)
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_full_disk_stops_casting_clearly_and_damages_nothing(small_disk, authority_key, make_document):
    app = create_app({"AUTHORITY_KEY": keys.public_text(authority_key), "STATION_NAME": "Liten disk"}, data_dir=small_disk.folder / "station")
    prepare(app)
    now = datetime.now(timezone.utc)
    with app.app_context():
        store.load_package(packages.build_file(make_document(), authority_key), now)
        store.set_pin(STAFF_PIN)
        store.open_polls(now)
        if not small_disk.mounted:
            @event.listens_for(store.db.engine, "connect")
            def _limit(connection, record):
                if small_disk.extra_pages:
                    connection.execute(f"PRAGMA max_page_count = {small_disk.extra_pages}")

            store.db.engine.dispose()
    voter = Voter(app.test_client())
    receipts = [voter.vote(project=["bankar"]) for _ in range(3)]
    small_disk.fill(app)
    if not small_disk.mounted:
        with app.app_context():
            store.db.engine.dispose()

    refused = None
    for _ in range(400):
        assert voter.check_in().status_code == 302
        assert voter.choose(project=["odling", "bankar"]).status_code == 302
        answer = voter.cast()
        if answer.status_code == 302:
            receipts.append(voter.receipt_code())
            continue
        refused = answer
        break
    assert refused is not None, "the disk never filled"
    assert refused.status_code == 503
    assert "lagringen på röstningsstället är full" in refused.get_data(as_text=True) and "Dina val finns kvar" in refused.get_data(as_text=True)
    status = voter.client.get("/healthz").get_json()
    assert status["storage_full"] is True and status["ballots_cast"] == len(receipts)

    staff = Voter(app.test_client())
    staff.post("/staff/login", {"pin": STAFF_PIN}, token_from="/staff/login")
    assert "Lagringen är full" in staff.client.get("/staff/").get_data(as_text=True)

    with app.app_context():
        records = store.records()
        assert [envelope.tracking_code(record.hash) for record in records] == receipts
        envelope.verify_chain(records)
        assert store.db.session.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"

    small_disk.free()
    if not small_disk.mounted:
        with app.app_context():
            store.db.engine.dispose()
    assert voter.cast().status_code == 302, "the voter's choices were kept, so the same vote can be cast once there is room"
    assert voter.client.get("/healthz").get_json()["storage_full"] is False
