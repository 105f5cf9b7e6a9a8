"""A station served by waitress on loopback, and a real Chromium driven by Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from helpers import served

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def live_station(make_station, request) -> Iterator[tuple[Any, str]]:
    """A served station; a test may pass config through `@pytest.mark.station_config(...)`."""
    marker = request.node.get_closest_marker("station_config")
    app = make_station(**(marker.kwargs if marker else {}))
    with served(app) as url:
        yield app, url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, request) -> Iterator[Page]:
    javascript = request.node.get_closest_marker("no_javascript") is None
    context = browser.new_context(bypass_csp=True, viewport={"width": 1024, "height": 768}, java_script_enabled=javascript)
    page = context.new_page()
    yield page
    context.close()
