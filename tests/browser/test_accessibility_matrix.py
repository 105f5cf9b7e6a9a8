"""Every voter page, in every shipped language, in each colour theme, at 100% and 200% text: axe finds nothing."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from accessibility import CONTRASTS, LANGUAGES, each_page_of_every_check_in, multilingual
from helpers import axe_violations, served

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def stations(tmp_path_factory, authority_key, make_document) -> Iterator[dict[str, str]]:
    """Three served stations, one per check-in mode, with a package in all six languages."""
    from contextlib import ExitStack

    from vallokal.election import keys, package as packages
    from vallokal.kiosk import create_app, prepare, store

    from helpers import STAFF_PIN
    from datetime import datetime, timezone

    urls: dict[str, str] = {}
    with ExitStack() as stack:
        for mode in ("open", "code", "staff"):
            document = multilingual(make_document(check_in=mode, code_hashes=["0" * 64] if mode == "code" else None))
            app = create_app({"AUTHORITY_KEY": keys.public_text(authority_key)}, data_dir=tmp_path_factory.mktemp(mode))
            prepare(app)
            with app.app_context():
                now = datetime.now(timezone.utc)
                store.load_package(packages.build_file(document, authority_key), now)
                store.set_pin(STAFF_PIN)
                store.open_polls(now)
            urls[mode] = stack.enter_context(served(app))
        yield urls


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
        assert page.evaluate("document.documentElement.lang") == ("sv" if language == "sv-easy" else language)
        assert page.evaluate("document.documentElement.dir") == ("rtl" if language == "ar" else "ltr")
        context.close()
    assert found == {}
