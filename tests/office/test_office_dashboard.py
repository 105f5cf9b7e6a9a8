"""The clerks' start page during the vote: ballots per hour as an SVG chart, and what needs attention."""

from __future__ import annotations

import re

from syncing import bundle_of, cast, log_in, post_bundle


def test_the_start_page_charts_ballots_per_hour_and_names_missing_records(election, staff):
    station = election.station("Tensta bibliotek")
    cast(station, 6)
    assert post_bundle(election, bundle_of(station, after=2)).status_code == 200
    log_in(staff)
    page = staff.get("/").get_data(as_text=True)
    chart = re.search(r'<svg class="hours-chart"[^>]*aria-label="([^"]+)"', page)
    assert chart and chart.group(1).startswith("4 röster"), page
    assert page.count('<rect class="hour"') >= 1
    attention = re.search(r'<section aria-labelledby="attention-heading".*?</section>', page, re.S).group(0)
    assert "Tensta bibliotek: poster 1–2 saknas." in attention, attention


def test_a_quiet_office_says_nothing_needs_attention(election, staff):
    log_in(staff)
    page = staff.get("/").get_data(as_text=True)
    assert "Inget behöver åtgärdas nu." in page and "hours-chart" not in page
