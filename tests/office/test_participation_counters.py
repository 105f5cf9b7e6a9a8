"""The stations' anonymous participation counters: per station and local day, never per record, never in cast order.

Ballots are cast in a known order with known languages and settings at two stations, the same voters in
opposite orders; nothing stored at the stations or the office, nothing exported or published, tells the
two apart or ties a counter to a record.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from helpers import Voter
from syncing import bundle_of, log_in, now, post_bundle
from vallokal.kiosk import store as station_store
from vallokal.sync import bundle as bundles
from vallokal.sync.office import counting, publication, store as office_store
from vallokal.sync.office.models import ParticipationCounter

from vallokal.cli import cli
from vallokal.demo_texts import in_all_languages

# (language, text size, colours, opens help, changes a choice after the review, survey answers or None to skip)
VOTERS = [
    ("ar", "largest", "dark", True, False, {"survey-age": "18_29", "survey-first_time": "yes", "survey-heard": "school"}),
    ("sv", "normal", "default", False, False, None),
    ("en", "large", "default", False, True, {"survey-age": "65_plus"}),
    ("fi", "normal", "light", True, False, None),
    ("sv", "normal", "default", False, False, {"survey-age": "30_64", "survey-first_time": "no", "survey-heard": "letter"}),
    ("so", "larger", "dark", False, True, None),
]


def vote_as(voter: Voter, language, text_size, contrast, opens_help, changes, survey) -> None:
    voter.post("/settings", {"language": language, "text_size": text_size, "contrast": contrast, "next": "/"})
    assert voter.check_in().status_code == 302
    if opens_help:
        assert voter.client.get("/help").status_code == 200
    assert voter.choose(project=["bankar"]).status_code == 302
    if changes:
        assert voter.client.get("/review").status_code == 200
        assert voter.choose(project=["bankar", "odling"]).status_code == 302
    assert voter.cast().status_code == 302
    if survey is None:
        assert voter.post("/done", token_from="/receipt").status_code == 302
    else:
        assert voter.post("/survey", survey, token_from="/receipt").status_code == 302


def walk_away(voter: Voter) -> None:
    assert voter.check_in().status_code == 302
    assert voter.post("/done", token_from="/ballot").status_code == 302


def station_with(election, name, voters):
    station = election.station(name)
    voter = Voter(station.test_client())
    for number, profile in enumerate(voters):
        vote_as(voter, *profile)
        if number == 2:
            walk_away(voter)
    return station


def stored_rows(station) -> list[tuple]:
    """The counter table as SQLite keeps it on disk, in storage order (no ORDER BY)."""
    path = station.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as database:
        rows = database.execute("SELECT * FROM participation_counter").fetchall()
        schema = database.execute("SELECT sql FROM sqlite_master WHERE name = 'participation_counter'").fetchone()[0]
        tables = {name: [column[1] for column in database.execute(f"PRAGMA table_info({name})")] for (name,) in database.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
    database.close()
    return rows, schema, tables


@pytest.fixture
def make_document(make_document):
    """The demo package in all six languages, with its survey."""
    return lambda **options: in_all_languages(make_document(**options))


def test_two_orders_of_the_same_voters_leave_the_same_traces(election, sealing_key):
    forward = station_with(election, "Tensta bibliotek", VOTERS)
    backward = station_with(election, "Hjulsta skola", VOTERS[::-1])

    forward_rows, schema, tables = stored_rows(forward)
    backward_rows, _, _ = stored_rows(backward)
    assert forward_rows == backward_rows, "the stored counters, in storage order, do not depend on who came first"
    assert "WITHOUT ROWID" in schema.upper()
    assert tables["participation_counter"] == ["day", "name", "count"]
    assert {column for columns in tables.values() for column in columns} >= {"day", "name", "count"}
    assert not any("language" in column or "survey" in column for name, columns in tables.items() if name != "participation_counter" for column in columns)
    counted = {name: count for _, name, count in forward_rows}
    assert counted["ballots"] == 6 and counted["sessions:abandoned"] == 1
    assert counted["language:sv"] == 2 and counted["language:ar"] == counted["language:so"] == counted["language:fi"] == 1
    assert counted["language:sv-easy"] == 0, "every name of the day is there, at zero, from the first cast"
    assert counted["feature:help"] == 2 and counted["feature:changed_on_review"] == 2 and counted["feature:speech"] == 0
    assert counted["survey:answered"] == 3 and counted["survey:not_answered"] == 3 and counted["survey:age:65_plus"] == 1
    assert counted["survey:heard:none"] == 1, "the voter who answered only the age left the others unanswered"
    assert counted["time:under_2"] == 6
    assert len({day for day, _, _ in forward_rows}) == 1, "one local day, no finer time"

    for station in (forward, backward):
        with station.app_context():
            station_store.close_polls(now())
        assert post_bundle(election, bundle_of(station)).status_code == 200
    with election.office.app_context():
        office_rows = office_store.db.session.execute(
            sa.select(ParticipationCounter.device_id, ParticipationCounter.day, ParticipationCounter.name, ParticipationCounter.count)
        ).all()
        columns = [column.name for column in ParticipationCounter.__table__.columns]
    assert columns == ["device_id", "day", "name", "count"], "per station and day, never beside a record"
    by_device: dict[str, set] = {}
    for device_id, day, name, count in office_rows:
        by_device.setdefault(device_id, set()).add((day, name, count))
    first, second = by_device.values()
    assert first == second and ("ballots" in {name for _, name, _ in first})

    environment = {"VALLOKAL_AUTHORITY_KEY": election.office.config["AUTHORITY_KEY"]}
    if election.office.config["DATABASE_URL"]:
        environment["VALLOKAL_DATABASE_URL"] = election.office.config["DATABASE_URL"]
    result = CliRunner().invoke(cli, ["office", "participation", "--data", election.office.instance_path, "--json"], env=environment)
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert list(document["languages"]) == sorted(document["languages"]), "labels in a fixed order, never in order of arrival"
    assert document["languages"] == {"ar": "<10", "en": "<10", "fi": "<10", "so": "<10", "sv": "<10"}
    assert document["sessions"] == {"cast": 12, "abandoned": "<10"}
    assert set(document["survey:age"]) == {"under_18", "18_29", "30_64", "65_plus", "none"}

    with election.office.app_context():
        count = counting.run(sealing_key, "test", now())
        made = publication.make(count, now())
        counting.publish(count.id, now(), published_by="anna", approved_by="berit")
        files = publication.files(made)
    published = b"".join(files.values())
    assert b"ballots.pb" in b"".join(name.encode() for name in files) or files
    for trace in (b"language:", b"survey:", b"sessions:abandoned", b"text_size", b"18_29"):
        assert trace not in published, f"{trace!r} is not verification material"


def test_a_station_that_sends_no_counters_is_read_as_before(election):
    station = election.station()
    Voter(station.test_client()).vote(project=["bankar"])
    with station.app_context():
        from vallokal.kiosk import outbox

        status = outbox.status()
        del status["counters"]
        package = office_package(election)
        data = bundles.build([], outbox.certificate(), station.extensions["vallokal_device_key"], package.id,
                             station_device(station), now().isoformat(timespec="seconds"), None, status)
    assert post_bundle(election, data).status_code == 200


def test_counters_that_are_not_counters_are_refused_whole(election):
    station = election.station()
    for counters, message in (
        ({"2027-13-40": {"ballots": 1}}, "not a day"),
        ({"2027-03-02": {"Ballots; DROP": 1}}, "not a counter name"),
        ({"2027-03-02": {"ballots": -1}}, "whole number"),
        ({"2027-03-02": {"ballots": True}}, "whole number"),
        ({"2027-03-02": ["ballots"]}, "at most"),
        ([], "at most"),
    ):
        with station.app_context():
            from vallokal.kiosk import outbox

            status = {**outbox.status(), "counters": counters}
            data = bundles.build([], outbox.certificate(), station.extensions["vallokal_device_key"], office_package(election).id,
                                 station_device(station), now().isoformat(timespec="seconds"), None, status)
        answer = post_bundle(election, data)
        assert answer.status_code == 400 and message in answer.get_json()["error"], (counters, answer.get_json())
    with election.office.app_context():
        assert office_store.counter_totals() == {}


def test_a_later_status_never_lowers_a_counter(election):
    station = election.station()
    voter = Voter(station.test_client())
    voter.vote(project=["bankar"])
    early = bundle_of(station)
    voter.vote(project=["odling"])
    assert post_bundle(election, bundle_of(station)).status_code == 200
    assert post_bundle(election, early).status_code == 200
    with election.office.app_context():
        assert office_store.counter_totals()["ballots"] == 2


def test_clerks_see_the_counters_exactly_and_the_board_sees_them_suppressed(election, staff):
    station = election.station()
    voter = Voter(station.test_client())
    for number in range(14):
        vote_as(voter, "en" if number < 3 else "sv", "normal", "default", number == 0, False, None)
    assert post_bundle(election, bundle_of(station)).status_code == 200
    log_in(staff)
    page = staff.get("/participation/").get_data(as_text=True)
    assert "Röster vid stationerna per språk" in page
    assert ">3<" in page and ">11<" in page
    printed = staff.get("/participation/print").get_data(as_text=True)
    assert ">3<" not in printed and ">11<" not in printed, "English would follow from the total minus Swedish"
    csv_text = staff.get("/participation.csv").get_data(as_text=True)
    rows = {(breakdown, label): value for breakdown, label, value in csv.reader(io.StringIO(csv_text))}
    assert (rows[("languages", "en")], rows[("languages", "sv")]) == ("<10", "suppressed")
    assert rows[("features", "help")] == "<10" and rows[("sessions", "cast")] == "14"


def office_package(election):
    with election.office.app_context():
        return office_store.require_election()


def station_device(station) -> str:
    from vallokal.kiosk import store

    return store.station().device_id
