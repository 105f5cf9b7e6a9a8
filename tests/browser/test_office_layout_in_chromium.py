"""The office's pages in a real Chromium: no word broken across lines in any table, the protocol or
the results at 1280, 1024 and 360 px; labels above their inputs; tables that fit; axe finds nothing."""

from __future__ import annotations

import re

import pytest
from helpers import axe_violations
from offices import busy_office, log_in  # noqa: F401 (a fixture)

WIDTHS = (1280, 1024, 360)
PAGES = ("/", "/alerts", "/audit", "/paper", "/imports", "/counts", "/counts/1/", "/counts/1/protocol", "/package/", "/results/", "/results/protocol")
WHOLE_PAGE = ("/counts/1/", "/counts/1/protocol", "/results/", "/results/protocol")

BROKEN_WORDS = """(selector) => {
  const broken = [];
  for (const root of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/[^ \\t\\n\\r-]+-?/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const tops = new Set([...range.getClientRects()].filter((rect) => rect.width > 0).map((rect) => Math.round(rect.top)));
        if (tops.size > 1) broken.push(match[0]);
      }
    }
  }
  return broken;
}"""

BROKEN_AMOUNTS = """() => [...document.querySelectorAll("main .amount")].filter((element) => {
  const range = document.createRange();
  range.selectNodeContents(element);
  return new Set([...range.getClientRects()].filter((rect) => rect.width > 0).map((rect) => Math.round(rect.top))).size > 1;
}).map((element) => element.textContent)"""

LABELS_BESIDE = """() => [...document.querySelectorAll("main form label[for]")].filter((label) => {
  const input = document.getElementById(label.htmlFor);
  if (!input || input.type === "checkbox" || input.type === "radio" || input.type === "hidden") return false;
  return label.getBoundingClientRect().bottom > input.getBoundingClientRect().top + 1;
}).map((label) => label.textContent.trim())"""

OVERFLOW = """() => ({page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  tables: [...document.querySelectorAll("main table")].filter((table) => table.getBoundingClientRect().right > document.documentElement.clientWidth + 1).map((table) => (table.caption || table.querySelector("th") || table).textContent.trim().slice(0, 40)),
  main: document.querySelector("main").getBoundingClientRect().width})"""


@pytest.mark.browser
def test_office_pages_break_no_word_and_put_labels_above_inputs_at_every_width(busy_office, page):
    log_in(page, busy_office)
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for path in PAGES:
            page.goto(busy_office + path)
            assert page.locator("main h1").count() == 1, path
            broken = page.evaluate(BROKEN_WORDS, "main" if path in WHOLE_PAGE else "main table")
            amounts = page.evaluate(BROKEN_AMOUNTS)
            beside = page.evaluate(LABELS_BESIDE)
            overflow = page.evaluate(OVERFLOW)
            if broken or amounts or beside:
                problems.append((width, path, {"broken words": broken[:8], "broken amounts": amounts[:5], "labels beside inputs": beside}))
            if overflow["page"] > 0 or (width >= 1024 and overflow["tables"]):
                problems.append((width, path, {"overflow": overflow}))
            if width == 1280:
                assert overflow["main"] > 1100, (path, overflow)
    assert problems == [], "\n".join(map(str, problems))


@pytest.mark.browser
def test_every_office_page_has_no_accessibility_violations(busy_office, page):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{busy_office}/login")
    assert axe_violations(page) == [], "/login"
    log_in(page, busy_office)
    for path in PAGES:
        page.goto(busy_office + path)
        assert axe_violations(page) == [], path
    page.set_viewport_size({"width": 360, "height": 800})
    for path in ("/", "/counts/1/protocol"):
        page.goto(busy_office + path)
        assert axe_violations(page) == [], (360, path)


@pytest.mark.browser
def test_times_are_local_with_the_zone_named_and_events_in_words(busy_office, page):
    log_in(page, busy_office)
    text = page.locator("main").inner_text()
    assert "Europe/Stockholm" in text and re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d CES?T", text), text
    assert not re.search(r"\d\dT\d\d:\d\d", text)
    page.goto(f"{busy_office}/alerts")
    alerts = page.locator("main").inner_text()
    assert "revoked_device" not in alerts and "En återkallad enhet skickade röster" in alerts, alerts
