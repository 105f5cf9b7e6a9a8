"""Follow-up: participation figures for the board (exact for clerks, suppressed on paper and in exports),
and what became of each winning project, on the public results and in an Atom feed."""

from __future__ import annotations

import csv
import io
import json

import feedparser
from click.testing import CliRunner
from syncing import bundle_of, cast, log_in, now, post_bundle, token
from vallokal.sync.office import counting, store as office_store

from vallokal.cli import cli


def vote_at_three_stations(election, sealing_key, publish=True):
    for name, ballots in (("Tensta bibliotek", 30), ("Hjulsta skola", 3), ("Rinkeby träffpunkt", 12)):
        station = election.station(name)
        cast(station, ballots, ("bankar", "odling"))
        assert post_bundle(election, bundle_of(station)).status_code == 200
    with election.office.app_context():
        count_id = counting.run(sealing_key, "test", now()).id
        if publish:
            counting.publish(count_id, now(), published_by="anna", approved_by="berit")
    return count_id


def test_clerks_see_exact_figures_and_the_board_sees_small_ones_hidden(election, staff, sealing_key):
    vote_at_three_stations(election, sealing_key)
    log_in(staff)
    page = staff.get("/participation/").get_data(as_text=True)
    assert "Hjulsta skola" in page and ">3<" in page and ">45<" in page.replace(" ", "")
    printed = staff.get("/participation/print").get_data(as_text=True)
    assert "under 10" in printed and ">3<" not in printed
    rows = list(csv.reader(io.StringIO(staff.get("/participation.csv").get_data(as_text=True))))
    stations = {label: value for breakdown, label, value in rows[1:] if breakdown == "stations"}
    assert stations == {"Hjulsta skola": "<10", "Rinkeby träffpunkt": "suppressed", "Tensta bibliotek": "30"}, "Hjulsta would follow from the total minus the others"


def test_the_command_prints_the_same_figures_as_json(election, sealing_key):
    vote_at_three_stations(election, sealing_key)
    office_folder = election.office.instance_path
    environment = {"VALLOKAL_AUTHORITY_KEY": election.office.config["AUTHORITY_KEY"]}
    if election.office.config["DATABASE_URL"]:
        environment["VALLOKAL_DATABASE_URL"] = election.office.config["DATABASE_URL"]
    result = CliRunner().invoke(cli, ["office", "participation", "--data", office_folder, "--json"], env=environment)
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert set(document) >= {"stations", "days", "hour_bands", "channels", "total"}
    assert document["stations"]["Hjulsta skola"] == "<10" and document["total"] == 45
    assert document["channels"] == {"stations": 45, "paper": 0}


def test_turnout_against_the_eligible_population_entered_by_a_clerk(election, staff, sealing_key):
    vote_at_three_stations(election, sealing_key)
    log_in(staff)
    for area, population, message in (("", "100", "1 till 200"), ("Tensta", "12x", "heltal"), ("Tensta", "9" * 30, "heltal"), ("Tensta", "0", "heltal")):
        answer = staff.post("/participation/population", data={"csrf_token": token(staff, "/participation/"), "area": area, "population": population})
        assert answer.status_code == 422 and message in answer.get_data(as_text=True)
    with election.office.app_context():
        assert office_store.eligible_population() == {}
    answer = staff.post("/participation/population", data={"csrf_token": token(staff, "/participation/"), "area": "Tensta", "population": "1 500"})
    assert answer.status_code == 302
    assert "3.0 %" in staff.get("/participation/").get_data(as_text=True)


def test_what_became_of_a_winner_is_shown_with_its_history_and_in_a_feed(election, staff, sealing_key):
    vote_at_three_stations(election, sealing_key)
    log_in(staff)
    form = lambda **fields: {"csrf_token": token(staff, "/follow-up/"), "date": "2027-05-01", "text-sv": "", "text-en": "", **fields}
    assert staff.post("/follow-up/bankar", data=form(status="planned", **{"text-sv": "Bänkarna beställs i maj."})).status_code == 302
    refused = staff.post("/follow-up/odling", data=form(status="cancelled", **{"text-sv": "Stoppat."}))
    assert refused.status_code == 422 and "Skriv varför" in refused.get_data(as_text=True)
    assert staff.post("/follow-up/odling", data=form(status="cancelled", reason="Marken är förorenad", **{"text-sv": "Stoppat."})).status_code == 302
    assert staff.post("/follow-up/not-a-winner", data=form(status="done", **{"text-sv": "x"})).status_code == 404
    assert staff.post("/follow-up/bankar", data=form(status="started", date="31 maj", **{"text-sv": "x"})).status_code == 422
    assert staff.post("/follow-up/bankar", data=form(status="done", date="2027-09-01", **{"text-sv": "Bänkarna står på torget."})).status_code == 302

    resident = election.office.test_client()
    page = resident.get("/results/follow-up").get_data(as_text=True)
    assert page.index("Bänkarna står på torget.") < page.index("Bänkarna beställs i maj."), "newest first"
    assert "Marken är förorenad" in page
    feed = feedparser.parse(resident.get("/results/follow-up.atom").get_data())
    assert not feed.bozo, feed.bozo_exception
    assert len(feed.entries) == 3 and feed.entries[0].summary.startswith("2027-09-01")
    assert any("Marken är förorenad" in entry.summary for entry in feed.entries)


def test_nothing_to_follow_up_before_a_count_is_published(election, staff, sealing_key):
    vote_at_three_stations(election, sealing_key, publish=False)
    assert election.office.test_client().get("/results/follow-up.atom").status_code == 404
    log_in(staff)
    assert "ingen rösträkning har publicerats" in staff.get("/follow-up/").get_data(as_text=True)
