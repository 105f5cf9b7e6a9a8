"""The board at the office: counts as background jobs, records held until two clerks decide, four eyes on what changes the outcome."""

from __future__ import annotations

import io
import os
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from syncing import PASSWORD, SECOND_CLERK, add_second_clerk, approved, bundle_of, cast, finished_job, log_in, now, post_bundle, token
from vallokal.election import keys
from vallokal.kiosk import outbox, store as station_store
from vallokal.sync import bundle as bundles
from vallokal.sync.office import counting, jobs, store as office_store
from vallokal.sync.office.models import AuditEntry, Count, Device, Job, OfficeUser

from vallokal.cli import cli

PASSPHRASE = "räkna rösterna noga"


def synced(election, station, after: int = 0) -> None:
    assert post_bundle(election, bundle_of(station, after)).status_code == 200


def counted(election, sealing_key) -> dict:
    with election.office.app_context():
        return counting.outcome(counting.run(sealing_key, "test", now()))


def with_sealing_key(election, sealing_key) -> None:
    keys.write_private(sealing_key, Path(election.office.instance_path) / "office-sealing.pem", PASSPHRASE)


def cast_at(station, moment, projects=("bankar",), code_hash=None) -> None:
    """A ballot signed with the station's own key, at a minute the caller chooses (as a thief with the key could)."""
    cast(station, 1, projects, code_hash=code_hash, moment=moment)


def cli_env(election) -> dict[str, str]:
    env = {"VALLOKAL_AUTHORITY_KEY": election.office.config["AUTHORITY_KEY"], "VALLOKAL_SEALING_PASSPHRASE": PASSPHRASE,
           "VALLOKAL_CLERK_PASSWORD": PASSWORD, "VALLOKAL_SECOND_CLERK_PASSWORD": PASSWORD}
    if election.office.config["DATABASE_URL"]:
        env["VALLOKAL_DATABASE_URL"] = election.office.config["DATABASE_URL"]
    return env


# The count off the request ----------------------------------------------------------------


def test_a_count_from_the_page_returns_at_once_shows_progress_and_then_the_result(election, staff, sealing_key):
    with_sealing_key(election, sealing_key)
    station = election.station()
    cast(station, 13, ("lekplats",))
    synced(election, station)
    log_in(staff)
    started_at = time.monotonic()
    started = staff.post("/counts", data={"csrf_token": token(staff, "/counts"), "passphrase": PASSPHRASE})
    answered_in = time.monotonic() - started_at
    assert started.status_code == 303 and re.search(r"/jobs/\d+$", started.headers["Location"])
    assert answered_in < 2.0
    progress = staff.get(started.headers["Location"])
    if progress.status_code == 200:
        page = progress.get_data(as_text=True)
        assert 'data-poll="1"' in page and "<progress" in page and "http-equiv" not in page
    done = finished_job(staff, started.headers["Location"])
    assert done.status_code == 303, done.get_data(as_text=True)
    result = staff.get(done.headers["Location"]).get_data(as_text=True)
    assert "Lekplats" in result and ">13<" in result
    with election.office.app_context():
        job = office_store.db.session.scalars(sa.select(Job)).one()
        assert (job.state, job.done, job.total, job.requested_by) == ("done", 13, 13, "anna")


def test_one_count_at_a_time_and_a_count_interrupted_by_a_restart_starts_again_once_the_key_is_given(election, staff, sealing_key):
    with_sealing_key(election, sealing_key)
    station = election.station()
    cast(station, 3, ("odling",))
    synced(election, station)
    log_in(staff)
    with election.office.app_context():
        # The office stopped while counting: the job is left running, nothing of the count stored.
        office_store.db.session.add(Job(kind=jobs.COUNT, state="running", phase="checking", done=1, total=3, message="", requested_by="anna", queued_at=now()))
        office_store.db.session.commit()
        job_id = office_store.db.session.scalar(sa.select(Job.id))
    again = staff.post("/counts", data={"csrf_token": token(staff, "/counts"), "passphrase": PASSPHRASE})
    assert again.headers["Location"].endswith(f"/jobs/{job_id}")
    assert jobs.recover(election.office) == 1
    waiting = staff.get(f"/jobs/{job_id}")
    assert waiting.status_code == 200 and f"/jobs/{job_id}/key" in waiting.get_data(as_text=True)
    wrong = staff.post(f"/jobs/{job_id}/key", data={"csrf_token": token(staff, f"/jobs/{job_id}"), "passphrase": "fel"})
    assert wrong.status_code == 422
    given = staff.post(f"/jobs/{job_id}/key", data={"csrf_token": token(staff, f"/jobs/{job_id}"), "passphrase": PASSPHRASE})
    done = finished_job(staff, given.headers["Location"])
    assert done.status_code == 303
    with election.office.app_context():
        assert office_store.db.session.scalar(sa.select(sa.func.count()).select_from(Count)) == 1
        assert counting.outcome(office_store.db.session.scalars(sa.select(Count)).one())["valid"] == 3


def test_a_count_that_fails_says_why_and_stores_nothing(election, staff, sealing_key, monkeypatch):
    with_sealing_key(election, sealing_key)
    station = election.station()
    cast(station, 2)
    synced(election, station)
    log_in(staff)

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(counting, "save", broken)
    started = staff.post("/counts", data={"csrf_token": token(staff, "/counts"), "passphrase": PASSPHRASE})
    page = finished_job(staff, started.headers["Location"])
    assert page.status_code == 200 and 'data-state="failed"' in page.get_data(as_text=True)
    assert "disk on fire" not in page.get_data(as_text=True)
    with election.office.app_context():
        assert office_store.db.session.scalar(sa.select(sa.func.count()).select_from(Count)) == 0


def test_the_tally_bar_is_as_long_as_what_is_counted(election, sealing_key, tmp_path):
    with_sealing_key(election, sealing_key)
    first, second = election.station("Tensta"), election.station("Rinkeby")
    cast(first, 3, ("bankar",))
    cast(second, 1, ("odling",), code_hash="d" * 64)
    cast(first, 1, ("odling",), code_hash="d" * 64)
    synced(election, first)
    synced(election, second)
    votes = tmp_path / "votes.csv"
    votes.write_text("vote\nodling\nbankar\n", encoding="utf-8")
    with election.office.app_context():
        office_store.add_user("anna", PASSWORD)
    add_second_clerk(election)
    folder = election.office.instance_path
    imported = CliRunner().invoke(cli, ["office", "import-votes", "--data", folder, str(votes), "--source", "E", "--by", "anna", "--approved-by", SECOND_CLERK], env=cli_env(election))
    assert imported.exit_code == 0, imported.output
    done = CliRunner().invoke(cli, ["office", "tally", "--data", folder], env=cli_env(election))
    assert done.exit_code == 0, done.output
    assert "held for the board: 2 undecided" in done.output
    with election.office.app_context():
        job = office_store.db.session.scalars(sa.select(Job)).one()
        result = counting.outcome(office_store.db.session.scalars(sa.select(Count)).one())
    assert job.total == job.done == result["valid"] + sum(result["invalid"].values()) == 3 + 2


# Held records ------------------------------------------------------------------------------


@pytest.mark.parametrize("election_options", [{"check_in": "code", "code_hashes": [digit * 64 for digit in "e123"]}])
def test_a_stolen_key_back_dating_a_record_with_a_real_code_voids_no_ballot(election, sealing_key, staff):
    """Finding 1: the forged record no longer wins by being earliest; both are held, side by side, for the board."""
    code_hash = "e" * 64
    genuine, stolen = election.station("Tensta bibliotek"), election.station("Rinkeby träffpunkt")
    cast(genuine, 1, ("bankar",), code_hash=code_hash)
    cast(genuine, 1, ("lekplats",), code_hash="1" * 64)
    cast(genuine, 1, ("lekplats",), code_hash="2" * 64)
    cast(stolen, 1, ("odling",), code_hash="3" * 64)
    cast_at(stolen, now() - timedelta(minutes=30), ("odling",), code_hash=code_hash)
    synced(election, genuine)
    synced(election, stolen)

    result = counted(election, sealing_key)
    scores = {project["id"]: project["score"] for project in result["projects"]}
    assert scores["bankar"] == 0 and scores["odling"] == 1 and scores["lekplats"] == 2
    assert result["held"]["undecided"] == 2 and result["received"] == 5
    with election.office.app_context():
        reasons = sorted((item["station"], item["hold"].reason) for item in office_store.held_records())
    assert reasons == [
        ("Rinkeby träffpunkt", "before_package_load"), ("Rinkeby träffpunkt", "before_zero_report"), ("Rinkeby träffpunkt", "code_used_twice"),
        ("Rinkeby träffpunkt", "earlier_than_predecessor"), ("Tensta bibliotek", "code_used_twice"),
    ]
    log_in(staff)
    page = staff.get("/held").get_data(as_text=True)
    assert page.count("Tensta bibliotek") >= 2 and page.count("Rinkeby träffpunkt") >= 2


def test_a_decision_needs_two_different_clerks_and_a_reason_and_appears_in_the_protocol(election, sealing_key, staff):
    code_hash = "f" * 64
    first, second = election.station("Tensta"), election.station("Rinkeby")
    cast(first, 1, ("bankar",), code_hash=code_hash)
    cast(second, 1, ("odling",), code_hash=code_hash)
    synced(election, first)
    synced(election, second)
    add_second_clerk(election)
    log_in(staff)
    staff.get("/held")
    with election.office.app_context():
        office_store.hold_new_suspicious()
        holds = {item["station"]: item["hold"].id for item in office_store.held_records()}
    form = lambda hold_id, **extra: {"csrf_token": token(staff, "/held"), "decision": "count", "reason": "the voter confirmed at Tensta", **extra}
    assert staff.post(f"/held/{holds['Tensta']}", data=form(holds["Tensta"])).status_code == 422
    assert staff.post(f"/held/{holds['Tensta']}", data=approved(form(holds["Tensta"]), username="anna")).status_code == 422
    assert staff.post(f"/held/{holds['Tensta']}", data=approved(form(holds["Tensta"]), password="wrong password!")).status_code == 422
    assert staff.post(f"/held/{holds['Tensta']}", data=approved(form(holds["Tensta"], reason=" "))).status_code == 422
    with election.office.app_context():
        assert all(item["hold"].decision is None for item in office_store.held_records())
    assert staff.post(f"/held/{holds['Tensta']}", data=approved(form(holds["Tensta"]))).status_code == 303
    assert staff.post(f"/held/{holds['Tensta']}", data=approved(form(holds["Tensta"]))).status_code == 422
    assert staff.post("/held/99999", data=approved(form(0))).status_code == 404
    with election.office.app_context():
        decided = {item["station"]: item["hold"] for item in office_store.held_records()}
        assert (decided["Tensta"].decision, decided["Tensta"].decided_by, decided["Tensta"].approved_by) == ("count", "anna", SECOND_CLERK)
        count_id = counting.run(sealing_key, "anna", now()).id
        entry = office_store.db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "decide_held")).one()
        assert (entry.done_by, entry.approved_by) == ("anna", SECOND_CLERK)
    protocol = staff.get(f"/counts/{count_id}/protocol").get_data(as_text=True)
    assert "the voter confirmed at Tensta" in protocol and SECOND_CLERK in protocol and "undecided" in protocol


def test_publishing_is_refused_while_held_records_are_undecided_unless_the_board_says_so(election, sealing_key, staff):
    code_hash = "a" * 64
    first, second = election.station("Tensta"), election.station("Rinkeby")
    cast(first, 2, ("bankar",))
    cast(first, 1, ("bankar",), code_hash=code_hash)
    cast(second, 1, ("odling",), code_hash=code_hash)
    synced(election, first)
    synced(election, second)
    add_second_clerk(election)
    with election.office.app_context():
        count = counting.run(sealing_key, "anna", now())
        assert counting.held(count)["undecided"] == 2
        with pytest.raises(counting.CountError, match="2 held record"):
            counting.publish(count.id, now(), published_by="anna", approved_by=SECOND_CLERK)
        with pytest.raises(office_store.NotApproved):
            counting.publish(count.id, now(), published_by="anna", approved_by="anna", with_undecided=True)
        count_id = count.id
    log_in(staff)
    refused = staff.post(f"/counts/{count_id}/publish", data=approved({"csrf_token": token(staff, "/counts")}))
    assert refused.status_code == 409 and "held" in refused.get_data(as_text=True)
    assert "Inget resultat har publicerats ännu" in election.office.test_client().get("/results/").get_data(as_text=True)
    published = staff.post(f"/counts/{count_id}/publish", data=approved({"csrf_token": token(staff, "/counts"), "with_undecided": "yes"}))
    assert published.status_code == 303
    protocol = election.office.test_client().get("/results/protocol").get_data(as_text=True)
    assert re.search(r'id="held-undecided">2<', protocol) and protocol.count("inte avgjord") >= 2


def test_records_before_the_zero_report_or_package_load_or_outside_the_window_are_held(election, sealing_key, monkeypatch):
    """The station's signed status (bundle version 2) says when it printed its zero report and loaded the package."""
    monkeypatch.setattr(station_store, "window_refusal", lambda package, moment: None)  # a thief with the key needs no station's checks
    station = election.station("Tensta")
    with election.office.app_context():
        package = office_store.require_election()
    cast_at(station, now() - timedelta(minutes=20))
    cast_at(station, now())
    cast_at(station, package.closes + timedelta(days=1))
    data = bundle_of(station)
    assert bundles.read(data).body["version"] == 2 and bundles.read(data).status["zero_report_at"] is not None
    assert post_bundle(election, data).status_code == 200
    result = counted(election, sealing_key)
    with election.office.app_context():
        reasons = sorted((item["sequence"], item["hold"].reason) for item in office_store.held_records())
        device = office_store.db.session.scalars(sa.select(Device)).one()
        assert device.zero_report_at == bundles.read(data).status["zero_report_at"]
    assert reasons == [(1, "before_package_load"), (1, "before_zero_report"), (3, "outside_window")]
    assert result["valid"] == 1 and result["held"]["undecided"] == 2


def test_a_version_1_bundle_without_status_is_still_accepted(election, sealing_key):
    station = election.station("Tensta")
    cast(station, 2)
    with station.app_context():
        package = station_store.current_package()
        data = bundles.build(station_store.signed_records(0, 10), outbox.certificate(), station.extensions["vallokal_device_key"], package.id,
                             station_store.station().device_id, now().isoformat(timespec="seconds"))
    assert bundles.read(data).body["version"] == 1 and bundles.read(data).status is None
    assert post_bundle(election, data).status_code == 200
    assert counted(election, sealing_key)["valid"] == 2


@pytest.mark.parametrize("status", [
    {"zero_report_at": "yesterday", "package_loaded_at": None, "nonce": "0" * 32},
    {"zero_report_at": None, "package_loaded_at": None, "nonce": "short"},
    {"zero_report_at": None, "package_loaded_at": None},
])
def test_a_malformed_status_is_refused_with_a_reason(election, status):
    station = election.station("Tensta")
    cast(station, 1)
    with station.app_context():
        package = station_store.current_package()
        data = bundles.build(station_store.signed_records(0, 10), outbox.certificate(), station.extensions["vallokal_device_key"], package.id,
                             station_store.station().device_id, now().isoformat(timespec="seconds"), status=status)
    answer = post_bundle(election, data)
    assert answer.status_code == 400 and "status" in answer.get_json()["error"]
    assert election.office_records() == []


def test_records_of_a_device_revoked_with_a_compromise_time_are_held(election, sealing_key):
    station = election.station("Tensta")
    cast_at(station, now() - timedelta(hours=2))
    cast_at(station, now() - timedelta(hours=1))
    cast_at(station, now())
    synced(election, station)
    with election.office.app_context():
        device_id = office_store.db.session.scalar(sa.select(Device.device_id))
        office_store.revoke(device_id, "stolen from the library", now(), compromised_at=now() - timedelta(minutes=90))
    result = counted(election, sealing_key)
    assert result["held"]["undecided"] == 3
    with election.office.app_context():
        held = {item["sequence"] for item in office_store.held_records() if item["hold"].reason == "after_compromise"}
    # Each record arrived after the compromise time (in one bundle, just now), so every one is held.
    assert held == {1, 2, 3} and result["valid"] == 0


@pytest.mark.parametrize("election_options", [{"check_in": "code", "code_hashes": ["b" * 64]}])
def test_the_held_and_decide_commands(election, sealing_key):
    code_hash = "b" * 64
    first, second = election.station("Tensta"), election.station("Rinkeby")
    cast(first, 1, ("bankar",), code_hash=code_hash)
    cast(second, 1, ("odling",), code_hash=code_hash)
    synced(election, first)
    synced(election, second)
    with election.office.app_context():
        office_store.add_user("anna", PASSWORD)
    add_second_clerk(election)
    folder = election.office.instance_path
    listed = CliRunner().invoke(cli, ["office", "held", "--data", folder], env=cli_env(election))
    assert listed.exit_code == 0 and listed.output.count("UNDECIDED") == 2 and "Tensta" in listed.output and "Rinkeby" in listed.output
    hold_id = re.search(r"^(\d+): code_used_twice: Tensta", listed.output, re.M).group(1)
    alone = CliRunner().invoke(cli, ["office", "decide", "--data", folder, hold_id, "--count", "--reason", "first", "--by", "anna", "--approved-by", "anna"], env=cli_env(election))
    assert alone.exit_code == 1 and "someone else" in alone.output
    done = CliRunner().invoke(cli, ["office", "decide", "--data", folder, hold_id, "--count", "--reason", "first", "--by", "anna", "--approved-by", SECOND_CLERK], env=cli_env(election))
    assert done.exit_code == 0, done.output
    assert "decided by anna and bertil" in done.output


# Four eyes ---------------------------------------------------------------------------------


def test_one_clerk_alone_can_neither_import_votes_nor_publish(election, staff, sealing_key, tmp_path):
    """Finding 4."""
    log_in(staff)
    upload = lambda **extra: {"csrf_token": token(staff, "/imports"), "source": "E-tjänst", "file": (io.BytesIO(b"vote\n" + b"bankar\n" * 300), "votes.csv"), **extra}
    alone = staff.post("/imports", data=upload(), content_type="multipart/form-data")
    assert alone.status_code == 422
    myself = staff.post("/imports", data=upload(second_user="anna", second_password=PASSWORD), content_type="multipart/form-data")
    assert myself.status_code == 422
    add_second_clerk(election)
    with election.office.app_context():
        assert office_store.imported_ballots() == []
    together = staff.post("/imports", data=upload(second_user=SECOND_CLERK, second_password=PASSWORD), content_type="multipart/form-data")
    assert together.status_code == 200
    with election.office.app_context():
        assert len(office_store.imported_ballots()) == 300
        entry = office_store.db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "import_votes")).one()
        assert (entry.done_by, entry.approved_by) == ("anna", SECOND_CLERK)
        count_id = counting.run(sealing_key, "anna", now()).id
    folder = election.office.instance_path
    alone = CliRunner().invoke(cli, ["office", "publish", "--data", folder, str(count_id), "--by", "anna"], env=cli_env(election))
    assert alone.exit_code == 1 and "two different clerks" in alone.output
    wrong = CliRunner().invoke(cli, ["office", "publish", "--data", folder, str(count_id), "--by", "anna", "--approved-by", SECOND_CLERK],
                               env={**cli_env(election), "VALLOKAL_SECOND_CLERK_PASSWORD": "not the password"})
    assert wrong.exit_code == 1 and "wrong" in wrong.output
    done = CliRunner().invoke(cli, ["office", "publish", "--data", folder, str(count_id), "--by", "anna", "--approved-by", SECOND_CLERK], env=cli_env(election))
    assert done.exit_code == 0, done.output


def test_add_user_never_silently_resets_a_password(election, staff):
    folder = election.office.instance_path
    env = cli_env(election)
    again = CliRunner().invoke(cli, ["office", "add-user", "--data", folder, "anna", "--password", "another long password"], env=env)
    assert again.exit_code == 1 and "--reset-password" in again.output
    assert log_in(staff).status_code == 302
    reset = CliRunner().invoke(cli, ["office", "add-user", "--data", folder, "anna", "--password", "another long password", "--reset-password"], env=env)
    assert reset.exit_code == 0, reset.output
    with election.office.app_context():
        entry = office_store.db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "reset_password")).one()
        assert "anna" in entry.detail
        assert office_store.db.session.scalar(sa.select(sa.func.count()).select_from(OfficeUser)) == 1


def test_a_rehearsal_protocol_says_rehearsal(election, sealing_key):
    station = election.station()
    cast(station, 1)
    synced(election, station)
    with election.office.app_context():
        for clerk in office_store.REHEARSAL_CLERKS:
            office_store.add_user(clerk, PASSWORD)
        count = counting.run(sealing_key, office_store.REHEARSAL_CLERKS[0], now())
        counting.publish(count.id, now(), published_by=office_store.REHEARSAL_CLERKS[0], approved_by=office_store.REHEARSAL_CLERKS[1])
    assert 'id="rehearsal"' in election.office.test_client().get("/results/protocol").get_data(as_text=True)


def test_a_rehearsal_office_has_two_built_in_clerks_and_says_rehearsal(election, sealing_key):
    from vallokal.sync.office import prepare

    election.office.config["REHEARSAL"] = True
    prepare(election.office)
    first, second = office_store.REHEARSAL_CLERKS
    with election.office.app_context():
        assert office_store.clerk(first, office_store.REHEARSAL_PASSWORD, now()) == first
        assert office_store.second_clerk(first, second, office_store.REHEARSAL_PASSWORD, now()) == second
        count_id = counting.run(sealing_key, first, now()).id
    client = election.office.test_client()
    log_in(client, office_store.REHEARSAL_PASSWORD, first)
    assert 'id="rehearsal"' in client.get(f"/counts/{count_id}/protocol").get_data(as_text=True)


def test_opening_over_the_cores_counts_as_opening_in_one_process_at_full_priority(election, sealing_key, monkeypatch):
    station = election.station()
    cast(station, 7, ("bankar",))
    cast(station, 4, ("odling", "lekplats"))
    synced(election, station)
    alone = counted(election, sealing_key)
    monkeypatch.setattr(counting, "PARALLEL_FROM", 1)
    monkeypatch.setattr(counting.opening, "CHUNK", 3)
    election.office.config["COUNT_PROCESSES"] = 2
    try:
        shared = counted(election, sealing_key)
        pool = election.office.extensions["vallokal_openers"]
        niceness = {os.getpriority(os.PRIO_PROCESS, pid) for pid in pool._processes}
    finally:
        pool = election.office.extensions.pop("vallokal_openers", None)
        if pool is not None:
            pool.shutdown()
    assert niceness == {os.getpriority(os.PRIO_PROCESS, 0)}, "the count's opening processes yield to nothing: the clerk waits for them"
    assert shared["projects"] == alone["projects"] and shared["valid"] == alone["valid"] == 11
    assert shared["input_hash"] == alone["input_hash"]


def test_the_revoke_command_takes_a_compromise_time(election):
    station = election.station("Tensta")
    cast(station, 2)
    synced(election, station)
    with election.office.app_context():
        device_id = office_store.db.session.scalar(sa.select(Device.device_id))
    since = (now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%MZ")
    done = CliRunner().invoke(cli, ["office", "revoke", "--data", election.office.instance_path, device_id, "--reason", "stolen", "--compromised-since", since],
                              env=cli_env(election))
    assert done.exit_code == 0, done.output
    with election.office.app_context():
        assert {item["sequence"] for item in office_store.held_records() if item["hold"].reason == "after_compromise"} == {1, 2}
    bad = CliRunner().invoke(cli, ["office", "revoke", "--data", election.office.instance_path, device_id, "--reason", "x", "--compromised-since", "igår"],
                             env=cli_env(election))
    assert bad.exit_code == 2 and "Traceback" not in bad.output


# The verifier ------------------------------------------------------------------------------


def bundle_with_a_bad_record_signature(station) -> bytes:
    """A bundle the device signed whole, one of whose records carries a signature that is not its own."""
    with station.app_context():
        items = station_store.signed_records(0, None)
        package = station_store.current_package()
        broken = [items[0], bundles.SignedRecord(items[1].record, items[0].signature), *items[2:]]
        return bundles.build(broken, outbox.certificate(), station.extensions["vallokal_device_key"], package.id,
                             station_store.station().device_id, now().isoformat(timespec="seconds"))


def test_a_record_whose_own_signature_fails_is_held_with_an_alert_and_never_opened(election, sealing_key, staff):
    station = election.station("Tensta")
    cast(station, 3, ("bankar",))
    assert post_bundle(election, bundle_with_a_bad_record_signature(station)).status_code == 200
    log_in(staff)
    assert "ännu inte granskade: 3" in staff.get("/").get_data(as_text=True)
    result = counted(election, sealing_key)
    assert result["valid"] == 2 and result["held"]["undecided"] == 1
    with election.office.app_context():
        held = [(item["sequence"], item["hold"].reason) for item in office_store.held_records()]
        assert held == [(2, "signature_failed")]
        assert any(alert.kind == "held_record" and '"signature_failed"' in alert.detail for alert in office_store.alerts())
        assert office_store.totals()["unchecked"] == 0
    assert "ännu inte granskade: 0" in staff.get("/").get_data(as_text=True)


def test_the_background_verifier_checks_what_arrived(election):
    election.office.config["VERIFY_IN_BACKGROUND"] = True
    station = election.station("Tensta")
    cast(station, 4)
    synced(election, station)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with election.office.app_context():
            job = office_store.db.session.scalars(sa.select(Job).where(Job.kind == office_store.VERIFY)).first()
            if job is not None and job.state in ("done", "failed"):
                break
            office_store.db.session.remove()
        time.sleep(0.05)
    with election.office.app_context():
        assert (job.state, job.done) == ("done", 4)
        assert office_store.totals() == {"records": 4, "devices": 1, "checked": 4, "unchecked": 0}


def test_a_record_committed_with_a_lower_id_while_the_verifier_runs_is_still_checked_before_it_returns(election):
    """Parallel merges may commit ids out of order: the verifier's rounds read by id onwards, and its last round reads all."""
    station = election.station("Tensta")
    cast(station, 4)
    synced(election, station)
    table = office_store.Record.__table__
    with election.office.app_context():
        last = dict(office_store.db.session.execute(sa.select(table).where(table.c.sequence == 4)).mappings().one())
        late = {**last, "id": 0, "sequence": 5, "ballot_id": "f" * 32, "record_hash": "f" * 64}  # not what the device signed
        rounds = []

        def commit_a_record_with_a_lower_id(phase: str, done: int, total: int) -> None:
            rounds.append(done)
            if len(rounds) == 1:
                office_store.db.session.execute(sa.insert(table).values(**late))
                office_store.db.session.commit()

        assert office_store.verify_pending(commit_a_record_with_a_lower_id) == (5, 1)
        assert rounds == [4, 5]
        assert office_store.totals() == {"records": 5, "devices": 1, "checked": 5, "unchecked": 0}
        assert [(item["sequence"], item["hold"].reason) for item in office_store.held_records()] == [(5, "signature_failed")]


# Whatever is stored, the count finishes ------------------------------------------------------

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

PROJECT_CHOICES = st.lists(st.sampled_from(["bankar", "odling", "lekplats", "no-such-project", "bankar"]), min_size=0, max_size=5)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_whatever_well_signed_records_are_stored_the_count_finishes_and_accounts_for_each(election, sealing_key, monkeypatch, data):
    """Every record is counted, invalid with a reason, left out by the one-station code rule, or held."""
    monkeypatch.setattr(station_store.rules, "validate", lambda rule, ballot: [])
    monkeypatch.setattr(station_store, "window_refusal", lambda package, moment: None)
    monkeypatch.setattr(station_store, "clock_problem", lambda moment, executor=None: None)
    if not election.stations:
        election.station("Tensta")
        election.station("Rinkeby")
    for _ in range(data.draw(st.integers(1, 5))):
        station = election.stations[data.draw(st.integers(0, 1))]
        minutes = data.draw(st.integers(-3 * 24 * 60, 40 * 24 * 60))
        code = data.draw(st.sampled_from([None, "1" * 64, "2" * 64]))
        try:
            cast_at(station, now() + timedelta(minutes=minutes), tuple(data.draw(PROJECT_CHOICES)), code_hash=code)
        except station_store.StationError:
            pass  # the station itself refuses a code it has seen; the other station may take it
    for station in election.stations:
        assert post_bundle(election, bundle_of(station)).status_code == 200
    with election.office.app_context():
        stored = office_store.totals()["records"]
    result = counted(election, sealing_key)
    accounted = result["valid"] + sum(result["invalid"].values()) + result["left_out_duplicates"] + result["held"]["undecided"] + result["held"]["left_out"]
    assert result["received"] == stored == accounted
    assert all(reason for reason in result["invalid"])


def test_staff_revoke_with_a_compromise_time_from_the_stations_page(election, staff):
    station = election.station("Tensta")
    cast(station, 2)
    synced(election, station)
    with election.office.app_context():
        device_id = office_store.db.session.scalar(sa.select(Device.device_id))
    log_in(staff)
    bad = staff.post(f"/stations/{device_id}/revoke", data={"csrf_token": token(staff, "/"), "reason": "stolen", "compromised_since": "igår"})
    assert bad.status_code == 422
    since = (now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    done = staff.post(f"/stations/{device_id}/revoke", data={"csrf_token": token(staff, "/"), "reason": "stolen", "compromised_since": since})
    assert done.status_code == 302
    with election.office.app_context():
        assert {item["sequence"] for item in office_store.held_records() if item["hold"].reason == "after_compromise"} == {1, 2}
