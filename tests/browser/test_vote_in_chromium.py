"""A resident votes in a real Chromium, from welcome to receipt, and axe finds nothing."""

from __future__ import annotations

import subprocess

import pytest
from helpers import axe_violations
from playwright.sync_api import Page, expect
from vallokal.election import envelope
from vallokal.kiosk import store

pytestmark = pytest.mark.browser


def decode_qr(png: bytes) -> str:
    """What a phone would read from the QR code: zbarimg (Debian zbar-tools) decodes the screenshot."""
    result = subprocess.run(["zbarimg", "--quiet", "--raw", "-"], input=png, capture_output=True, check=True)
    return result.stdout.decode().strip()


def check_in_in_swedish(page: Page, url: str) -> None:
    page.goto(url + "/")
    page.get_by_role("button", name="Börja rösta").click()
    page.get_by_label("Jag intygar").check()
    page.get_by_role("button", name="Fortsätt").click()


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{page.url}: {violations}"


def test_vote_from_welcome_to_receipt(live_station, page: Page):
    app, url = live_station
    page.goto(url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Välkommen till omröstningen")
    assert_accessible(page)

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome to the vote")
    page.get_by_role("button", name="Start voting").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Who can vote")
    assert_accessible(page)
    page.get_by_label("I confirm that I can vote").check()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your ballot")
    assert_accessible(page)
    status = page.get_by_role("status").first
    page.get_by_label("Artificial turf on the Hjulsta pitch").check()
    expect(status).to_contain_text("Spent: 420,000 kr")
    page.get_by_label("Playground with a swing for every child").check()
    page.get_by_label("Outdoor gym at Tensta träff").check()
    expect(status).to_contain_text("Spent: 980,000 kr · Left: 20,000 kr")
    page.get_by_label("Safe lighting along the footpath to Spånga station").check()
    expect(status).to_contain_text("Over the budget by 160,000 kr")
    page.get_by_role("button", name="Review my choices").click()
    expect(page.get_by_role("alert")).to_contain_text("more than the budget")
    assert_accessible(page)

    page.get_by_label("Outdoor gym at Tensta träff").uncheck()
    page.get_by_label("Safe lighting along the footpath to Spånga station").uncheck()
    expect(status).to_contain_text("Left: 270,000 kr")
    page.get_by_role("button", name="Review my choices").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your vote")
    expect(page.get_by_text("You have 270,000 kr left")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Cast my vote").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for voting")
    code = page.locator("#tracking-code [aria-hidden=true]").inner_text()
    with app.app_context():
        assert [envelope.tracking_code(record.hash) for record in store.records()] == [code]
    assert decode_qr(page.locator("svg.qr").screenshot()) == code
    assert_accessible(page)

    page.get_by_role("button", name="Finish").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Välkommen till omröstningen")
    page.go_back()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Thank you for voting")
    assert code not in page.content()


@pytest.mark.no_javascript
def test_whole_vote_works_without_javascript(live_station, page: Page):
    app, url = live_station
    check_in_in_swedish(page, url)
    page.get_by_label("Konstgräs på bollplanen i Hjulsta").check()
    page.get_by_role("button", name="Uppdatera summan").click()
    expect(page.get_by_role("status").first).to_contain_text("Kvar: 580\xa0000 kr")
    page.get_by_role("button", name="Granska mina val").click()
    page.get_by_role("button", name="Lägg min röst").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tack för att du röstade")
    with app.app_context():
        assert store.ballots_cast() == 1


@pytest.mark.station_config(IDLE_SECONDS=2, IDLE_WARNING_SECONDS=3)
def test_idle_warning_offers_more_time_then_starts_over(live_station, page: Page):
    _, url = live_station
    check_in_in_swedish(page, url)
    page.get_by_label("Fler bänkar på Tensta torg").check()

    more_time = page.get_by_role("button", name="Ja, jag behöver mer tid")
    expect(more_time).to_be_visible(timeout=5000)
    expect(more_time).to_be_focused()
    more_time.click()
    expect(more_time).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_have_text("Din röstsedel")

    expect(more_time).to_be_visible(timeout=5000)
    expect(page.get_by_role("heading", level=1)).to_have_text("Välkommen till omröstningen", timeout=8000)
    page.goto(url + "/ballot")
    expect(page.get_by_role("heading", level=1)).to_have_text("Välkommen till omröstningen")
