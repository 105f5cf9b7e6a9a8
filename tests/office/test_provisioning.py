"""From a spreadsheet and a bare folder to a station whose vote the office receives, through the commands staff run."""

from __future__ import annotations

import json
import re
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import Voter, served
from syncing import PASSWORD, log_in, token
from vallokal.election import keys, voting_codes
from vallokal.kiosk import create_app as create_station, prepare as prepare_station, store as station_store
from vallokal.sync.office import create_app as create_office, prepare as prepare_office, store as office_store

from vallokal.cli import cli

PASSPHRASE = "a long enough passphrase"
STAFF_PIN = "97531086"


def run(*arguments: str, input: str | None = None, ok: bool = True):
    result = CliRunner().invoke(cli, [str(argument) for argument in arguments], input=input)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def settings_text(check_in: str = "code", rule: str = "knapsack", languages: str = '["sv", "en"]') -> str:
    opens = (datetime.now(timezone.utc) - timedelta(days=1)).replace(microsecond=0).isoformat()
    closes = (datetime.now(timezone.utc) + timedelta(days=20)).replace(microsecond=0).isoformat()
    return f"""
id = "rinkeby-2027"
municipality = "Stockholm"
languages = {languages}
budget = 1_000_000
check_in = "{check_in}"
minimum_age = 12

[title]
sv = "Medborgarbudget Rinkeby 2027"
en = "Citizens' budget Rinkeby 2027"

[area]
sv = "Rinkeby"
en = "Rinkeby"

[voting]
opens = {opens}
closes = {closes}
timezone = "Europe/Stockholm"

[ballot]
rule = "{rule}"
min_selections = 1

[counting]
rule = "mes-completed"
"""


def projects_text(count: int = 10) -> str:
    rows = ["id;cost;title_sv;title_en;summary_sv;summary_en;image;image_text_sv;image_text_en"]
    for number in range(count):
        image = "lekplats.svg" if number == 0 else ""
        described = ("Ritning av lekplatsen", "Drawing of the playground") if number == 0 else ("", "")
        rows.append(f"projekt-{number};{(number + 1) * 40} 000;Förslag {number};Proposal {number};"
                    f"Kort om förslag {number}.;About proposal {number}.;{image};{described[0]};{described[1]}")
    return "\n".join(rows) + "\n"


@pytest.fixture
def material(tmp_path: Path) -> Path:
    folder = tmp_path / "material"
    (folder / "images").mkdir(parents=True)
    (folder / "projects.csv").write_text(projects_text(), encoding="utf-8")
    (folder / "settings.toml").write_text(settings_text(), encoding="utf-8")
    (folder / "images" / "lekplats.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><rect width="4" height="4"/></svg>', encoding="utf-8")
    return folder


def test_the_whole_path_from_a_spreadsheet_to_the_office(tmp_path: Path, material: Path) -> None:
    office_dir, station_dir = tmp_path / "office", tmp_path / "station"

    made = run("office", "keys", "--data", office_dir, "--passphrase", PASSPHRASE)
    assert "Back up the wrapped key" in made.output and "split 3 of 5" in made.output
    authority_public = json.loads((office_dir / "authority-keys.json").read_text())["authority_signing"]
    assert f'AUTHORITY_KEY = "{authority_public}"' in made.output
    assert "ENCRYPTED" in (office_dir / "authority-signing.pem").read_text()

    run("office", "codes", "--data", office_dir, "--count", "25", "--title", "Medborgarbudget Rinkeby 2027",
        "--out", tmp_path / "codes.html", "--csv", tmp_path / "codes.csv")
    codes = [line.split(",")[1] for line in (tmp_path / "codes.csv").read_text().splitlines()[1:]]
    sheet = (tmp_path / "codes.html").read_text()
    assert len(codes) == 25 and all(code in sheet for code in codes) and sheet.count("<svg") == 25

    package_file = tmp_path / "rinkeby.zip"
    built = run("office", "package", "--data", office_dir, "--projects", material / "projects.csv",
                "--settings", material / "settings.toml", "--images", material / "images", "--out", package_file,
                "--passphrase", PASSPHRASE)
    assert "10 projects in sv, en" in built.output and "25 codes" in built.output
    with zipfile.ZipFile(package_file) as archive:
        document = json.loads(archive.read("package.json"))
        assert archive.read("assets/lekplats.svg").startswith(b"<svg")
    assert document["voting_codes"]["hashes"] == sorted(voting_codes.code_hash(code) for code in codes)
    assert not any(code.replace("-", "") in package_file.read_bytes().decode("latin-1") for code in codes)
    assert document["projects"][3]["title"] == {"sv": "Förslag 3", "en": "Proposal 3"} and document["projects"][3]["cost"] == 160_000

    run("office", "load-package", "--data", office_dir, package_file)
    provisioned = run("station", "provision", "--data", station_dir, "--name", "Rinkeby bibliotek",
                      "--authority-key", authority_public, "--package", package_file, "--pin", STAFF_PIN,
                      "--office-url", "http://127.0.0.1:9")
    assert "Enrolment request" in provisioned.output and "█" in provisioned.output
    assert (station_dir / "enrolment-request.svg").read_text().startswith("<svg")
    run("office", "enrol", "--data", office_dir, station_dir / "enrolment-request.json",
        "--out", tmp_path / "certificate.json", "--passphrase", PASSPHRASE)
    run("station", "install-certificate", "--data", station_dir, tmp_path / "certificate.json")

    office = create_office({"SESSION_COOKIE_SECURE": False}, data_dir=office_dir)
    prepare_office(office)
    with served(office, threads=2) as office_url:
        station = create_station({"OFFICE_URL": office_url}, data_dir=station_dir)
        prepare_station(station)
        assert station.config["STATION_NAME"] == "Rinkeby bibliotek"
        staff = station.test_client()
        login = staff.post("/staff/login", data={"csrf_token": token(staff, "/staff/login"), "pin": STAFF_PIN})
        assert login.status_code == 302
        assert staff.post("/staff/open", data={"csrf_token": token(staff, "/staff/")}).status_code == 302

        voter = Voter(station.test_client())
        assert voter.check_in(code=codes[7].lower()).status_code == 302
        assert voter.choose(project=["projekt-1", "projekt-4"]).status_code == 302
        assert voter.cast().status_code == 302
        tracking = voter.receipt_code()

        closed = staff.post("/staff/close", data={"csrf_token": token(staff, "/staff/"), "confirm": "yes"})
        assert closed.status_code == 302
        report = staff.get("/staff/report/closed").get_data(as_text=True)
        assert "<svg" in report and "Rinkeby bibliotek" in report
        sent = staff.post("/staff/sync", data={"csrf_token": token(staff, "/staff/")})
        assert sent.status_code == 200 and "0 " in sent.get_data(as_text=True)

        with office.app_context():
            row = office_store.stations()[0]
            assert row["device"].station_name == "Rinkeby bibliotek" and row["device"].received == 1
            assert row["closing"]["ballots"] == 1 and row["closing"]["matches"]
        office_staff = office.test_client()
        with office.app_context():
            office_store.add_user("anna", PASSWORD)
        log_in(office_staff)
        page = office_staff.get("/").get_data(as_text=True)
        assert "Rinkeby bibliotek" in page
        with station.app_context():
            assert station_store.ballots_cast() == 1
        assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", tracking)


def write_material(folder: Path, projects: str, settings: str | None = None) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "projects.csv").write_text(projects, encoding="utf-8")
    (folder / "settings.toml").write_text(settings or settings_text(check_in="open"), encoding="utf-8")
    return folder / "projects.csv", folder / "settings.toml"


@pytest.fixture
def office_with_keys(tmp_path: Path) -> Path:
    office_dir = tmp_path / "office"
    run("office", "keys", "--data", office_dir, "--passphrase", PASSPHRASE)
    return office_dir


BAD_MATERIAL = [
    ("a missing cost", lambda text: text.replace("projekt-2;120 000;", "projekt-2;;"), "projects.csv, row 4, column cost: the cost is missing"),
    ("a negative cost", lambda text: text.replace("projekt-2;120 000;", "projekt-2;-120;"), "projects.csv, row 4, column cost: the cost -120 is negative"),
    ("a cost with decimals", lambda text: text.replace("projekt-2;120 000;", "projekt-2;120,50;"), "row 4, column cost: '120,50' is not a cost in whole kronor"),
    ("a duplicate project id", lambda text: text.replace("projekt-5;", "projekt-2;"), "projects.csv, row 7, column id: the id 'projekt-2' is already used in row 4"),
    ("a missing image", lambda text: text, "projects.csv, row 2, column image: the image 'lekplats.svg' is not among the images given"),
    ("a missing title", lambda text: text.replace(";Förslag 6;", ";;"), "projects.csv, row 8, column title_sv: the title is missing in sv"),
    ("an unknown column", lambda text: text.replace("image_text_en", "bildtext"), "projects.csv, row 1, column bildtext: unknown column"),
]


@pytest.mark.parametrize("what, change, message", BAD_MATERIAL, ids=[case[0] for case in BAD_MATERIAL])
def test_bad_projects_are_named_by_row_and_column(tmp_path: Path, office_with_keys: Path, what: str, change, message: str) -> None:
    projects, settings = write_material(tmp_path / "material", change(projects_text()))
    result = run("office", "package", "--data", office_with_keys, "--projects", projects, "--settings", settings,
                 "--out", tmp_path / "out.zip", "--passphrase", PASSPHRASE, ok=False)
    assert result.exit_code == 1
    assert message in result.output, result.output
    assert "nothing was signed" in result.output and not (tmp_path / "out.zip").exists()


@pytest.mark.parametrize("change, message", [
    (lambda text: text.replace('rule = "knapsack"', 'rule = "ranked-pairs"'), "settings.toml: ballot.rule: 'ranked-pairs' is not a ballot rule"),
    (lambda text: text.replace('rule = "mes-completed"', 'rule = "borda"'), "counting.rule: 'borda' is not a counting rule"),
    (lambda text: text.replace("budget = 1_000_000", "budget = -5"), "budget: must be at least 1"),
    (lambda text: text.replace('languages = ["sv", "en"]', 'languages = ["sv", "de"]'), "languages: de is not a language Vallokal offers"),
    (lambda text: text.replace("opens = ", "opens = 2027-01-01\n#"), "voting.opens: give a date and time with its offset"),
    (lambda text: "budjet = 3\n" + text, "unknown setting 'budjet'"),
    (lambda text: text + "\nbudjet = 3\n", "unknown setting counting.budjet"),
    (lambda text: text.replace("[voting]", "[voting"), "settings.toml: is not valid TOML"),
])
def test_bad_settings_say_which_setting(tmp_path: Path, office_with_keys: Path, change, message: str) -> None:
    projects, settings = write_material(tmp_path / "material", projects_text().replace("lekplats.svg", ""), change(settings_text(check_in="open")))
    result = run("office", "package", "--data", office_with_keys, "--projects", projects, "--settings", settings,
                 "--out", tmp_path / "out.zip", "--check", ok=False)
    assert result.exit_code == 1 and message in result.output, result.output


def test_code_check_in_needs_codes_and_a_wrong_passphrase_signs_nothing(tmp_path: Path, office_with_keys: Path) -> None:
    projects, settings = write_material(tmp_path / "material", projects_text().replace("lekplats.svg", ""), settings_text(check_in="code"))
    result = run("office", "package", "--data", office_with_keys, "--projects", projects, "--settings", settings, "--out", tmp_path / "out.zip", "--check", ok=False)
    assert "check-in by code needs voting codes; make them first" in result.output
    run("office", "codes", "--data", office_with_keys, "--count", "3", "--out", tmp_path / "codes.html")
    wrong = run("office", "package", "--data", office_with_keys, "--projects", projects, "--settings", settings,
                "--out", tmp_path / "out.zip", "--passphrase", "not the passphrase", ok=False)
    assert "passphrase is wrong" in wrong.output and not (tmp_path / "out.zip").exists()
    again = run("office", "keys", "--data", office_with_keys, "--passphrase", PASSPHRASE, ok=False)
    assert "already exists" in again.output


def test_a_station_refuses_a_package_signed_by_another_key(tmp_path: Path, material: Path) -> None:
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    run("office", "keys", "--data", ours, "--passphrase", PASSPHRASE)
    run("office", "keys", "--data", theirs, "--passphrase", PASSPHRASE)
    (material / "settings.toml").write_text(settings_text(check_in="open"), encoding="utf-8")
    run("office", "package", "--data", theirs, "--projects", material / "projects.csv", "--settings", material / "settings.toml",
        "--images", material / "images", "--out", tmp_path / "theirs.zip", "--passphrase", PASSPHRASE)
    our_key = json.loads((ours / "authority-keys.json").read_text())["authority_signing"]
    result = run("station", "provision", "--data", tmp_path / "station", "--name", "Rinkeby", "--authority-key", our_key,
                 "--package", tmp_path / "theirs.zip", "--pin", STAFF_PIN, ok=False)
    assert result.exit_code == 1 and "the package was refused" in result.output and "another authority than the one this station trusts" in result.output


def test_kiosk_codes_typo_used_and_from_another_election(tmp_path: Path, material: Path) -> None:
    office_dir, other_office = tmp_path / "office", tmp_path / "other"
    for folder in (office_dir, other_office):
        run("office", "keys", "--data", folder, "--passphrase", PASSPHRASE)
        run("office", "codes", "--data", folder, "--count", "2", "--out", folder / "codes.html", "--csv", folder / "codes.csv")
    run("office", "package", "--data", office_dir, "--projects", material / "projects.csv", "--settings", material / "settings.toml",
        "--images", material / "images", "--out", tmp_path / "package.zip", "--passphrase", PASSPHRASE)
    ours = [line.split(",")[1] for line in (office_dir / "codes.csv").read_text().splitlines()[1:]]
    other = [line.split(",")[1] for line in (other_office / "codes.csv").read_text().splitlines()[1:]]
    authority_public = json.loads((office_dir / "authority-keys.json").read_text())["authority_signing"]
    run("station", "provision", "--data", tmp_path / "station", "--name", "Rinkeby", "--authority-key", authority_public,
        "--package", tmp_path / "package.zip", "--pin", STAFF_PIN)
    station = create_station(data_dir=tmp_path / "station")
    prepare_station(station)
    with station.app_context():
        station_store.open_polls(datetime.now(timezone.utc))

    def answer(code: str) -> str:
        return Voter(station.test_client()).check_in(code=code).get_data(as_text=True)

    code = ours[0]
    at = next(i for i in range(len(code) - 1) if "-" not in code[i : i + 2] and code[i] != code[i + 1])
    swapped = code[:at] + code[at + 1] + code[at] + code[at + 2 :]
    assert swapped != ours[0] and "felskriven" in answer(swapped)
    assert "gäller inte för den här omröstningen" in answer(other[0])
    assert "annan omröstning" in answer(other[0])
    voter = Voter(station.test_client())
    assert voter.check_in(code=ours[1]).status_code == 302
    voter.choose(project=["projekt-1"])
    assert voter.cast().status_code == 302
    assert "redan använts här på stationen" in answer(ours[1])


def test_provision_refuses_bad_arguments_without_a_traceback(tmp_path: Path, material: Path) -> None:
    key = keys.public_text(__import__("cryptography.hazmat.primitives.asymmetric.ed25519", fromlist=["x"]).Ed25519PrivateKey.generate())
    cases = [
        (["--authority-key", "not-a-key", "--package", material / "projects.csv"], "--authority-key"),
        (["--authority-key", key, "--package", tmp_path / "missing.zip"], "cannot read the package file"),
        (["--authority-key", key, "--package", "http://127.0.0.1:9/package.zip"], "cannot download the package"),
        (["--authority-key", key, "--package", material / "projects.csv", "--pin", "12"], "a PIN is 8 to 32 digits"),
        (["--authority-key", key, "--package", material / "projects.csv"], "the package was refused"),
        (["--authority-key", key, "--package", material / "projects.csv", "--office-url", "ftp://office"], "https://"),
    ]
    for arguments, message in cases:
        if "--pin" not in arguments:
            arguments = arguments + ["--pin", STAFF_PIN]
        result = run("station", "provision", "--data", tmp_path / "station", "--name", "Rinkeby", *arguments, ok=False)
        assert result.exit_code in (1, 2) and message in result.output, (arguments, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert not (tmp_path / "station" / "station.toml").exists()


def test_the_office_pages_build_preview_and_sign_a_package(tmp_path: Path, material: Path) -> None:
    import io

    from vallokal.election import package as packages

    office_dir = tmp_path / "office"
    run("office", "keys", "--data", office_dir, "--passphrase", PASSPHRASE)
    run("office", "codes", "--data", office_dir, "--count", "4", "--out", tmp_path / "codes.html")
    office = create_office({"SESSION_COOKIE_SECURE": False}, data_dir=office_dir)
    prepare_office(office)
    with office.app_context():
        office_store.add_user("anna", PASSWORD)
    client = office.test_client()
    log_in(client)

    def upload(projects: str, with_image: bool = True):
        files = {
            "csrf_token": token(client, "/package/"),
            "projects": (io.BytesIO(projects.encode("utf-8")), "projekt.csv"),
            "settings": (io.BytesIO((material / "settings.toml").read_bytes()), "settings.toml"),
        }
        if with_image:
            files["images"] = [(io.BytesIO((material / "images" / "lekplats.svg").read_bytes()), "lekplats.svg")]
        return client.post("/package/", data=files, content_type="multipart/form-data")

    bad = upload(projects_text().replace("projekt-2;120 000;", "projekt-2;-1;").replace("projekt-5;", "projekt-2;"), with_image=False)
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "3 problem i underlaget" in page
    assert "<td>projekt.csv</td><td>4</td><td>cost</td>" in page and "<td>7</td><td>id</td>" in page and "lekplats.svg" in page

    good = upload(projects_text())
    assert good.status_code == 200, good.get_data(as_text=True)
    page = good.get_data(as_text=True)
    assert "Inga problem hittades" in page and "Förslag 9" in page
    name = re.search(r'/package/([A-Za-z0-9_-]+)/sign', page).group(1)
    english = client.get(f"/package/{name}/preview/en").get_data(as_text=True)
    assert 'lang="en"' in english and "Your ballot" in english and "Proposal 9" in english and 'id="choose-projekt-9"' in english
    swedish = client.get(f"/package/{name}/preview/sv").get_data(as_text=True)
    assert "Din röstsedel" in swedish and "Förslag 9" in swedish
    assert client.get(f"/package/{name}/preview/ar").status_code == 404
    assert client.get("/package/..%2F..%2Fetc/preview/sv").status_code == 404

    wrong = client.post(f"/package/{name}/sign", data={"csrf_token": token(client, f"/package/{name}"), "passphrase": "nope"})
    assert wrong.status_code == 422 and "Inget signerades" in wrong.get_data(as_text=True)
    signed = client.post(f"/package/{name}/sign", data={"csrf_token": token(client, f"/package/{name}"), "passphrase": PASSPHRASE})
    assert signed.status_code == 200 and signed.headers["Content-Disposition"].startswith("attachment; filename=rinkeby-2027.zip")
    authority_public = json.loads((office_dir / "authority-keys.json").read_text())["authority_signing"]
    package = packages.read_file(signed.get_data(), authority_public).package
    assert len(package.projects) == 10 and len(package.code_hashes) == 4

    enrol_page = client.post("/stations/enrol", data={"csrf_token": token(client, "/"), "request_text": "{not json", "passphrase": PASSPHRASE})
    assert enrol_page.status_code == 422 and "Det är ingen registreringsbegäran" in enrol_page.get_data(as_text=True)

    (tmp_path / "signed.zip").write_bytes(signed.get_data())
    with office.app_context():
        office_store.load_package(signed.get_data())
    run("station", "provision", "--data", tmp_path / "station", "--name", "Rinkeby träff", "--authority-key", authority_public,
        "--package", tmp_path / "signed.zip", "--pin", STAFF_PIN)
    scanned = json.dumps(json.loads((tmp_path / "station" / "enrolment-request.json").read_text()), separators=(",", ":"))
    wrong = client.post("/stations/enrol", data={"csrf_token": token(client, "/"), "request_text": scanned, "passphrase": "nope"})
    assert wrong.status_code == 422 and "Inget utfärdades" in wrong.get_data(as_text=True)
    issued = client.post("/stations/enrol", data={"csrf_token": token(client, "/"), "request_text": scanned, "passphrase": PASSPHRASE})
    assert issued.status_code == 200 and issued.headers["Content-Disposition"].startswith('attachment; filename="certificate-dev-')
    (tmp_path / "certificate.json").write_bytes(issued.get_data())
    run("station", "install-certificate", "--data", tmp_path / "station", tmp_path / "certificate.json")
    stations_page = client.get("/").get_data(as_text=True)
    assert "Rinkeby träff" in stations_page and "Registrerad; inget mottaget än" in stations_page


def test_the_example_material_builds(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[2] / "provisioning" / "example"
    office_dir = tmp_path / "office"
    run("office", "keys", "--data", office_dir, "--passphrase", PASSPHRASE)
    run("office", "codes", "--data", office_dir, "--count", "5", "--out", tmp_path / "codes.html")
    result = run("office", "package", "--data", office_dir, "--projects", example / "projects.csv", "--settings", example / "settings.toml",
                 "--images", example / "images", "--out", tmp_path / "example.zip", "--check")
    assert "tensta-2027: 12 projects in sv, en" in result.output and "1 images" in result.output
