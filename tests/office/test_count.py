"""The count at the office: open, strip, check and count the accepted ballots; store, recount, publish."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from syncing import PASSWORD, SECOND_CLERK, add_second_clerk, approved, bundle_of, cast, finished_job, log_in, now, post_bundle, token
from vallokal.election import keys, package as packages
from vallokal.election.rules import Ballot
from vallokal.election.tally import pabulib
from vallokal.kiosk import store as station_store
from vallokal.sync.office import counting, exports, store as office_store
from vallokal.sync.office.models import Count, CountedBallot, CountedCode

from vallokal.cli import cli
from vallokal.simulate import random_ballot

PASSPHRASE = "räkna rösterna noga"


def synced(election, station) -> None:
    assert post_bundle(election, bundle_of(station)).status_code == 200


def run_count(election, sealing_key):
    with election.office.app_context():
        count = counting.run(sealing_key, "test", now())
        return count.id, counting.outcome(count)


def test_a_count_opens_every_ballot_and_counts_it_under_the_package_rule(election, sealing_key):
    tensta, rinkeby = election.station("Tensta bibliotek"), election.station("Rinkeby träffpunkt")
    cast(tensta, 5, ("bankar", "odling"))
    cast(rinkeby, 3, ("bankar",))
    synced(election, tensta)
    synced(election, rinkeby)

    count_id, result = run_count(election, sealing_key)

    scores = {project["id"]: project["score"] for project in result["projects"]}
    assert scores["bankar"] == 8 and scores["odling"] == 5 and sum(scores.values()) == 13
    assert result["winners"] == ["bankar", "odling"]
    assert result["valid"] == 8 and result["invalid"] == {} and result["received"] == 8
    assert result["turnout"]["stations"] == {"Rinkeby träffpunkt": 3, "Tensta bibliotek": 5}
    assert sum(result["turnout"]["days"].values()) == 8
    assert result["spent"] + result["left"] == result["budget"] == 1_000_000


def test_counted_ballots_keep_nothing_that_links_them_to_a_record(election, sealing_key):
    station = election.station()
    with station.test_request_context():
        codes = {station_store.cast(f"token-{number}", Ballot(selected=("lekplats",)), None, station.extensions["vallokal_device_key"], now()) for number in range(6)}
    synced(election, station)
    count_id, _ = run_count(election, sealing_key)
    with election.office.app_context():
        columns = set(CountedBallot.__table__.columns.keys())
        assert columns == {"id", "count_id", "position", "channel", "choices", "invalid_reason"}
        stored = office_store.db.session.scalars(sa.select(CountedBallot.choices).where(CountedBallot.count_id == count_id)).all()
        assert stored == ['{"selected":["lekplats"]}'] * 6
        counted = set(office_store.db.session.scalars(sa.select(CountedCode.code).where(CountedCode.count_id == count_id)))
    assert counted == codes


def test_invalid_and_unopenable_ballots_are_counted_as_invalid_with_their_reason(election, sealing_key, monkeypatch, authority_key, make_document):
    honest = election.station("Tensta bibliotek")
    cast(honest, 2, ("bankar",))
    synced(election, honest)
    monkeypatch.setattr(station_store.rules, "validate", lambda rule, ballot: [])
    broken = election.station("Trasig station")
    cast(broken, 2, ("bankar", "no-such-project"))
    synced(election, broken)
    elsewhere = make_document()
    elsewhere["keys"]["office_sealing"] = keys.public_text(X25519PrivateKey.generate())
    misdirected = election.station("Fel nyckel", package_file=packages.build_file(elsewhere, authority_key))
    cast(misdirected, 1, ("bankar",))
    synced(election, misdirected)

    _, result = run_count(election, sealing_key)

    assert result["valid"] == 2
    assert result["invalid"] == {"unknown_project": 2, "unopenable": 1}
    assert result["received"] == 5
    assert {project["id"]: project["score"] for project in result["projects"]}["bankar"] == 2


def test_a_recount_gives_the_same_hashes_and_a_differing_one_is_impossible_to_miss(election, sealing_key):
    station = election.station()
    cast(station, 4, ("odling",))
    synced(election, station)
    first_id, _ = run_count(election, sealing_key)
    second_id, _ = run_count(election, sealing_key)
    with election.office.app_context():
        first, second = office_store.db.session.get(Count, first_id), office_store.db.session.get(Count, second_id)
        assert (first.input_hash, first.outcome_hash) == (second.input_hash, second.outcome_hash)
        assert second.differs_from is None
        # Someone changes the stored outcome of the first count: the next recount names it.
        office_store.db.session.execute(sa.update(Count).where(Count.id == first_id).values(outcome_hash="0" * 64))
        office_store.db.session.commit()
    third_id, _ = run_count(election, sealing_key)
    with election.office.app_context():
        assert office_store.db.session.get(Count, third_id).differs_from == first_id


def test_more_ballots_change_the_input_hash(election, sealing_key):
    station = election.station()
    cast(station, 2)
    synced(election, station)
    first_id, _ = run_count(election, sealing_key)
    cast(station, 1)
    assert post_bundle(election, bundle_of(station, 2)).status_code == 200
    second_id, result = run_count(election, sealing_key)
    with election.office.app_context():
        hashes = {office_store.db.session.get(Count, count_id).input_hash for count_id in (first_id, second_id)}
    assert len(hashes) == 2 and result["valid"] == 3


def test_an_empty_election_funds_nothing(election, sealing_key):
    _, result = run_count(election, sealing_key)
    assert result["winners"] == [] and result["valid"] == 0 and result["spent"] == 0


def test_a_voting_code_used_at_two_stations_is_held_until_the_board_decides_and_then_counts_once(election, sealing_key):
    code_hash = "c" * 64
    first, second = election.station("Tensta"), election.station("Rinkeby")
    cast(first, 1, ("bankar",), code_hash=code_hash)
    cast(second, 1, ("odling",), code_hash=code_hash)
    synced(election, first)
    synced(election, second)
    _, result = run_count(election, sealing_key)
    assert result["received"] == 2 and result["valid"] == 0 and result["held"]["undecided"] == 2
    with election.office.app_context():
        holds = {item["station"]: item["hold"].id for item in office_store.held_records()}
        office_store.decide_hold(holds["Tensta"], "count", "cast first, the voter confirmed", "anna", "bertil", now())
        office_store.decide_hold(holds["Rinkeby"], "leave_out", "the code was used at Tensta first", "anna", "bertil", now())
    _, result = run_count(election, sealing_key)
    assert result["received"] == 2 and result["valid"] == 1 and result["held"] == {"undecided": 0, "left_out": 1, "counted": 1}
    assert {project["id"]: project["score"] for project in result["projects"]}["bankar"] == 1


def test_the_wrong_sealing_key_is_refused_before_anything_is_opened(election, tmp_path):
    path = tmp_path / "other.pem"
    keys.write_private(X25519PrivateKey.generate(), path, PASSPHRASE)
    with election.office.app_context():
        with pytest.raises(counting.CountError, match="not the sealing key of election"):
            counting.read_sealing_key(path, PASSPHRASE)
        with pytest.raises(counting.CountError, match="passphrase"):
            counting.read_sealing_key(path, None)
        assert office_store.db.session.scalar(sa.select(sa.func.count()).select_from(Count)) == 0


def test_the_tally_command_counts_publishes_and_the_results_page_shows_it(election, sealing_key, tmp_path):
    station = election.station("Tensta bibliotek")
    with station.test_request_context():
        code = station_store.cast("voter-1", Ballot(selected=("bankar",)), None, station.extensions["vallokal_device_key"], now())
    cast(station, 2, ("odling",))
    synced(election, station)
    public = election.office.test_client()
    assert "Inget resultat har publicerats ännu" in public.get("/results/").get_data(as_text=True)
    keys.write_private(sealing_key, tmp_path / "office" / "office-sealing.pem", PASSPHRASE)
    with election.office.app_context():
        office_store.add_user("anna", PASSWORD)
    add_second_clerk(election)

    office_folder = str(tmp_path / "office")
    env = {"VALLOKAL_SEALING_PASSPHRASE": PASSPHRASE, "VALLOKAL_AUTHORITY_KEY": election.office.config["AUTHORITY_KEY"],
           "VALLOKAL_CLERK_PASSWORD": PASSWORD, "VALLOKAL_SECOND_CLERK_PASSWORD": PASSWORD}
    if election.office.config["DATABASE_URL"]:
        env["VALLOKAL_DATABASE_URL"] = election.office.config["DATABASE_URL"]
    command = ["office", "tally", "--data", office_folder, "--publish", "--by", "anna", "--approved-by", SECOND_CLERK]
    wrong = CliRunner().invoke(cli, command, env={**env, "VALLOKAL_SEALING_PASSPHRASE": "wrong"})
    assert wrong.exit_code == 1 and "Traceback" not in wrong.output
    alone = CliRunner().invoke(cli, [*command[:-1], "anna"], env=env)
    assert alone.exit_code == 1 and "someone else" in alone.output
    done = CliRunner().invoke(cli, command, env=env)
    assert done.exit_code == 0, done.output
    assert "3 valid, 0 invalid" in done.output and "published" in done.output

    election.office.config["SESSION_COOKIE_SECURE"] = False
    page = public.get("/results/").get_data(as_text=True)
    assert "Fler bänkar på Tensta torg" in page and "Odlingslådor för grannar" in page
    assert 'class="bar"' in page and "<svg" in page
    answered = public.get("/results/", query_string={"code": code.lower().replace("-", " ")}).get_data(as_text=True)
    assert f"Ja. Valsedeln med spårningskoden {code} är räknad." in answered
    missing = public.get("/results/", query_string={"code": "0000-0000-000"}).get_data(as_text=True)
    assert "Det där är inte en spårningskod" in missing
    unknown = public.get("/results/", query_string={"code": "0000-0000-0000"}).get_data(as_text=True)
    assert "Ingen räknad valsedel har spårningskoden" in unknown or "Det där är inte en spårningskod" in unknown
    codes = public.get("/results/tracking-codes.txt").get_data(as_text=True).split()
    assert code in codes and len(codes) == 3
    exported = json.loads(public.get("/results/results.json").get_data(as_text=True))
    assert exported["valid"] == 3 and exported["winners"] == sorted(exported["winners"], key=exported["winners"].index)
    assert public.get("/results/results.csv").get_data(as_text=True).startswith("project_id,title,cost,approvals,selected")
    protocol = public.get("/results/protocol").get_data(as_text=True)
    assert re.search(r"[0-9a-f]{64}", protocol.replace("<wbr>", ""))  # hashes may wrap between groups of eight
    assert public.get("/results/nothing.exe").status_code == 404


def test_the_pabulib_export_read_by_the_reference_gives_the_same_winners(election, sealing_key, tmp_path):
    from pabutools.election import Cost_Sat, parse_pabulib
    from pabutools.rules import greedy_utilitarian_welfare

    rng = random.Random(7)
    document = election.make_document()
    stations = [election.station("Tensta"), election.station("Rinkeby")]
    for number in range(60):
        cast(stations[number % 2], 1, tuple(random_ballot(document, rng)["project"]))
    for station in stations:
        synced(election, station)
    count_id, result = run_count(election, sealing_key)
    with election.office.app_context():
        text = exports.ballots_pb(office_store.require_election(), counting.get(count_id))
    assert "device" not in text and "dev-" not in text and "T" + "Z" not in text
    path = tmp_path / "export.pb"
    path.write_text(text, encoding="utf-8")
    instance, profile = parse_pabulib(str(path))
    assert profile.num_ballots() == 60 and len(instance) == 12
    supported = {project["id"] for project in result["projects"] if project["score"] > 0}
    reference = sorted(project.name for project in greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat) if project.name in supported)
    assert reference == sorted(result["winners"])
    ours = pabulib.read(text)
    assert sorted(vote.voter_id for vote in ours.votes) == sorted(str(number) for number in range(1, 61))


def test_staff_count_and_publish_from_the_office_pages(election, staff, sealing_key):
    keys.write_private(sealing_key, Path(election.office.instance_path) / "office-sealing.pem", PASSPHRASE)
    station = election.station()
    cast(station, 3, ("lekplats",))
    synced(election, station)
    assert staff.get("/counts").status_code == 302
    log_in(staff)
    wrong = staff.post("/counts", data={"csrf_token": token(staff, "/counts"), "passphrase": "fel"})
    assert wrong.status_code == 422 and "Rösträkningen kunde inte börja" in wrong.get_data(as_text=True)
    assert staff.post("/counts", data={"passphrase": PASSPHRASE}).status_code == 400
    started = staff.post("/counts", data={"csrf_token": token(staff, "/counts"), "passphrase": PASSPHRASE})
    assert started.status_code == 303 and "/jobs/" in started.headers["Location"]
    done = finished_job(staff, started.headers["Location"])
    assert done.status_code == 303, done.get_data(as_text=True)
    page = staff.get(done.headers["Location"]).get_data(as_text=True)
    assert "Inte publicerad" in page and "Lekplats" in page
    assert "Inget resultat har publicerats ännu" in election.office.test_client().get("/results/").get_data(as_text=True)
    count_id = int(re.search(r"/counts/(\d+)/", done.headers["Location"]).group(1))
    assert staff.get(f"/counts/{count_id}/ballots.pb").get_data(as_text=True).startswith("META")
    alone = staff.post(f"/counts/{count_id}/publish", data={"csrf_token": token(staff, "/counts")})
    assert alone.status_code == 422
    add_second_clerk(election)
    published = staff.post(f"/counts/{count_id}/publish", data=approved({"csrf_token": token(staff, "/counts")}))
    assert published.status_code == 303
    public = election.office.test_client().get("/results/").get_data(as_text=True)
    assert "Lekplats" in public and "Inte publicerad" not in public
    assert staff.get("/counts/999/").status_code == 404


def test_a_count_that_differs_from_an_earlier_one_cannot_be_published(election, sealing_key):
    station = election.station()
    cast(station, 2)
    synced(election, station)
    first_id, _ = run_count(election, sealing_key)
    with election.office.app_context():
        office_store.db.session.execute(sa.update(Count).where(Count.id == first_id).values(outcome_hash="1" * 64))
        office_store.db.session.commit()
    second_id, _ = run_count(election, sealing_key)
    with election.office.app_context(), pytest.raises(counting.CountError, match="cannot be published"):
        counting.publish(second_id, now(), published_by="anna", approved_by="bertil")
