"""Paper a board can sign: the protocol and the zero and closing reports printed to PDF by Chromium
and read back with pdftotext: margins of at least 15 mm, a page number and the election's title
and district on every page, local time, and labelled signature lines."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import STAFF_PIN, Voter, axe_violations, served
from offices import busy_office, log_in  # noqa: F401 (a fixture)

MILLIMETRE = 72 / 25.4
TITLE = "Medborgarbudget Tensta 2026"
DISTRICT = "Tensta och Hjulsta"
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')
PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)


def printed(page, url: str, path: Path) -> list[dict]:
    """The PDF Chromium prints of `url`, page by page: its size, its words and where they stand."""
    assert shutil.which("pdftotext"), "pdftotext is missing: install poppler-utils (scripts/test does)"
    page.goto(url)
    page.pdf(path=str(path), prefer_css_page_size=True, print_background=True)
    boxes = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True, text=True).stdout
    pages = []
    for width, height, body in PAGE.findall(boxes):
        words = [(float(x0), float(y0), float(x1), float(y1), text) for x0, y0, x1, y1, text in WORD.findall(body)]
        pages.append({"width": float(width), "height": float(height), "words": words, "text": " ".join(word[4] for word in words)})
    return pages


def check_paper(pages: list[dict], document: str) -> None:
    assert pages, document
    for number, sheet in enumerate(pages, 1):
        margin = 15 * MILLIMETRE
        outside = [word[4] for word in sheet["words"]
                   if word[0] < margin or word[1] < margin or word[2] > sheet["width"] - margin or word[3] > sheet["height"] - margin]
        assert outside == [], (document, number, outside)
        assert f"{number} / {len(pages)}" in sheet["text"], (document, number, sheet["text"][-200:])
        assert TITLE in sheet["text"] and DISTRICT in sheet["text"], (document, number, sheet["text"][:200])
    whole = " ".join(sheet["text"] for sheet in pages)
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)? CES?T", whole), (document, whole)
    assert "UTC" not in whole, document
    for label in ("Underskrift", "Namnförtydligande", "Roll", "Datum"):
        assert whole.count(label) >= 2, (document, label)


@pytest.mark.browser
def test_the_protocol_prints_with_margins_page_numbers_and_the_title_on_every_page(busy_office, page, tmp_path):
    log_in(page, busy_office)
    for path in ("/counts/1/protocol", "/results/protocol"):
        pages = printed(page, busy_office + path, tmp_path / "protocol.pdf")
        check_paper(pages, path)
        assert "Protokoll" in pages[0]["text"]


@pytest.mark.browser
def test_the_zero_and_closing_reports_print_ready_to_sign(make_station, page, tmp_path):
    app = make_station(open_polls=False)
    voter = Voter(app.test_client())
    with served(app) as base:
        page.goto(f"{base}/staff/login")
        page.fill("#pin", STAFF_PIN)
        page.locator("form[action='/staff/login'] button").click()
        page.locator("form[action='/staff/open'] button").click()
        check_paper(printed(page, f"{base}/staff/report/zero", tmp_path / "zero.pdf"), "zero report")
        assert axe_violations(page) == [], "zero report"
        voter.vote(project=["bankar"])
        page.goto(f"{base}/staff/")
        page.check("#confirm-close")
        page.locator("form[action='/staff/close'] button").click()
        closing = printed(page, f"{base}/staff/report/closed", tmp_path / "closing.pdf")
        check_paper(closing, "closing report")
        assert axe_violations(page) == [], "closing report"
        page.goto(f"{base}/staff/")
        assert axe_violations(page) == [], "staff panel with its reports and the reopening confirmation"
        assert "Slutrapport" in closing[0]["text"]


@pytest.mark.browser
def test_the_participation_report_prints_for_the_board_like_the_protocol(busy_office, page, tmp_path):
    log_in(page, busy_office)
    pages = printed(page, busy_office + "/participation/print", tmp_path / "participation.pdf")
    check_paper(pages, "participation report")
    whole = " ".join(sheet["text"] for sheet in pages)
    assert "Rapport om deltagandet" in pages[0]["text"]
    assert "under 10" in whole, "the station with 3 ballots is suppressed on paper"
    assert axe_violations(page) == [], "participation report"
