"""Ballots from other channels: paper typed in twice, and vote files from other platforms, counted with the stations'."""

from __future__ import annotations

import io

import pytest
from click.testing import CliRunner
from syncing import PASSWORD, add_second_clerk, approved, bundle_of, cast, log_in, now, post_bundle, token
from vallokal.sync.office import channels, counting, store as office_store

from vallokal.cli import cli


def enter(election, sheet, projects, by):
    with election.office.app_context():
        channels.enter_paper(sheet, {"selected": list(projects)}, by, now())


def test_a_paper_ballot_counts_when_two_people_typed_it_alike(election, sealing_key):
    enter(election, "P-1", ["bankar"], "anna")
    enter(election, "P-1", ["bankar"], "bo")
    enter(election, "P-2", ["odling"], "anna")
    enter(election, "P-3", ["odling"], "anna")
    enter(election, "P-3", ["odling", "bankar"], "bo")
    with election.office.app_context():
        states = {sheet["sheet"]: sheet["state"] for sheet in channels.paper_sheets()}
        assert states == {"P-1": "agreed", "P-2": "waiting", "P-3": "mismatch"}
        with pytest.raises(channels.ChannelError, match="another person must type it"):
            channels.enter_paper("P-2", {"selected": ["odling"]}, "anna", now())
    enter(election, "P-3", ["odling"], "cecilia")
    station = election.station()
    cast(station, 2, ("lekplats",))
    assert post_bundle(election, bundle_of(station)).status_code == 200
    with election.office.app_context():
        result = counting.outcome(counting.run(sealing_key, "test", now()))
    assert result["channels"]["paper"]["valid"] == 2 and result["channels"]["station"]["valid"] == 2
    assert result["channels"]["paper"]["scores"]["bankar"] == 1 and result["channels"]["paper"]["scores"]["odling"] == 1
    assert result["valid"] == 4


def test_a_paper_ballot_that_breaks_the_rule_is_counted_as_invalid(election, sealing_key):
    with election.office.app_context():
        package = office_store.require_election()
        everything = [project.id for project in package.projects]
    enter(election, "P-9", everything, "anna")
    enter(election, "P-9", everything, "bo")
    with election.office.app_context():
        result = counting.outcome(counting.run(sealing_key, "test", now()))
    assert result["invalid"] == {"over_budget": 1} and result["channels"]["paper"]["invalid"] == 1


def test_votes_from_a_pabulib_file_and_a_csv_file_are_imported_once(election, sealing_key):
    pb = (
        b"META\nkey;value\nbudget;1000000\nvote_type;approval\nnum_projects;2\nnum_votes;2\n"
        b"PROJECTS\nproject_id;cost\nbankar;60000\nodling;95000\n"
        b"VOTES\nvoter_id;vote\nx1;bankar,odling\nx2;odling\n"
    )
    csv_file = "\ufeffvoter_id;vote\r\n1;lekplats\r\n2;\"bankar,lekplats\"\r\n".encode()
    with election.office.app_context():
        assert channels.import_votes(pb, "platform.pb", "Stockholms e-tjänst", "anna", now(), approved_by="bertil").ballots == 2
        assert channels.import_votes(csv_file, "platform.csv", "Stockholms e-tjänst", "anna", now(), approved_by="bertil").ballots == 2
        with pytest.raises(channels.ChannelError, match="imported before") as again:
            channels.import_votes(pb, "copy.pb", "Stockholms e-tjänst", "anna", now(), approved_by="bertil")
        assert again.value.status == 409
        result = counting.outcome(counting.run(sealing_key, "test", now()))
    assert result["channels"]["import"]["valid"] == 4
    assert result["channels"]["import"]["scores"]["lekplats"] == 2 and result["channels"]["import"]["scores"]["odling"] == 2


@pytest.mark.parametrize(
    "content, message",
    [
        (b"voter_id;choice\n1;bankar\n", "column named vote"),
        (b"vote\nnope\n", "line 2: project 'nope' is not in this election"),
        (b"META\nkey;value\nbudget;10\n", "not a valid Pabulib file"),
        (b"META\nkey;value\nbudget;10\nPROJECTS\nproject_id;cost\nX9;5\nVOTES\nvoter_id;vote\n1;X9\n", "X9 are not in this election"),
        ("vote\nbankar\n".encode("utf-16"), "not UTF-8"),
        (b"vote\n", "holds no votes"),
    ],
)
def test_a_bad_vote_file_is_refused_with_the_reason_and_nothing_is_stored(election, content, message):
    with election.office.app_context():
        with pytest.raises(channels.ChannelError, match=message):
            channels.import_votes(content, "bad.csv", "test", "anna", now(), approved_by="bertil")
        assert channels.imported_files() == []


def test_staff_type_paper_ballots_and_import_files_from_the_office_pages(election, staff, tmp_path):
    add_second_clerk(election)
    log_in(staff)
    saved = staff.post("/paper", data={"csrf_token": token(staff, "/paper"), "sheet": "A-17", "project": ["bankar", "odling"]})
    assert saved.status_code == 200 and "A-17" in saved.get_data(as_text=True)
    twice = staff.post("/paper", data={"csrf_token": token(staff, "/paper"), "sheet": "A-17", "project": ["bankar"]})
    assert twice.status_code == 409
    bad = staff.post("/paper", data={"csrf_token": token(staff, "/paper"), "sheet": "", "project": ["bankar"]})
    assert bad.status_code == 422
    uploaded = staff.post(
        "/imports",
        data=approved({"csrf_token": token(staff, "/imports"), "source": "E-tjänst", "file": (io.BytesIO(b"vote\nbankar\n"), "votes.csv")}),
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 200 and "votes.csv" in uploaded.get_data(as_text=True)
    refused = staff.post(
        "/imports",
        data=approved({"csrf_token": token(staff, "/imports"), "source": "E-tjänst", "file": (io.BytesIO(b"\xff\xfe"), "junk.csv")}),
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422 and "UTF-8" in refused.get_data(as_text=True)
    missing = staff.post("/imports", data=approved({"csrf_token": token(staff, "/imports"), "source": "x"}), content_type="multipart/form-data")
    assert missing.status_code == 422


def test_the_import_votes_command(election, staff, tmp_path):
    add_second_clerk(election)
    votes = tmp_path / "votes.csv"
    votes.write_text("vote\nodling\n", encoding="utf-8")
    env = {"VALLOKAL_AUTHORITY_KEY": election.office.config["AUTHORITY_KEY"], "VALLOKAL_CLERK_PASSWORD": PASSWORD, "VALLOKAL_SECOND_CLERK_PASSWORD": PASSWORD}
    if election.office.config["DATABASE_URL"]:
        env["VALLOKAL_DATABASE_URL"] = election.office.config["DATABASE_URL"]
    folder = election.office.instance_path
    done = CliRunner().invoke(cli, ["office", "import-votes", "--data", folder, str(votes), "--source", "E-tjänst", "--by", "anna", "--approved-by", "bertil"], env=env)
    assert done.exit_code == 0 and "1 votes from E-tjänst imported" in done.output
    again = CliRunner().invoke(cli, ["office", "import-votes", "--data", folder, str(votes), "--source", "E-tjänst", "--by", "anna", "--approved-by", "bertil"], env=env)
    assert again.exit_code == 1 and "imported before" in again.output and "Traceback" not in again.output
