"""The sealing key split among the board: `office keys` deals the shares, a count takes k of them and names who took part."""

from __future__ import annotations

import json
import re
from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner
from syncing import PASSWORD, bundle_of, cast, finished_job, log_in, now, post_bundle, token
from vallokal.election import shares as sharing
from vallokal.sync.office import counting, jobs, key_shares
from vallokal.sync.office.models import Count, Job

from vallokal.cli import cli

PASSPHRASE = "räkna rösterna noga"
BOARD = ["Amina Hassan", "Bo Ek", "Carin Lund", "Dawit Alemu", "Eija Mäki"]


def deal(election, sealing_key) -> list[str]:
    """The board's five shares of the election's sealing key, written to the office's folder as `office keys` would."""
    split = key_shares.split_sealing_key(Path(election.office.instance_path), sealing_key, BOARD, 3)
    return [share.text for _, share in split]


def tally(election, typed: list[str]):
    """Count with the typed shares and publish, two clerks approving."""
    from vallokal.sync.office import store as office_store

    with election.office.app_context():
        for clerk in ("anna", "bertil"):
            if clerk not in {user.username for user in office_store.db.session.scalars(office_store.sa.select(office_store.OfficeUser))}:
                office_store.add_user(clerk, PASSWORD)
    env = {"VALLOKAL_AUTHORITY_KEY": election.office.config["AUTHORITY_KEY"], "VALLOKAL_CLERK_PASSWORD": PASSWORD, "VALLOKAL_SECOND_CLERK_PASSWORD": PASSWORD}
    if election.office.config["DATABASE_URL"]:
        env["VALLOKAL_DATABASE_URL"] = election.office.config["DATABASE_URL"]
    arguments = ["office", "tally", "--data", election.office.instance_path, "--publish", "--by", "anna", "--approved-by", "bertil"]
    return CliRunner().invoke(cli, arguments, env=env, input="".join(f"{text}\n" for text in typed))


def synced_votes(election) -> None:
    station = election.station("Tensta bibliotek")
    cast(station, 4, ("bankar",))
    assert post_bundle(election, bundle_of(station)).status_code == 200


def test_office_keys_deals_three_of_five_shares_and_keeps_no_whole_sealing_key(tmp_path):
    office = tmp_path / "office"
    names = [arg for name in BOARD for arg in ("--member", name)]
    made = CliRunner().invoke(cli, ["office", "keys", "--data", str(office), "--passphrase", PASSPHRASE, *names, "--sheets", str(tmp_path / "sheets")])
    assert made.exit_code == 0, made.output
    assert "split 3 of 5" in made.output and "Carin Lund" in made.output
    assert not (office / "office-sealing.pem").exists()
    assert "ENCRYPTED" in (office / "authority-signing.pem").read_text()
    board = json.loads((office / "office-sealing-shares.json").read_text())
    assert board["threshold"] == 3 and sorted(board["holders"].values()) == sorted(BOARD)
    assert "PRIVATE KEY" not in (office / "office-sealing-shares.json").read_text()
    sheets = sorted((tmp_path / "sheets").iterdir())
    assert len(sheets) == 5
    texts = []
    for number, sheet in enumerate(sheets, start=1):
        page = sheet.read_text()
        share = re.search(rf"\b{number}-[0-9A-Z*~$=]{{4}}(?:-[0-9A-Z*~$=]{{1,4}}){{6}}", page).group(0)
        texts.append(share)
        assert BOARD[number - 1] in page and "<svg" in page and "3 av valnämndens 5" in page
    public = json.loads((office / "authority-keys.json").read_text())["office_sealing"]
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from vallokal.election import keys

    opened = sharing.open_key(board["wrapped"], [sharing.parse(text) for text in texts[1:4]], 3)
    assert keys.public_text(X25519PrivateKey.from_private_bytes(opened)) == public


def test_office_keys_with_one_share_keeps_the_passphrase_for_a_trial(tmp_path):
    made = CliRunner().invoke(cli, ["office", "keys", "--data", str(tmp_path / "office"), "--passphrase", PASSPHRASE, "--shares", "1"])
    assert made.exit_code == 0, made.output
    assert "TRIAL" in made.output and (tmp_path / "office" / "office-sealing.pem").exists()
    assert not (tmp_path / "office" / "office-sealing-shares.json").exists()


def test_office_keys_refuses_a_board_that_makes_no_sense(tmp_path):
    for arguments, reason in ((["--threshold", "6"], "threshold"), (["--threshold", "1"], "threshold"), (["--member", "Bo"], "1 names for 5 shares")):
        made = CliRunner().invoke(cli, ["office", "keys", "--data", str(tmp_path / "office"), "--passphrase", PASSPHRASE, *arguments])
        assert made.exit_code == 2 and reason in made.output and "Traceback" not in made.output
    assert not (tmp_path / "office" / "authority-signing.pem").exists()


def test_three_shares_open_the_count_and_the_protocol_names_who_took_part(election, sealing_key):
    shares = deal(election, sealing_key)
    synced_votes(election)
    done = tally(election, [shares[4], shares[0], shares[2]])
    assert done.exit_code == 0, done.output
    assert "4 valid, 0 invalid" in done.output and "share 5 (Eija Mäki) accepted" in done.output
    protocol = election.office.test_client().get("/results/protocol").get_data(as_text=True)
    for name in ("Amina Hassan", "Carin Lund", "Eija Mäki"):
        assert name in protocol
    assert "Bo Ek" not in protocol and "Dawit Alemu" not in protocol


def test_two_shares_do_not_open_the_count(election, sealing_key):
    shares = deal(election, sealing_key)
    synced_votes(election)
    done = tally(election, shares[:2])
    assert done.exit_code != 0 and "valid" not in done.output and "Traceback" not in done.output
    assert election.office.test_client().get("/results/").status_code == 200
    with election.office.app_context():
        from vallokal.sync.office import counting

        assert counting.all_counts() == []


def test_a_mistyped_share_is_refused_and_asked_again(election, sealing_key):
    shares = deal(election, sealing_key)
    synced_votes(election)
    number, _, rest = shares[1].partition("-")
    typo = f"{number}-{'1' if rest[0] != '1' else '2'}{rest[1:]}"
    done = tally(election, [shares[0], typo, shares[0], shares[1], shares[3]])
    assert done.exit_code == 0, done.output
    assert "refused: share 2 does not pass its check" in done.output
    assert "share 1 (Amina Hassan) was given already" in done.output


def test_a_share_from_the_wrong_board_is_refused(election, sealing_key, tmp_path):
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    ours = deal(election, sealing_key)
    theirs = [share.text for _, share in key_shares.split_sealing_key(tmp_path / "other", X25519PrivateKey.generate(), BOARD, 3)]
    synced_votes(election)
    done = tally(election, [ours[0], ours[1], theirs[2]])
    assert done.exit_code == 1 and "do not open the sealing key" in done.output


def test_the_board_counts_from_the_office_pages(election, staff, sealing_key):
    shares = deal(election, sealing_key)
    synced_votes(election)
    log_in(staff)
    form = staff.get("/counts").get_data(as_text=True)
    assert 'name="share_3"' in form and 'name="share_4"' not in form and 'name="passphrase"' not in form
    few = staff.post("/counts", data={"csrf_token": token(staff, "/counts"), "share_1": shares[0], "share_2": shares[1]})
    assert few.status_code == 422 and "3 different board members" in few.get_data(as_text=True)
    typo = staff.post("/counts", data={"csrf_token": token(staff, "/counts"), "share_1": shares[0], "share_2": shares[1], "share_3": shares[2][:-1] + "*"})
    assert typo.status_code == 422
    started = staff.post("/counts", data={"csrf_token": token(staff, "/counts"), "share_1": shares[1], "share_2": shares[2], "share_3": shares[3]})
    assert started.status_code == 303
    done = finished_job(staff, started.headers["Location"])
    count_id = int(re.search(r"/counts/(\d+)/", done.headers["Location"]).group(1))
    protocol = staff.get(f"/counts/{count_id}/protocol").get_data(as_text=True)
    assert "Bo Ek" in protocol and "Carin Lund" in protocol and "Dawit Alemu" in protocol and "Amina Hassan" not in protocol


def test_a_count_interrupted_by_a_restart_goes_on_once_the_board_types_its_shares_again(election, staff, sealing_key):
    from vallokal.sync.office import store as office_store

    shares = deal(election, sealing_key)
    synced_votes(election)
    log_in(staff)
    with election.office.app_context():
        office_store.db.session.add(Job(kind=jobs.COUNT, state="running", phase="opening", done=2, total=4, message="", requested_by="anna", queued_at=now()))
        office_store.db.session.commit()
        job_id = office_store.db.session.scalar(sa.select(Job.id))
    assert jobs.recover(election.office) == 1
    waiting = staff.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert 'name="share_3"' in waiting and 'name="passphrase"' not in waiting
    too_few = staff.post(f"/jobs/{job_id}/key", data={"csrf_token": token(staff, f"/jobs/{job_id}"), "share_1": shares[0], "share_2": shares[4]})
    assert too_few.status_code == 422 and "3 different board members" in too_few.get_data(as_text=True)
    with election.office.app_context():
        assert office_store.db.session.scalar(sa.select(sa.func.count()).select_from(Count)) == 0
    given = staff.post(f"/jobs/{job_id}/key", data={"csrf_token": token(staff, f"/jobs/{job_id}"), "share_1": shares[0], "share_2": shares[2], "share_3": shares[4]})
    done = finished_job(staff, given.headers["Location"])
    assert done.status_code == 303
    with election.office.app_context():
        count = office_store.db.session.scalars(sa.select(Count)).one()
        assert counting.outcome(count)["valid"] == 4
    protocol = staff.get(f"/counts/{count.id}/protocol").get_data(as_text=True)
    assert "Amina Hassan" in protocol and "Carin Lund" in protocol and "Eija Mäki" in protocol and "Bo Ek" not in protocol


def test_a_count_with_the_trial_passphrase_says_so_in_the_protocol(election, staff, sealing_key):
    from vallokal.election import keys

    keys.write_private(sealing_key, Path(election.office.instance_path) / "office-sealing.pem", PASSPHRASE)
    synced_votes(election)
    log_in(staff)
    started = staff.post("/counts", data={"csrf_token": token(staff, "/counts"), "passphrase": PASSPHRASE})
    done = finished_job(staff, started.headers["Location"])
    count_id = int(re.search(r"/counts/(\d+)/", done.headers["Location"]).group(1))
    protocol = staff.get(f"/counts/{count_id}/protocol").get_data(as_text=True)
    assert "one person could open every ballot" in protocol or "en person" in protocol
