"""A count of a 13-ballot vote started from the office's Counts page in a real Chromium: the page answers
with the progress page while the count is still running, and goes on to the result by itself (issue 15).

The count is held at its first step until the test has seen the progress page, so what is shown does not
depend on how fast the machine counts; `bench/office_count_page.py` measures how long it takes."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from helpers import axe_violations
from playwright.sync_api import expect
from syncing import PASSWORD, bundle_of, cast, post_bundle
from vallokal.election import keys
from vallokal.sync.office import counting, jobs, store as office_store

PASSPHRASE = "räkna rösterna noga"
BALLOTS = 13


def held_at_its_first_step(office) -> threading.Event:
    """Register the office's own count wrapped so that it reports its first step, then waits until the event is set."""
    release = threading.Event()

    def held(job, secret, progress):
        def reported(phase: str, done: int, total: int) -> None:
            progress(phase, done, total)
            if not release.is_set():
                assert release.wait(60), "the test never let the count go on"

        return counting.count_job(job, secret, reported)

    jobs.handler(office, jobs.COUNT, held)
    return release


@pytest.mark.browser
def test_a_count_from_the_page_shows_its_progress_at_once_and_then_its_result(election, live_office, page, sealing_key) -> None:
    keys.write_private(sealing_key, Path(election.office.instance_path) / "office-sealing.pem", PASSPHRASE)
    with election.office.app_context():
        office_store.add_user("anna", PASSWORD)
    station = election.station()
    cast(station, BALLOTS, ("lekplats",))
    assert post_bundle(election, bundle_of(station)).status_code == 200
    release = held_at_its_first_step(election.office)

    page.goto(f"{live_office}/login")
    page.fill("#username", "anna")
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit].primary")
    page.goto(f"{live_office}/counts")
    page.fill("#passphrase", PASSPHRASE)
    try:
        with page.expect_navigation():
            page.click("form[action$='/counts'] button[type=submit].primary")
        assert re.search(r"/jobs/\d+$", page.url), page.url
        progress = page.locator("#job-progress")
        expect(page.locator("#job-state")).to_have_attribute("data-state", "running")
        expect(progress).to_contain_text(f"0 av {BALLOTS}")
        expect(progress.locator("progress")).to_have_attribute("max", str(BALLOTS))
        expect(progress.locator("progress")).to_have_attribute("value", "0")
        assert progress.get_attribute("data-poll") == "1"
        violations = axe_violations(page)
    finally:
        release.set()
    assert violations == [], violations

    page.wait_for_url(re.compile(r"/counts/\d+/$"), timeout=30_000)
    result = page.locator("main")
    expect(result).to_contain_text("Lekplats")
    figures = result.inner_text()
    assert re.search(rf"Giltiga valsedlar\s+{BALLOTS}\b", figures), figures
    assert re.search(rf"Lekplats med gunga för alla barn\t[^\t]+\t\s*{BALLOTS}\tJa", figures), figures
