"""The package pages in a real Chromium, in Swedish and English, in every state a clerk meets them:
upload, problems, preview, speech in progress and done, sign and download. axe finds nothing."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from helpers import axe_violations, served
from playwright.sync_api import expect
from syncing import PASSWORD
from vallokal.election import keys
from vallokal.sync.office import authority, create_app as create_office, jobs, prepare as prepare_office, store as office_store

PASSPHRASE = "a long enough passphrase"
WORDS = {
    "sv": {"language": "Svenska", "problems": "i underlaget", "speech": "Talet är klart"},
    "en": {"language": "English", "problems": "in the material", "speech": "The speech is ready"},
}


EXAMPLE = Path(__file__).resolve().parents[2] / "provisioning" / "example"


def material(folder: Path) -> dict[str, Path]:
    """Two of the example's projects, its settings with Somali added (no voice) and open check-in, and a window still to come."""
    folder.mkdir(parents=True)
    rows = (EXAMPLE / "projects.csv").read_text(encoding="utf-8").splitlines()[:3]
    settings = (EXAMPLE / "settings.toml").read_text(encoding="utf-8").replace('languages = ["sv", "en"]', 'languages = ["sv", "en", "so"]')
    settings = settings.replace('check_in = "code"', 'check_in = "open"').replace("2027-03-01T08", "2099-03-01T08").replace("2027-03-21T20", "2099-03-21T20")
    files = {"projects": folder / "projekt.csv", "settings": folder / "settings.toml", "bad": folder / "fel.csv"}
    files["projects"].write_text("\n".join(rows) + "\n", encoding="utf-8")
    files["bad"].write_text("\n".join(rows).replace("180 000", "mycket") + "\n", encoding="utf-8")
    files["settings"].write_text(settings, encoding="utf-8")
    return files


@pytest.fixture
def office_with_keys(tmp_path):
    office = create_office({"SESSION_COOKIE_SECURE": False}, data_dir=tmp_path / "office")
    prepare_office(office)
    authority.create_keys(tmp_path / "office", PASSPHRASE, keys.public_text(office.extensions["vallokal_office_key"]))
    with office.app_context():
        office_store.add_user("anna", PASSWORD)
    with served(office) as url:
        yield office, url
    jobs.wait(office, 120)
    with office.app_context():
        office_store.db.engine.dispose()


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("language", ["sv", "en"])
def test_every_state_of_the_package_pages_has_no_accessibility_violations(office_with_keys, page, tmp_path, language):
    office, base = office_with_keys
    files = material(tmp_path / "material")
    words = WORDS[language]
    page.set_viewport_size({"width": 1280, "height": 900})
    found = {}

    def check(state: str) -> None:
        assert page.evaluate("document.documentElement.lang") == language, state
        violations = axe_violations(page)
        if violations:
            found[state] = violations

    page.goto(f"{base}/login")
    page.click(f"button[name=language][value={language}]")
    page.fill("#username", "anna")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    page.goto(f"{base}/package/")
    check("upload")

    page.set_input_files("#projects", str(files["bad"]))
    page.set_input_files("#settings", str(files["settings"]))
    page.click("main button[type=submit].primary")
    assert words["problems"] in page.locator("#problems").inner_text()
    check("problems")

    page.set_input_files("#projects", str(files["projects"]))
    page.set_input_files("#settings", str(files["settings"]))
    page.click("main button[type=submit].primary")
    expect(page.locator("#speech-voiceless")).to_have_count(1)  # count() does not wait for the page the upload loads
    check("draft, no speech yet")
    page.click("#make-speech")
    assert page.url.endswith("/speech")
    draft = page.url.removesuffix("/speech")
    check("speech in progress")
    expect(page.locator("#speech-state")).to_contain_text(words["speech"], timeout=120_000)
    assert page.locator("#job-progress[data-poll]").count() == 0
    check("speech done, the page updated in place")
    page.goto(f"{draft}/preview/{language}")
    check("preview")
    page.goto(draft)
    assert page.locator("#speech-ready").count() == 1
    check("ready to sign")
    page.fill("#passphrase", PASSPHRASE)
    with page.expect_download() as download:
        page.click("main form[action$='/sign'] button[type=submit]")
    signed = Path(download.value.path())
    assert any(name.endswith(".opus") for name in zipfile.ZipFile(signed).namelist())
    check("after download")
    assert found == {}, found
