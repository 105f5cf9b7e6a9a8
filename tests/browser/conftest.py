"""A station served by waitress on loopback, and a real Chromium driven by Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import datetime, timezone
from typing import Any

import pytest
from accessibility import multilingual
from helpers import STAFF_PIN, served
from playwright.sync_api import Browser, Page, sync_playwright
from vallokal.election import keys, package as packages
from vallokal.election.material import Draft
from vallokal.kiosk import create_app, prepare, store
from vallokal.sync.office import audio

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


@pytest.fixture(scope="session")
def stations(tmp_path_factory, authority_key, make_document) -> Iterator[dict[str, str]]:
    """Three served stations, one per check-in mode, with a package in all six languages and speech where there is a voice."""
    urls: dict[str, str] = {}
    with ExitStack() as stack:
        for mode in ("open", "code", "staff"):
            document = multilingual(make_document(check_in=mode, code_hashes=["0" * 64] if mode == "code" else None))
            document["projects"] = document["projects"][:4]
            spoken = audio.add_audio(Draft(document)) if mode == "open" else Draft(document)
            # Each station its own cookie name: browsers share cookies between ports of 127.0.0.1, and three
            # stations on one host would otherwise overwrite one another's voter sessions (a real site has one).
            config = {"AUTHORITY_KEY": keys.public_text(authority_key), "SESSION_COOKIE_NAME": f"vallokal_station_{mode}"}
            app = create_app(config, data_dir=tmp_path_factory.mktemp(mode))
            prepare(app)
            with app.app_context():
                now = datetime.now(timezone.utc)
                store.load_package(packages.build_file(spoken.document, authority_key, spoken.assets), now)
                store.set_pin(STAFF_PIN)
                store.open_polls(now)
            urls[mode] = stack.enter_context(served(app))
        yield urls
