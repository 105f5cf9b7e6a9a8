"""A printed voting code, scanned: the sheet's QR code holds the code, and the kiosk takes it as a scanner types it."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import served
from playwright.sync_api import Browser, expect
from test_vote_in_chromium import decode_qr
from vallokal.election import voting_codes
from vallokal.sync.office.authority import code_sheet

pytestmark = pytest.mark.browser


def test_a_scanned_code_from_the_sheet_checks_the_voter_in(browser: Browser, make_station, make_document, tmp_path: Path) -> None:
    codes = voting_codes.generate(3)
    sheet = tmp_path / "codes.html"
    sheet.write_text(code_sheet(codes, "Medborgarbudget Tensta 2026"), encoding="utf-8")
    app = make_station(make_document(check_in="code", code_hashes=[voting_codes.code_hash(code) for code in codes]))
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    with served(app) as url:
        printed = context.new_page()
        printed.goto(sheet.as_uri())
        printed.emulate_media(media="print")
        card = printed.get_by_role("region", name="Röstkod 2")
        expect(card).to_contain_text(codes[1])
        scanned = decode_qr(card.locator("svg").screenshot())
        assert scanned == codes[1]

        kiosk = context.new_page()
        kiosk.goto(url + "/code")
        kiosk.get_by_label("Skriv koden från ditt brev").press_sequentially(scanned + "\n", delay=5)
        expect(kiosk.get_by_role("heading", level=1)).to_have_text("Din röstsedel")
    context.close()
