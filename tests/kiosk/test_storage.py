"""What the station stores: durable settings, an append-only chain, no readable vote."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from helpers import Voter
from vallokal.election import envelope, keys
from vallokal.kiosk import store
from vallokal.kiosk.extensions import db

from vallokal.demo import PROJECTS


def database_file(app) -> Path:
    return Path(app.instance_path) / "station.sqlite3"


def test_every_connection_uses_wal_and_full_sync(app):
    with app.app_context():
        assert db.session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(sa.text("PRAGMA synchronous")).scalar() == 2


def test_database_holds_no_readable_choice(app, voter, sealing_key):
    chosen = ["lekplats", "sommarbio", "fontaner"]
    voter.vote(project=chosen)
    words = {project_id for project_id, *_ in PROJECTS} | {title for _, _, title, *_ in PROJECTS}
    connection = sqlite3.connect(database_file(app))
    tables = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    for table in tables:
        if table == "election_package":
            continue
        for row in connection.execute(f"SELECT * FROM {table}"):
            text = " ".join(str(value) for value in row)
            assert not any(word in text for word in words), (table, row)
    raw = b"".join(path.read_bytes() for path in database_file(app).parent.glob("station.sqlite3*"))
    assert b"lekplats" not in raw.replace(b"election_package", b"")
    connection.close()
    with app.app_context():
        record = store.records()[0]
    opened = envelope.open_sealed(record.sealed, sealing_key, record.election_id, record.device_id, record.ballot_id)
    assert opened == {"selected": sorted(chosen)}


def test_ballot_records_cannot_be_changed_or_deleted(app, voter):
    voter.vote(project=["bankar"])
    connection = sqlite3.connect(database_file(app))
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        connection.execute("UPDATE ballot_record SET sealed = 'x'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        connection.execute("DELETE FROM ballot_record")
    connection.close()


def test_concurrent_voters_make_one_unbroken_signed_chain(app):
    errors: list[BaseException] = []

    def vote_several() -> None:
        try:
            voter = Voter(app.test_client())
            for _ in range(6):
                voter.vote(project=["bankar", "odling"])
                voter.post("/done", token_from="/receipt")
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=vote_several) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with app.app_context():
        records = store.records()
        signatures = db.session.scalars(sa.select(store.BallotRecord.signature).order_by(store.BallotRecord.sequence)).all()
        device_public = keys.public_text(app.extensions["vallokal_device_key"])
    assert [record.sequence for record in records] == list(range(1, 25))
    assert envelope.verify_chain(records) == records[-1].hash
    for record, signature in zip(records, signatures):
        record.verify(signature, device_public)


def test_events_log_no_casts(app, voter):
    """A cast is in the ballot chain only (to its minute); the log would time it to the microsecond."""
    voter.vote(project=["bankar"])
    with app.app_context():
        kinds = [event.kind for event in store.recent_events()]
    assert {"package_loaded", "polls_opened"} <= set(kinds)
    assert "ballot_cast" not in kinds


def test_restarting_keeps_the_device_and_its_ballots(app, voter):
    from vallokal.kiosk import create_app, prepare

    voter.vote(project=["bankar"])
    again = create_app({"AUTHORITY_KEY": app.config["AUTHORITY_KEY"]}, data_dir=app.instance_path)
    prepare(again)
    with again.app_context():
        assert store.ballots_cast() == 1
        assert store.station().device_id == db.session.get(store.Station, 1).device_id
        assert store.current_package().id == "tensta-2026"
