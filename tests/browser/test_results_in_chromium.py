"""The public results page and the protocol in a real Chromium: axe-core finds nothing, and it reads at 320 px."""

from __future__ import annotations

import pytest
import waitress.server
from helpers import axe_violations, running
from syncing import Election, bundle_of, cast, now, post_bundle
from vallokal.election import keys, package as packages
from vallokal.election.rules import Ballot
from vallokal.kiosk import store as station_store
from vallokal.sync.office import counting, create_app as create_office, prepare as prepare_office, store as office_store


@pytest.fixture
def published(tmp_path, authority_key, make_document, sealing_key):
    """An office on SQLite with a counted and published election, served on loopback; yields its address and a tracking code."""
    office = create_office({"AUTHORITY_KEY": keys.public_text(authority_key), "SESSION_COOKIE_SECURE": False}, data_dir=tmp_path / "office")
    prepare_office(office)
    package_file = packages.build_file(make_document(office_signing_public=keys.public_text(office.extensions["vallokal_office_key"])), authority_key)
    with office.app_context():
        office_store.load_package(package_file)
    election = Election(office, package_file, tmp_path, authority_key, make_document)
    station = election.station("Tensta bibliotek")
    with station.test_request_context():
        code = station_store.cast("browser-voter", Ballot(selected=("lekplats",)), None, station.extensions["vallokal_device_key"], now())
    cast(station, 4, ("bankar", "odling"))
    assert post_bundle(election, bundle_of(station)).status_code == 200
    with office.app_context():
        counting.publish(counting.run(sealing_key, "test", now()).id, now(), published_by="anna", approved_by="bertil")
    server = waitress.server.create_server(office, host="127.0.0.1", port=0, threads=2)
    try:
        with running(server):
            yield f"http://127.0.0.1:{server.effective_port}", code
    finally:
        with office.app_context():
            office_store.db.engine.dispose()


@pytest.mark.browser
def test_results_and_protocol_have_no_accessibility_violations_in_any_language(published, page):
    from vallokal.web.i18n import LANGUAGES

    base, code = published
    for language in LANGUAGES:
        page.goto(f"{base}/results/")
        page.locator(f"button[name=language][value={language}]").click()
        for path in ("/results/", f"/results/?code={code}", "/results/?code=abc", "/results/protocol"):
            page.goto(base + path)
            assert axe_violations(page) == [], (language, path)
    page.goto(f"{base}/results/?code={code}")
    assert "laskettiin" in page.locator("[role=status]").inner_text()


@pytest.mark.browser
@pytest.mark.no_javascript
def test_results_reflow_at_320_pixels_without_javascript(published, page):
    base, code = published
    page.set_viewport_size({"width": 320, "height": 640})
    for language in ("sv", "ar", "so"):
        page.goto(f"{base}/results/")
        page.locator(f"button[name=language][value={language}]").click()
        for path in ("/results/", "/results/protocol"):
            page.goto(base + path)
            assert page.evaluate("document.documentElement.scrollWidth") <= 320, (language, path)
    page.goto(f"{base}/results/")
    page.locator("button[name=language][value=sv]").click()
    page.goto(f"{base}/results/")
    page.get_by_label("Spårningskoden på ditt kvitto").fill(code.replace("-", "").lower())
    page.get_by_role("button", name="Sök").click()
    assert "är räknad" in page.locator("[role=status]").inner_text()
