"""Contrast of every text, the size and spacing of every target, and reflow, measured in Chromium on every voter page."""

from __future__ import annotations

import pytest
from accessibility import CONTRAST_OF_TEXT, LANGUAGES, TARGETS, each_page_of_every_check_in, too_close, too_small
from playwright.sync_api import Browser

pytestmark = pytest.mark.browser

MINIMUM_CONTRAST = {"default": 10.0, "light": 20.0, "dark": 20.0}


@pytest.mark.parametrize("contrast", list(MINIMUM_CONTRAST))
def test_every_text_has_the_contrast_of_its_theme(stations, browser: Browser, contrast: str) -> None:
    low: dict[str, list] = {}
    for language in ("sv", "ar"):
        context = browser.new_context(viewport={"width": 1024, "height": 768})
        page = context.new_page()

        def check(name: str) -> None:
            texts = page.evaluate(CONTRAST_OF_TEXT)
            assert texts, name
            below = [text for text in texts if text["ratio"] * text["opacity"] < MINIMUM_CONTRAST[contrast]]
            if below:
                low[f"{name} ({language})"] = below

        each_page_of_every_check_in(page, stations, check, language=language, contrast=contrast)
        context.close()
    assert low == {}


def test_every_target_is_at_least_48_px_and_10_px_from_the_next(stations, browser: Browser) -> None:
    small: dict[str, list] = {}
    close: dict[str, list] = {}
    for language in ("sv", "ar"):
        context = browser.new_context(viewport={"width": 1024, "height": 768})
        page = context.new_page()

        def check(name: str) -> None:
            targets = page.evaluate(TARGETS)
            if too_small(targets):
                small[f"{name} ({language})"] = too_small(targets)
            if too_close(targets):
                close[f"{name} ({language})"] = too_close(targets)

        each_page_of_every_check_in(page, stations, check, language=language)
        context.close()
    assert small == {}, small
    assert close == {}, close


@pytest.mark.parametrize("width, text_size", [(320, "normal"), (1024, "largest"), (640, "largest")])
def test_no_voter_page_scrolls_sideways(stations, browser: Browser, width: int, text_size: str) -> None:
    wide: list[str] = []
    for language in LANGUAGES:
        context = browser.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()

        def check(name: str) -> None:
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            if overflow > 0:
                wide.append(f"{name} ({language}): {overflow} px too wide")

        each_page_of_every_check_in(page, stations, check, language=language, text_size=text_size)
        context.close()
    assert wide == []
