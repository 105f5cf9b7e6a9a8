"""The station's outbox: push over HTTP, trust only signed answers, export to a stick."""

from __future__ import annotations

import hashlib
import http.server
import threading
import time

import pytest
from click.testing import CliRunner
from syncing import cast, now
from vallokal.kiosk import outbox, store as station_store
from vallokal.sync import bundle as bundles
from vallokal.sync.office import store as office_store

from vallokal.cli import cli


def push(station, **options):
    with station.app_context():
        return outbox.push(**options)


def test_push_delivers_everything_and_resumes_where_the_office_is(election, live_office):
    station = election.station(OFFICE_URL=live_office, SYNC_BATCH=4)
    cast(station, 10)
    result = push(station)
    assert result.acknowledged == 10 and result.pending == 0 and result.bundles == 3
    cast(station, 3)
    assert push(station).acknowledged == 13
    assert station.test_client().get("/healthz").get_json()["unsynced"] == 0
    with station.app_context():
        mine = [record.hash for record in station_store.records()]
    assert [record_hash for _, _, record_hash in election.office_records()] == mine


def test_a_station_that_lost_its_sync_state_resumes_from_the_office(election, live_office):
    station = election.station(OFFICE_URL=live_office)
    cast(station, 5)
    push(station)
    with station.app_context():
        station_store.note_sync(now(), acknowledged=0)
    result = push(station)
    assert result.acknowledged == 5 and result.bundles == 0
    assert len(election.office_records()) == 5


class Portal(http.server.BaseHTTPRequestHandler):
    """A library's captive portal: every request gets 200 and a login page."""

    body = b"<html><body>Please log in to the library wifi</body></html>"

    def do_GET(self):  # noqa: N802 (the standard library's name)
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(self.body)

    do_POST = do_GET

    def log_message(self, *arguments):
        pass


class ForgedAcknowledgement(Portal):
    body = b'{"body": {"type": "vallokal-device-status", "device_id": "x", "high_water": 999}, "signature": "AAAA"}'


@pytest.mark.parametrize("impostor", [Portal, ForgedAcknowledgement])
def test_a_captive_portal_or_forged_answer_is_never_taken_for_delivery(election, impostor):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), impostor)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        station = election.station(OFFICE_URL=f"http://127.0.0.1:{server.server_port}")
        cast(station, 3)
        with pytest.raises(outbox.SyncError):
            push(station)
        with station.app_context():
            assert station_store.unsynced() == 3
            assert station_store.sync_state().last_error
    finally:
        server.shutdown()
        server.server_close()


def test_an_unreachable_office_is_an_error_not_a_crash(election):
    station = election.station(OFFICE_URL="http://127.0.0.1:9", SYNC_TIMEOUT_SECONDS=2)
    cast(station, 1)
    with pytest.raises(outbox.SyncError, match="could not be reached"):
        push(station)
    assert station.test_client().get("/healthz").get_json()["unsynced"] == 1


def test_file_export_and_import_end_in_the_same_state_as_the_network(election, live_office, tmp_path):
    station = election.station(OFFICE_URL=live_office)
    cast(station, 12)
    with station.app_context():
        files = outbox.export(tmp_path / "stick")
    with election.office.app_context():
        for path in files:
            office_store.ingest(path.read_bytes(), "file", now())
    by_file = election.office_records()
    with station.app_context():
        assert [record.hash for record in station_store.records()] == [record_hash for _, _, record_hash in by_file]
    assert push(station).acknowledged == 12
    assert election.office_records() == by_file


def test_the_closing_report_travels_and_the_office_checks_it(election, live_office):
    station = election.station(OFFICE_URL=live_office)
    cast(station, 4)
    with station.app_context():
        station_store.close_polls(now())
        head = station_store.chain_head()
    push(station)
    with election.office.app_context():
        closing = office_store.stations()[0]["closing"]
    assert closing["ballots"] == 4 and closing["head"] == head and closing["matches"]


@pytest.mark.parametrize("election_options", [{"check_in": "code", "code_hashes": [hashlib.sha256(b"CODE").hexdigest()]}])
def test_a_code_used_at_two_stations_is_resolved_by_the_documented_rule(election, live_office):
    code_hash = hashlib.sha256(b"CODE").hexdigest()
    first = election.station("Station A", OFFICE_URL=live_office)
    second = election.station("Station B", OFFICE_URL=live_office)
    cast(first, 1, code_hash=code_hash)
    cast(second, 1, code_hash=code_hash)
    push(first)
    push(second)
    with election.office.app_context():
        (duplicate,) = office_store.code_duplicates()
        alerts = [alert.kind for alert in office_store.alerts()]
    counted = duplicate["counted"]
    ordered = sorted([duplicate["counted"], *duplicate["not_counted"]], key=lambda row: (row.cast_minute, row.device_id, row.sequence))
    assert counted == ordered[0] and len(duplicate["not_counted"]) == 1
    assert "code_used_twice" in alerts


def test_the_background_outbox_sends_soon_after_a_cast(election, live_office):
    station = election.station(OFFICE_URL=live_office, SYNC_INTERVAL_SECONDS=0.2)
    sender = outbox.Outbox(station)
    sender.start()
    try:
        cast(station, 3)
        sender.wake()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(election.office_records()) < 3:
            time.sleep(0.1)
    finally:
        sender.stop()
    assert len(election.office_records()) == 3


def test_backoff_grows_with_jitter_and_has_a_ceiling(election):
    station = election.station(enrol=False)
    sender = outbox.Outbox(station)
    delays = [sender.backoff(failures) for failures in range(1, 15)]
    assert delays[0] <= 1.0 and delays[5] >= 16
    assert max(delays) <= outbox.LONGEST_BACKOFF_SECONDS
    assert len({round(sender.backoff(6), 6) for _ in range(20)}) > 1


def on_a_stick(election, tmp_path, ballots: int) -> tuple[CliRunner, list[str]]:
    """A station's records exported by its command to a stick, and the office's data folder ready for `office import`."""
    station = election.station()
    cast(station, ballots)
    settings = f'AUTHORITY_KEY = "{election.office.config["AUTHORITY_KEY"]}"\n'
    if election.office.config["DATABASE_URL"]:
        settings += f'DATABASE_URL = "{election.office.config["DATABASE_URL"]}"\n'
    (tmp_path / "office" / "office.toml").write_text(settings)
    (tmp_path / "station-1" / "station.toml").write_text(f'AUTHORITY_KEY = "{election.office.config["AUTHORITY_KEY"]}"\n')
    runner = CliRunner()
    exported = runner.invoke(cli, ["station", "export", "--data", station.instance_path, "--out", str(tmp_path / "stick")])
    assert exported.exit_code == 0, exported.output
    return runner, sorted(str(path) for path in (tmp_path / "stick").iterdir())


def test_station_and_office_commands_carry_records_on_a_stick(election, tmp_path):
    runner, files = on_a_stick(election, tmp_path, 5)
    imported = runner.invoke(cli, ["office", "import", "--data", str(tmp_path / "office"), *files])
    assert imported.exit_code == 0, imported.output
    assert "5 new records" in imported.output
    again = runner.invoke(cli, ["office", "import", "--data", str(tmp_path / "office"), *files])
    assert "0 new records, 5 already here" in again.output
    bad = tmp_path / "bad.bundle"
    bad.write_bytes(b"junk")
    refused = runner.invoke(cli, ["office", "import", "--data", str(tmp_path / "office"), str(bad)])
    assert refused.exit_code == 1 and "refused" in refused.output and "Traceback" not in refused.output


def test_office_import_checks_the_signatures_itself_and_leaves_no_thread_behind(election, tmp_path):
    """The command used to start the background verifier in a thread and close the database under it as it ended
    (on PostgreSQL a connection was left open, found by the garbage collector in a later test)."""
    runner, files = on_a_stick(election, tmp_path, 3)
    imported = runner.invoke(cli, ["office", "import", "--data", str(tmp_path / "office"), *files])
    assert imported.exit_code == 0, imported.output
    assert "Checked 3 records' own signatures: 0 failed" in imported.output
    assert not [thread for thread in threading.enumerate() if thread.name == "vallokal-office-jobs"]
    with election.office.app_context():
        assert office_store.totals()["unchecked"] == 0


def test_an_exported_bundle_holds_no_readable_choice(election, tmp_path):
    station = election.station()
    cast(station, 3, ("lekplats", "odling"))
    with station.app_context():
        files = outbox.export(tmp_path / "stick")
    text = "".join(bundles.decompress(path.read_bytes()).decode("utf-8") for path in files)
    assert files and "lekplats" not in text and "odling" not in text


def test_after_close_a_station_with_records_pending_never_waits_more_than_a_minute(election):
    station = election.station(OFFICE_URL="http://127.0.0.1:9")
    sender = outbox.Outbox(station)
    assert max(sender.backoff(failures, sender.closing_with_pending()) for failures in range(1, 20)) > 60
    cast(station, 2)
    with station.app_context():
        station_store.close_polls(now())
    assert sender.closing_with_pending()
    delays = [sender.backoff(failures, sender.closing_with_pending()) for failures in range(1, 20)]
    assert max(delays) <= outbox.LONGEST_BACKOFF_AFTER_CLOSE_SECONDS <= 60


def test_a_wake_ends_the_background_senders_backoff_at_once(election, live_office):
    station = election.station(OFFICE_URL=live_office, SYNC_FIRST_BACKOFF_SECONDS=120)
    sender = outbox.Outbox(station)
    station.config["OFFICE_URL"] = "http://127.0.0.1:9"
    sender.start()
    try:
        cast(station, 2)
        time.sleep(0.5)
        station.config["OFFICE_URL"] = live_office
        sender.wake()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(election.office_records()) < 2:
            time.sleep(0.1)
    finally:
        sender.stop()
    assert len(election.office_records()) == 2
