"""A whole vote's office work through the office's pages only, from an empty office, in a real Chromium:
the first two clerks (with the setup token), the keys, voting codes, the package from the example
spreadsheet with speech, a station enrolled from its enrolment request, its ballots received, the count,
publishing by two clerks, and the protocol printed to PDF and read back."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import urllib.request
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from helpers import axe_violations, served
from playwright.sync_api import expect
from vallokal.election import rules, voting_codes
from vallokal.kiosk import create_app as create_station, outbox, prepare as prepare_station, store as station_store
from vallokal.sync.office import create_app as create_office, jobs, prepare as prepare_office, setup, store as office_store

EXAMPLE = Path(__file__).resolve().parents[2] / "provisioning" / "example"
PASSWORDS = {"anna": "anna's long password", "bertil": "bertil's long password"}
PASSPHRASE = "the authority's long passphrase"
BUNDLE_TYPE = "application/vnd.vallokal.bundle+gzip"


def example_settings(folder: Path) -> Path:
    """The example's settings with its voting window moved to now, as its comment tells a clerk to do."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    text = (EXAMPLE / "settings.toml").read_text(encoding="utf-8")
    text = text.replace("2027-03-01T08:00:00+01:00", (now - timedelta(hours=1)).isoformat())
    text = text.replace("2027-03-21T20:00:00+01:00", (now + timedelta(days=14)).isoformat())
    path = folder / "settings.toml"
    path.write_text(text, encoding="utf-8")
    return path


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORDS[username])
    page.click("main button[type=submit].primary")
    assert not page.url.endswith("/login"), page.content()


@pytest.mark.browser
@pytest.mark.slow
def test_a_whole_vote_through_the_office_pages_from_an_empty_office(browser, tmp_path: Path) -> None:
    assert shutil.which("pdftotext"), "pdftotext is missing: install poppler-utils"
    office = create_office({"SESSION_COOKIE_SECURE": False}, data_dir=tmp_path / "office")
    prepare_office(office)
    token = setup.ensure_token(office)  # what `vallokal office serve` prints
    context = browser.new_context(accept_downloads=True, bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    found = {}

    def accessible(state: str) -> None:
        violations = axe_violations(page)
        if violations:
            found[state] = violations

    with served(office) as base:
        # The first two clerks, with the setup token; a wrong token makes no clerk.
        page.goto(f"{base}/login")
        page.click("#setup-link")
        accessible("setup")
        page.fill("#token", "guessed")
        page.fill("#username", "mallory")
        page.fill("#password", "mallory's long password")
        page.fill("#password_again", "mallory's long password")
        page.click("main button[type=submit]")
        expect(page.locator("#setup-error")).to_be_visible()
        accessible("setup, wrong token")
        for username, password in PASSWORDS.items():
            page.fill("#token", token)
            page.fill("#username", username)
            page.fill("#password", password)
            page.fill("#password_again", password)
            page.click("main button[type=submit]")
        assert page.url.endswith("/login") and not (tmp_path / "office" / setup.TOKEN_FILE).exists()
        assert page.goto(f"{base}/setup").status == 404
        log_in(page, base, "anna")

        # Keys and voting codes.
        page.goto(f"{base}/keys")
        accessible("keys to make")
        page.fill("#passphrase", PASSPHRASE)
        page.fill("#passphrase_again", PASSPHRASE)
        page.click("main button[type=submit].primary")
        authority_key = page.locator("#authority-key").inner_text().strip()
        accessible("keys made")
        page.goto(f"{base}/codes")
        accessible("codes")
        page.fill("#count", "20")
        page.fill("#title", "Medborgarbudget Tensta 2027")
        with page.expect_download() as sheet:
            page.click("main button[type=submit].primary")
        codes = re.findall(r"\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){2,}\b", Path(sheet.value.path()).read_text(encoding="utf-8"))
        codes = list(dict.fromkeys(codes))
        assert len(codes) == 20, codes[:3]

        # The package from the example spreadsheet, with speech, signed and loaded at the office.
        page.goto(f"{base}/package/")
        page.set_input_files("#projects", str(EXAMPLE / "projects.csv"))
        page.set_input_files("#settings", str(example_settings(tmp_path)))
        page.set_input_files("#images", [str(path) for path in sorted((EXAMPLE / "images").iterdir())])
        page.click("main button[type=submit].primary")
        expect(page.locator("#make-speech")).to_be_visible()
        page.click("#make-speech")
        expect(page.locator("#speech-state")).to_contain_text("Talet är klart", timeout=240_000)
        page.click("main a[href$='" + page.url.rsplit("/", 2)[-2] + "']")
        page.fill("#passphrase", PASSPHRASE)
        with page.expect_download() as signed:
            page.click("main form[action$='/sign'] button[type=submit]")
        package_file = Path(signed.value.path()).read_bytes()
        assert sum(name.endswith(".opus") for name in zipfile.ZipFile(io.BytesIO(package_file)).namelist()) >= 20
        with office.app_context():
            assert office_store.election() is not None and len(office_store.election().audio_missing) == 0

        # A station loads the package, shows its enrolment request; the clerk uploads it on the Stations page.
        station = create_station({"AUTHORITY_KEY": authority_key, "STATION_NAME": "Tensta bibliotek", "SESSION_COOKIE_SECURE": False},
                                 data_dir=tmp_path / "station")
        prepare_station(station)
        now = datetime.now(timezone.utc)
        with station.app_context():
            station_store.load_package(package_file, now)
            station_store.set_pin("24681012")
            station_store.open_polls(now)
            request_file = tmp_path / "enrolment-request.json"
            request_file.write_text(json.dumps(outbox.enrolment_request()), encoding="utf-8")
        page.goto(f"{base}/")
        page.set_input_files("#request-file", str(request_file))
        page.fill("#enrol-passphrase", PASSPHRASE)
        with page.expect_download() as certificate:
            page.click("form[action$='/stations/enrol'] button[type=submit]")
        with station.app_context():
            outbox.install_certificate(json.loads(Path(certificate.value.path()).read_text(encoding="utf-8")))

        # Voters vote with their codes; the station's bundle reaches the office's API.
        choices = [("bankar", "odling"), ("bankar",), ("utegym",), ("bankar", "belysning")]
        with station.test_request_context():
            for code, chosen in zip(codes, choices):
                station_store.cast(code[:8], rules.Ballot(selected=chosen), voting_codes.code_hash(code), station.extensions["vallokal_device_key"],
                                   datetime.now(timezone.utc))
        with station.app_context():
            bundle = outbox.make_bundle(0, 500)[0]
        answer = urllib.request.urlopen(urllib.request.Request(f"{base}/api/v1/bundles", data=bundle, headers={"Content-Type": BUNDLE_TYPE}))
        assert answer.status == 200
        answer.close()
        page.goto(f"{base}/")
        assert "Tensta bibliotek" in page.locator("main").inner_text()

        # The count, and publishing with a second clerk.
        page.goto(f"{base}/counts")
        page.fill("#passphrase", PASSPHRASE)
        page.click("form[action$='/counts'] button[type=submit].primary")
        page.wait_for_url(re.compile(r"/counts/\d+/$"), timeout=120_000)
        count_url = page.url
        page.goto(f"{base}/counts")
        page.fill("input[name=second_user]", "bertil")
        page.fill("input[name=second_password]", PASSWORDS["bertil"])
        page.click("form[action$='/publish'] button[type=submit]")
        page.goto(f"{base}/results/")
        published = page.locator("main").inner_text()
        assert "Fler bänkar på Tensta torg" in published, published

        # The protocol, printed and read back.
        page.goto(f"{count_url}protocol")
        pdf = tmp_path / "protocol.pdf"
        page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
        assert "Medborgarbudget Tensta 2027" in text and "Fler bänkar på Tensta torg" in text, text
        benches = next(line for line in text.splitlines() if "Fler bänkar på Tensta torg" in line)
        assert re.search(r"\s3\s", f" {benches} "), text
    assert found == {}, found
    jobs.wait(office, 120)
    context.close()
    with office.app_context():
        office_store.db.engine.dispose()
    with station.app_context():
        station_store.db.engine.dispose()
