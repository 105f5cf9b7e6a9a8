"""Listening in Chromium: nothing speaks until asked; a clip plays at the chosen speed (pitch kept) and volume; the settings end with the voter."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from helpers import served
from playwright.sync_api import Browser, Page, expect
from vallokal.election.material import Draft
from vallokal.sync.office import audio

pytestmark = pytest.mark.browser

RECORD_PLAYS = """
window.plays = [];
const play = HTMLMediaElement.prototype.play;
HTMLMediaElement.prototype.play = function () {
  window.plays.push({ src: this.src, rate: this.playbackRate, volume: this.volume, pitch: this.preservesPitch });
  window.lastPlayer = this;
  return play.call(this);
};
"""


@pytest.fixture(scope="module")
def spoken_package(make_document):
    document = make_document()
    document["projects"] = document["projects"][:3]
    return audio.add_audio(Draft(document))


@pytest.fixture
def station_url(make_station, spoken_package) -> Iterator[str]:
    app = make_station(spoken_package.document, assets=spoken_package.assets)
    with served(app) as url:
        yield url


def plays(page: Page) -> list[dict]:
    return page.evaluate("window.plays")


def test_listening_is_asked_for_and_set_by_the_voter(station_url: str, browser: Browser, spoken_package) -> None:
    url = station_url
    context = browser.new_context(viewport={"width": 1024, "height": 768}, bypass_csp=True)
    context.add_init_script(RECORD_PLAYS)
    page = context.new_page()
    try:
        page.goto(url + "/")
        assert plays(page) == []
        page.get_by_role("button", name="Börja rösta").click()
        page.get_by_label("Jag intygar").check()
        page.get_by_role("button", name="Fortsätt").click()
        page.wait_for_url(url + "/ballot")
        page.wait_for_timeout(500)
        assert plays(page) == [], "nothing may speak before the voter asks"

        listen = page.locator("#project-belysning").get_by_role("button", name="Lyssna")
        listen.click()
        expect(listen).to_have_attribute("aria-pressed", "true")
        clip = spoken_package.document["audio"]["sv"]["project:belysning"].removeprefix("assets/")
        assert plays(page) == [{"src": f"{url}/assets/{clip}", "rate": 1, "volume": 1, "pitch": True}]
        page.wait_for_function("window.lastPlayer.currentTime > 0.3", timeout=5000)

        for _ in range(6):
            page.get_by_role("button", name="Snabbare").click()
        expect(page.locator(".audio-status")).to_have_text("Hastighet: 200 % · Ljudvolym: 100 %")
        assert page.evaluate("window.lastPlayer.playbackRate") == 2
        for _ in range(9):
            page.get_by_role("button", name="Långsammare").click()
        for _ in range(2):
            page.get_by_role("button", name="Tystare").click()
        expect(page.locator(".audio-status")).to_have_text("Hastighet: 50 % · Ljudvolym: 60 %")
        assert page.evaluate("[window.lastPlayer.playbackRate, window.lastPlayer.volume, window.lastPlayer.preservesPitch]") == [0.5, 0.6, True]
        listen.click()
        expect(listen).to_have_attribute("aria-pressed", "false")
        assert page.evaluate("window.lastPlayer.paused")

        page.wait_for_timeout(300)
        page.goto(url + "/ballot")
        expect(page.locator(".audio-status")).to_have_text("Hastighet: 50 % · Ljudvolym: 60 %")
        page.get_by_role("button", name=re.compile("^Lyssna\\W+Din röstsedel")).click()
        assert plays(page)[-1]["rate"] == 0.5 and plays(page)[-1]["volume"] == 0.6

        page.get_by_role("button", name="Avbryt och börja om").click()
        page.wait_for_url(url + "/")
        expect(page.locator(".audio-status")).to_have_text("Hastighet: 100 % · Ljudvolym: 100 %")
    finally:
        context.close()
