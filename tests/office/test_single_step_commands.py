"""The commands for single steps of the setup and the vote, as a script or a curious clerk runs them."""

from __future__ import annotations

import json

from click.testing import CliRunner
from syncing import bundle_of, cast, post_bundle
from vallokal.sync.office import store as office_store

from vallokal.cli import cli


def office_command(election, *arguments: str):
    environment = {"VALLOKAL_AUTHORITY_KEY": election.office.config["AUTHORITY_KEY"]}
    if election.office.config["DATABASE_URL"]:
        environment["VALLOKAL_DATABASE_URL"] = election.office.config["DATABASE_URL"]
    return CliRunner().invoke(cli, [*arguments, "--data", election.office.instance_path], env=environment)


def test_office_status_lists_each_station_and_signing_key_prints_the_public_half(election):
    station = election.station("Tensta bibliotek")
    cast(station, 3)
    assert post_bundle(election, bundle_of(station)).status_code == 200
    status = office_command(election, "office", "status", "--json")
    assert status.exit_code == 0, status.output
    facts = json.loads(status.output)
    assert facts["records"] == 3 and [row["station"] for row in facts["stations"]] == ["Tensta bibliotek"]
    assert facts["stations"][0]["high_water"] == 3 and facts["stations"][0]["missing"] == []
    shown = office_command(election, "office", "signing-key")
    assert shown.exit_code == 0, shown.output
    from vallokal.election import keys

    assert keys.public_text(election.office.extensions["vallokal_office_key"]) in shown.output


def test_the_eligible_population_is_entered_on_the_command_line_and_bad_numbers_are_refused(election):
    refused = office_command(election, "office", "population", "Tensta", "tolv tusen", "--entered-by", "Anna")
    assert refused.exit_code == 2 and "100 000 000" in refused.output and "Traceback" not in refused.output
    entered = office_command(election, "office", "population", "Tensta", "12 000", "--entered-by", "Anna")
    assert entered.exit_code == 0, entered.output
    with election.office.app_context():
        assert office_store.eligible_population() == {"Tensta": 12000}


def test_station_enrolment_request_and_sync_without_an_office_say_what_happened(make_station, tmp_path):
    app = make_station()
    folder = app.instance_path
    request_file = tmp_path / "request.json"
    written = CliRunner().invoke(cli, ["station", "enrolment-request", "--data", folder, "--out", str(request_file)],
                                 env={"VALLOKAL_AUTHORITY_KEY": app.config["AUTHORITY_KEY"]})
    assert written.exit_code == 0, written.output
    request = json.loads(request_file.read_text(encoding="utf-8"))
    assert request["body"]["station_name"] and request["body"]["device_id"] and request["signature"]
    sent = CliRunner().invoke(cli, ["station", "sync", "--data", folder], env={"VALLOKAL_AUTHORITY_KEY": app.config["AUTHORITY_KEY"]})
    assert sent.exit_code != 0 and "Traceback" not in sent.output
