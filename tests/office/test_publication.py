"""The publication and `vallokal verify`: every check passes on an honest count, and each kind of tampering fails the check that names it."""

from __future__ import annotations

import ast
import hashlib
import json
import re
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from syncing import bundle_of, cast, now, post_bundle
from vallokal.election import envelope, merkle
from vallokal.election.package import canonical_json
from vallokal.kiosk import store as station_store
from vallokal.sync.office import counting, publication, store as office_store

from vallokal.cli import cli

ROOT = Path(__file__).resolve().parents[2]


def close_and_sync(election, station) -> None:
    with station.app_context():
        station_store.close_polls(now())
    assert post_bundle(election, bundle_of(station)).status_code == 200


def unpacked(files: dict[str, bytes], folder: Path) -> Path:
    """A publication's files written out as a resident who downloaded them has them."""
    folder.mkdir(exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def rinkeby_stolen(election, ballots_at_tensta: int) -> None:
    """Ballots at Tensta and three at Rinkeby, both synced; then Rinkeby's device is revoked as stolen two hours before its last casts."""
    tensta, rinkeby = election.station("Tensta bibliotek"), election.station("Rinkeby träffpunkt")
    cast(tensta, ballots_at_tensta, ("bankar",))
    cast(rinkeby, 3, ("odling",))
    for station in (tensta, rinkeby):
        close_and_sync(election, station)
    with rinkeby.app_context():
        stolen = station_store.station().device_id
    with election.office.app_context():
        office_store.revoke(stolen, "the device was stolen", now(), now() - timedelta(hours=2))


@pytest.fixture
def published(election, sealing_key, tmp_path) -> Path:
    """An honest publication of two closed stations, unpacked into a folder."""
    tensta, rinkeby = election.station("Tensta bibliotek"), election.station("Rinkeby träffpunkt")
    cast(tensta, 7, ("bankar", "odling"))
    cast(tensta, 2, ("lekplats",))
    cast(rinkeby, 5, ("bankar",))
    for station in (tensta, rinkeby):
        close_and_sync(election, station)
    with election.office.app_context():
        count = counting.run(sealing_key, "test", now())
        made = publication.make(count, now())
        counting.publish(count.id, now(), published_by="anna", approved_by="bertil")
        files = publication.files(made)
    return unpacked(files, tmp_path / "publication")


def verify(folder: Path):
    return CliRunner().invoke(cli, ["verify", str(folder)])


def failed_checks(result) -> set[str]:
    return set(re.findall(r"^FAIL  ([a-z ]+):", result.output, re.MULTILINE))


def rewrite(folder: Path, name: str, change) -> None:
    """Change a file and, like a careful forger, update the manifest's hash of it."""
    path = folder / name
    if name.endswith(".json"):
        path.write_bytes((json.dumps(change(json.loads(path.read_text())), ensure_ascii=False) + "\n").encode())
    else:
        path.write_text(change(path.read_text()))
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"][name] = hashlib.sha256(path.read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))


def rehash_count(folder: Path) -> None:
    """The forger also updates the count's own hashes, so only the recomputation can catch them."""
    def fix(count):
        count["ballots_sha256"] = hashlib.sha256((folder / "ballots.pb").read_bytes()).hexdigest()
        count["outcome_hash"] = hashlib.sha256(canonical_json(count["outcome"], checked=False)).hexdigest()
        return count

    rewrite(folder, "count.json", fix)


def test_an_honest_publication_passes_every_check(published):
    result = verify(published)
    assert result.exit_code == 0, result.output
    for name in ("files", "signatures", "station records", "tracking codes", "totals", "rule", "outcome"):
        assert f"PASS  {name}:" in result.output
    assert "recomputed from 14 ballots" in result.output


def test_the_zip_and_its_address_verify_as_the_folder_does(election, published, tmp_path):
    with election.office.app_context():
        archive = publication.publication(counting.latest_published()).archive
    (tmp_path / "publication.zip").write_bytes(archive)
    assert verify(tmp_path / "publication.zip").exit_code == 0
    downloaded = election.office.test_client().get("/results/publication.zip")
    assert downloaded.status_code == 200 and downloaded.data == archive
    with zipfile.ZipFile(tmp_path / "publication.zip") as opened:
        assert election.office.test_client().get("/results/ballots.pb").data == opened.read("ballots.pb")


def test_the_publication_holds_no_minute_sequence_code_hash_or_sealed_content(election, published):
    with election.office.app_context():
        import sqlalchemy as sa
        from vallokal.sync.office.extensions import db
        from vallokal.sync.office.models import Record

        rows = db.session.execute(sa.select(Record.sealed, Record.cast_minute, Record.ballot_id, Record.previous_hash)).all()
    text = "\n".join(path.read_bytes().decode("utf-8", errors="replace") for path in published.iterdir() if path.name != "package.zip")
    for sealed, minute, ballot_id, _ in rows:
        for name, path in ((path.name, path) for path in published.iterdir() if path.name != "package.zip"):
            content = path.read_bytes().decode("utf-8", errors="replace")
            assert sealed[:40] not in content and ballot_id not in content, name
        assert minute not in text
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\dZ", text)
    stations = json.loads((published / "stations.json").read_text())
    record_hashes = {value for station in stations for value in station["record_hashes"]}
    for station in stations:
        assert set(station) == {"device_id", "station", "closing_report", "record_hashes"}
        assert "chain_head" not in station["closing_report"]
    count = json.loads((published / "count.json").read_text())
    known = record_hashes | set(json.loads((published / "manifest.json").read_text())["files"].values())
    known |= {count[name] for name in ("input_hash", "outcome_hash", "count_outcome_hash", "package_sha256", "ballots_sha256")}
    known |= {station["closing_report"][name] for station in stations for name in ("merkle_root", "package_sha256")}
    for path in published.iterdir():
        if path.name != "package.zip":
            unknown = set(re.findall(r"\b[0-9a-f]{64}\b", path.read_text())) - known
            assert not unknown, f"{path.name} holds hashes that are neither record hashes nor published digests: {sorted(unknown)[:2]}"
        assert "sequence" not in json.dumps(station["record_hashes"])
    assert '"sequence"' not in text and '"cast_minute"' not in text and '"code_hash"' not in text and '"sealed"' not in text


def test_a_changed_ballot_fails_the_outcome_check(published):
    def change(text):
        lines = text.splitlines()
        index = next(number for number, line in enumerate(lines) if line.startswith("1;"))
        lines[index] = "1;odling" if lines[index] == "1;lekplats" else "1;lekplats"  # always a different ballot, whatever the shuffle gave
        return "\n".join(lines) + "\n"

    rewrite(published, "ballots.pb", change)
    assert "files" in failed_checks(verify(published))
    rehash_count(published)
    result = verify(published)
    assert result.exit_code == 1 and failed_checks(result) == {"outcome"}, result.output
    assert "differ" in result.output


@pytest.mark.parametrize("change", ["removed", "added"])
def test_a_tracking_code_removed_or_added_fails_the_tracking_codes_check(published, change):
    forged = envelope.tracking_code(hashlib.sha256(b"forged").hexdigest())
    rewrite(published, "tracking-codes.txt", lambda text: "".join(line + "\n" for line in text.split()[1:]) if change == "removed" else text + forged + "\n")
    result = verify(published)
    assert result.exit_code == 1 and failed_checks(result) == {"tracking codes"}, result.output


@pytest.mark.parametrize("change", ["dropped", "added"])
def test_a_record_hash_dropped_or_added_fails_the_station_records_check(published, change):
    def edit(stations):
        hashes = stations[0]["record_hashes"]
        if change == "dropped":
            hashes.pop()
        else:
            hashes.append(hashlib.sha256(b"stuffed").hexdigest())
            hashes.sort()
        return stations

    rewrite(published, "stations.json", edit)
    result = verify(published)
    assert result.exit_code == 1 and "station records" in failed_checks(result), result.output
    assert "signatures" not in failed_checks(result)


@pytest.mark.parametrize("field", ["ballots_cast", "merkle_root"])
def test_a_closing_reports_count_or_root_changed_fails_its_signature(published, field):
    def edit(stations):
        report = next(station for station in stations if station["station"] == "Rinkeby träffpunkt")["closing_report"]
        report[field] = report[field] + 1 if field == "ballots_cast" else merkle.root([hashlib.sha256(b"x").hexdigest()])
        return stations

    rewrite(published, "stations.json", edit)
    result = verify(published)
    assert result.exit_code == 1 and "signatures" in failed_checks(result) and "station records" in failed_checks(result), result.output
    assert "Rinkeby träffpunkt: the closing report's signature is not the device's" in result.output


def test_an_edited_outcome_fails_the_outcome_check(published):
    def edit(count):
        outcome = count["outcome"]
        outcome["winners"] = list(reversed(outcome["winners"]))[:1]
        return count

    rewrite(published, "count.json", edit)
    assert "files" in failed_checks(verify(published))
    rehash_count(published)
    result = verify(published)
    assert result.exit_code == 1 and failed_checks(result) == {"outcome"}, result.output


@pytest.mark.parametrize("name, value", [("tie_break", "largest project id"), ("completion", "add1"), ("arithmetic", "floating point")])
def test_a_changed_rule_parameter_fails_the_rule_check(published, name, value):
    def edit(count):
        count["counting"]["parameters"][name] = value
        return count

    rewrite(published, "count.json", edit)
    result = verify(published)
    assert result.exit_code == 1 and failed_checks(result) == {"rule"}, result.output
    assert name in result.output


def test_a_changed_rule_fails_the_rule_check(published):
    def edit(count):
        count["counting"]["rule"] = "greedy-per-cost" if count["counting"]["rule"] != "greedy-per-cost" else "greedy"
        return count

    rewrite(published, "count.json", edit)
    result = verify(published)
    assert "rule" in failed_checks(result) and "the signed package names" in result.output


def test_a_station_without_a_closing_report_is_a_named_failure(election, sealing_key, tmp_path):
    open_station, closed = election.station("Husby gård"), election.station("Kista torg")
    cast(open_station, 3, ("bankar",))
    cast(closed, 2, ("bankar",))
    assert post_bundle(election, bundle_of(open_station)).status_code == 200
    close_and_sync(election, closed)
    with election.office.app_context():
        files = publication.files(publication.make(counting.run(sealing_key, "test", now()), now()))
    result = verify(unpacked(files, tmp_path))
    assert result.exit_code == 1 and {"signatures", "station records"} <= failed_checks(result)
    assert "Husby gård: no closing report" in result.output and "Kista torg" not in result.output.split("FAIL")[1].split("\n")[0]


def test_a_publication_cannot_be_made_when_records_arrived_after_the_count(election, sealing_key):
    station = election.station()
    cast(station, 2, ("bankar",))
    assert post_bundle(election, bundle_of(station)).status_code == 200
    with election.office.app_context():
        count_id = counting.run(sealing_key, "test", now()).id
    cast(station, 1, ("bankar",))
    assert post_bundle(election, bundle_of(station)).status_code == 200
    with election.office.app_context(), pytest.raises(counting.CountError, match="arrived after count"):
        publication.make(counting.get(count_id), now())


def test_a_small_channel_is_folded_into_the_others(election, sealing_key):

    station = election.station()
    cast(station, 3, ("bankar",))
    close_and_sync(election, station)
    with election.office.app_context():
        result = counting.outcome(counting.run(sealing_key, "test", now()))
        folded = publication.suppressed_channels({**result, "channels": {**result["channels"], "paper": {"valid": 2, "invalid": 0, "scores": {"bankar": 2}}, "import": {"valid": 3, "invalid": 1, "scores": {"bankar": 3}}}}, 10)
    assert set(folded) == {"station", publication.FOLDED}
    assert folded[publication.FOLDED]["received"] == 6 and folded[publication.FOLDED]["scores"]["bankar"] == 5


def test_the_checker_imports_only_the_pure_core():
    """An import contract: the verifier and what it imports stay out of the station, the office, Flask and the network."""
    forbidden = ("flask", "sqlalchemy", "urllib", "requests", "socket", "http", "click", "werkzeug")
    seen, queue = set(), [ROOT / "election" / "verify.py"]
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        seen.add(path)
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level:
                base = path.parent
                for _ in range(node.level - 1):
                    base = base.parent
                module = base.joinpath(*node.module.split(".")) if node.module else base
                assert module.is_relative_to(ROOT / "election"), f"{path.relative_to(ROOT)} imports {'.' * node.level}{node.module}, outside election/"
                for target in (module, *(module / alias.name for alias in node.names)):
                    queue += [candidate for candidate in (target.with_suffix(".py"), target / "__init__.py") if candidate.exists()]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                top = name.split(".")[0]
                assert top not in forbidden and not name.startswith("vallokal."), f"{path.relative_to(ROOT)} imports {name}"
    assert ROOT / "election" / "tally" / "outcome.py" in seen and ROOT / "election" / "merkle.py" in seen


def test_vallokal_verify_loads_neither_the_station_nor_the_office_nor_flask():
    import subprocess
    import sys

    probe = (
        "import sys; from vallokal.cli import cli; cli.get_command(None, 'verify'); "
        "loaded = sorted(name for name in sys.modules if name.split('.')[0] in ('flask', 'sqlalchemy', 'werkzeug') or name.startswith(('vallokal.kiosk', 'vallokal.sync', 'vallokal.web'))); "
        "print(loaded); sys.exit(1 if loaded else 0)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("language, heading", [
    ("sv", "Finns din valsedel med?"), ("sv-easy", "Finns din röst med?"), ("en", "Is your ballot there?"),
    ("ar", "هل صوتك موجود؟"), ("so", "Codkaagu ma ku jiraa?"), ("fi", "Onko äänesi mukana?"),
])
def test_residents_read_what_they_can_check_in_every_language(election, published, language, heading):
    reader = election.office.test_client()
    with reader.session_transaction() as session:
        session["language"] = language
    page = reader.get("/results/verify")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and heading in text
    assert 'href="/results/publication.zip"' in text and "vallokal verify" in text and "pabutools" in text
    assert 'href="/results/verify"' in reader.get("/results/").get_data(as_text=True)


def test_the_verify_page_before_anything_is_published(election):
    page = election.office.test_client().get("/results/verify")
    assert page.status_code == 200 and "publication.zip" not in page.get_data(as_text=True)


@pytest.mark.parametrize("name, content", [("count.json", b'{"outcome": [], "outcome_hash": 1, "counting": 2, "channels": [], "left_out_records": 3}'),
                                           ("stations.json", b"[1, 2]"), ("ballots.pb", b"\xff\xfe not pabulib"), ("package.zip", b"PK not a zip")])
def test_a_malformed_publication_fails_by_check_without_a_traceback(published, name, content):
    (published / name).write_bytes(content)
    result = verify(published)
    assert result.exit_code == 1 and "Traceback" not in result.output and "FAIL" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_publication_that_is_not_there_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(cli, ["verify", str(tmp_path / "nowhere")])
    assert result.exit_code == 1 and "neither a folder" in result.output
    (tmp_path / "junk.zip").write_bytes(b"junk")
    result = CliRunner().invoke(cli, ["verify", str(tmp_path / "junk.zip")])
    assert result.exit_code == 1 and "not a publication zip" in result.output


def test_records_held_for_the_board_are_in_the_totals_and_the_publication_still_checks(election, sealing_key, tmp_path):
    rinkeby_stolen(election, 4)
    with election.office.app_context():
        count = counting.run(sealing_key, "test", now())
        assert counting.held(count)["undecided"] == 3
        made = publication.make(count, now())
        counting.publish(count.id, now(), published_by="anna", approved_by="bertil", with_undecided=True)
        files = publication.files(made)
    folder = unpacked(files, tmp_path / "held")
    station_figures = json.loads((folder / "count.json").read_text())["channels"]["station"]
    assert (station_figures["received"], station_figures["valid"], station_figures["held"]) == (7, 4, 3)
    result = verify(folder)
    assert result.exit_code == 0, result.output
    assert published_codes(files) == counted_codes(files, "Tensta bibliotek") and len(json.loads(files["count.json"])["held_records"]) == 3


def published_codes(files: dict[str, bytes]) -> set[str]:
    return set(files["tracking-codes.txt"].decode().split())


def counted_codes(files: dict[str, bytes], station_name: str) -> set[str]:
    stations = json.loads(files["stations.json"])
    return {envelope.tracking_code(value) for station in stations if station["station"] == station_name for value in station["record_hashes"]}


def test_records_held_or_left_out_by_the_board_are_not_published_as_counted(election, sealing_key, tmp_path):
    """A voter whose ballot is held, or left out by the board, must not find its tracking code among the counted ones."""
    rinkeby_stolen(election, 2)
    with election.office.app_context():
        counting.run(sealing_key, "test", now())
        for item in office_store.held_records(undecided_only=True):
            office_store.decide_hold(item["hold"].id, "leave_out", "cast after the theft", "anna", "bertil", now())
        count = counting.run(sealing_key, "test", now())
        made = publication.make(count, now())
        counting.publish(count.id, now(), published_by="anna", approved_by="bertil")
        files = publication.files(made)
    document = json.loads(files["count.json"])
    assert len(document["left_out_records"]) == 3 and document["held_records"] == []
    assert published_codes(files) == counted_codes(files, "Tensta bibliotek") and len(published_codes(files)) == 2
    result = verify(unpacked(files, tmp_path / "left-out"))
    assert result.exit_code == 0, result.output
