"""Staff start a vote on a named tablet from a phone, in real Chromium: the tablet opens the ballot within two seconds."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from helpers import STAFF_PIN, axe_violations, served
from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def staff_mode_station(make_station, make_document) -> Iterator[tuple[Any, str]]:
    app = make_station(make_document(check_in="staff"))
    with served(app) as url:
        yield app, url


def staff_log_in(page, url: str) -> None:
    page.goto(url + "/staff/login")
    page.get_by_label("PIN").fill(STAFF_PIN)
    page.get_by_role("button", name="Logga in").click()


def test_a_vote_started_from_a_phone_opens_on_the_tablet_within_two_seconds(staff_mode_station, browser: Browser) -> None:
    _, url = staff_mode_station
    tablet_context = browser.new_context(viewport={"width": 1024, "height": 768}, bypass_csp=True)
    phone_context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True)
    try:
        tablet = tablet_context.new_page()
        staff_log_in(tablet, url)
        tablet.get_by_label("Namnge den här enheten som surfplatta").fill("Surfplatta vid entrén")
        tablet.get_by_role("button", name="Spara namnet").click()
        tablet.get_by_role("button", name="Logga ut").first.click()
        tablet.goto(url + "/activate")
        expect(tablet.get_by_role("heading", name="Den här surfplattan: Surfplatta vid entrén")).to_be_visible()

        phone = phone_context.new_page()
        staff_log_in(phone, url)
        expect(phone.get_by_role("row", name="Surfplatta vid entrén")).to_contain_text("Ja")
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert axe_violations(phone) == []

        started = time.monotonic()
        phone.get_by_role("row", name="Surfplatta vid entrén").get_by_role("button", name="Starta en röstning").click()
        tablet.wait_for_url(url + "/ballot", timeout=2000)
        elapsed = time.monotonic() - started
        print(f"the tablet opened the ballot {elapsed:.2f} s after the tap on the phone")
        assert elapsed < 2.0, elapsed
        expect(tablet.get_by_role("heading", level=1)).to_have_text("Din röstsedel")
        expect(phone.get_by_role("status")).to_contain_text("Röstningen startar på Surfplatta vid entrén")
    finally:
        tablet_context.close()
        phone_context.close()
