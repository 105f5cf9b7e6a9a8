"""A whole vote with the keyboard alone, and with two switches (Tab to move, Enter to select), for every ballot rule."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers import served
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser

RULES = {
    "approval": {"rule": "approval", "max_selections": 3},
    "knapsack": {"rule": "knapsack", "min_selections": 1},
    "ranking": {"rule": "ranking", "max_rank": 3},
    "points": {"rule": "points", "total": 10, "max_per_project": 5},
}
KEYBOARD = ("Tab", "Shift+Tab", "Space", "Enter")
TWO_SWITCHES = ("Tab", "Enter")


@pytest.fixture
def station_with_rule(make_station, make_document, request) -> Iterator[str]:
    app = make_station(make_document(rule=RULES[request.param]))
    with served(app) as url:
        yield url


def move_to(page: Page, selector: str, keys: tuple[str, ...], limit: int = 80) -> None:
    """Press Tab until `selector` has the focus; with Shift+Tab allowed, overshoot by one and come back."""
    for _ in range(limit):
        if page.evaluate("(selector) => document.activeElement.matches(selector)", selector):
            if "Shift+Tab" in keys:
                page.keyboard.press("Tab")
                page.keyboard.press("Shift+Tab")
                assert page.evaluate("(selector) => document.activeElement.matches(selector)", selector)
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def select(page: Page, keys: tuple[str, ...]) -> None:
    """A tick or a press: Space where the keyboard has it, else Enter (the select switch)."""
    page.keyboard.press("Space" if "Space" in keys else "Enter")


@pytest.mark.parametrize("station_with_rule", list(RULES), indirect=True)
@pytest.mark.parametrize("keys", [KEYBOARD, TWO_SWITCHES], ids=["keyboard", "two switches"])
def test_a_whole_vote_without_a_pointer(station_with_rule: str, browser: Browser, keys: tuple[str, ...], request) -> None:
    url = station_with_rule
    rule = request.node.callspec.params["station_with_rule"]
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    pressed: list[str] = []
    page.keyboard.press = _recording(page.keyboard.press, pressed)  # type: ignore[method-assign]
    try:
        page.goto(url + "/")
        move_to(page, "form.start button", keys)
        page.keyboard.press("Enter")
        page.wait_for_url(url + "/eligibility")
        move_to(page, "#confirm", keys)
        select(page, keys)
        assert page.locator("#confirm").is_checked()
        move_to(page, "main form button[type=submit]", keys)
        page.keyboard.press("Enter")
        page.wait_for_url(url + "/ballot")

        if rule in ("approval", "knapsack"):
            for project in ("bankar", "odling"):
                move_to(page, f"#choose-{project}", keys)
                select(page, keys)
            expected = ["Fler bänkar på Tensta torg", "Odlingslådor för grannar"]
        elif rule == "ranking":
            for place, presses in ((1, 3), (2, 1)):
                move_to(page, f"#rank-{place}", keys)
                for _ in range(presses):
                    page.keyboard.press("Enter")
            expected = ["Fler bänkar på Tensta torg", "Trygg belysning längs gångvägen till Spånga station"]
        else:
            move_to(page, "button[value='utegym:+1']", keys)
            for _ in range(4):
                select(page, keys)
            expect(page.locator("#points-utegym")).to_have_value("4")
            move_to(page, "button[value='odling:+1']", keys)
            for _ in range(6):
                select(page, keys)
            expect(page.locator("#points-odling")).to_have_value("5")
            move_to(page, "button[value='odling:-1']", keys)
            select(page, keys)
            expect(page.locator("#points-odling")).to_have_value("4")
            expected = ["Utegym vid Tensta träff", "4 poäng", "Odlingslådor för grannar"]

        move_to(page, "button[value=review]", keys)
        page.keyboard.press("Enter")
        page.wait_for_url(url + "/review")
        review = page.locator("main").inner_text()
        for text in expected:
            assert text in review, review
        move_to(page, "form.cast-form button", keys)
        page.keyboard.press("Enter")
        page.wait_for_url(url + "/receipt")
        expect(page.get_by_role("heading", level=1)).to_have_text("Tack för att du röstade")
        assert set(pressed) <= set(keys), pressed
    finally:
        context.close()


def _recording(press, pressed: list[str]):
    def recorded(key: str, **options):
        pressed.append(key)
        return press(key, **options)

    return recorded


@pytest.mark.parametrize("station_with_rule", ["points"], indirect=True)
def test_enter_in_a_typed_points_field_goes_on_to_the_review(station_with_rule: str, browser: Browser) -> None:
    url = station_with_rule
    for javascript in (True, False):
        context = browser.new_context(viewport={"width": 1024, "height": 768}, java_script_enabled=javascript)
        page = context.new_page()
        page.goto(url + "/")
        page.get_by_role("button", name="Börja rösta").click()
        page.get_by_label("Jag intygar").check()
        page.get_by_role("button", name="Fortsätt").click()
        page.locator("#points-belysning").fill("3")
        page.locator("#points-belysning").press("Enter")
        page.wait_for_url(url + "/review")
        assert "3 poäng" in page.locator("main").inner_text()
        context.close()


@pytest.mark.parametrize("station_with_rule", ["approval", "ranking", "points"], indirect=True)
def test_every_rules_ballot_passes_axe_in_every_language(station_with_rule: str, browser: Browser) -> None:
    """The knapsack pages are in the full matrix; the other rules' ballot pages, which differ most, are checked here."""
    from accessibility import LANGUAGES, choose_display
    from helpers import axe_violations

    url = station_with_rule
    found = {}
    for language in LANGUAGES:
        for display in ({"contrast": "default", "text_size": "normal"}, {"contrast": "dark", "text_size": "largest"}):
            context = browser.new_context(viewport={"width": 1024, "height": 768}, bypass_csp=True)
            page = context.new_page()
            choose_display(page, url, language, **display)
            page.goto(url + "/")
            page.locator("form.start button").click()
            page.locator("#confirm").check()
            page.locator("main form button[type=submit]").click()
            page.wait_for_url(url + "/ballot")
            violations = axe_violations(page)
            if violations:
                found[f"{language} {display}"] = violations
            context.close()
    assert found == {}
