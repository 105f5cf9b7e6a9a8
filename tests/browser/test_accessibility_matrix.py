"""Every voter page, in every shipped language, in each colour theme, at 100% and 200% text: axe finds nothing."""

from __future__ import annotations

import itertools

import pytest
from accessibility import CONTRASTS, LANGUAGES, each_page_of_every_check_in, html_lang
from helpers import axe_violations
from playwright.sync_api import Browser

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", LANGUAGES)
def test_axe_finds_nothing_on_any_voter_page(stations, browser: Browser, language: str) -> None:
    found: dict[str, list] = {}
    for contrast, text_size in itertools.product(CONTRASTS, ("normal", "largest")):
        context = browser.new_context(bypass_csp=True, viewport={"width": 1024, "height": 768})
        page = context.new_page()

        def check(name: str) -> None:
            violations = axe_violations(page)
            if violations:
                found[f"{name} ({contrast}, {text_size})"] = violations

        each_page_of_every_check_in(page, stations, check, language=language, text_size=text_size, contrast=contrast)
        shown = page.evaluate("document.documentElement.lang")
        cookies = [(cookie["name"], cookie["value"][:8]) for cookie in context.cookies()]
        assert shown == html_lang(language), f"{page.url} in {shown}; cookies {cookies}"
        assert page.evaluate("document.documentElement.dir") == ("rtl" if language == "ar" else "ltr")
        context.close()
    assert found == {}
