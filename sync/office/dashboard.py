"""The clerks' start page during the vote: exact figures for staff (suppression applies only to
what is published, printed for the board or exported), ballots received per hour as an SVG chart
drawn on the server, and a list of what needs a person's attention."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext, ngettext
from markupsafe import Markup, escape

from ...web.local_time import local_time, zone
from . import store

MOST_HOURS = 48
CHART_WIDTH, CHART_HEIGHT, AXIS = 720, 200, 28


@dataclass(frozen=True)
class Hour:
    start: datetime
    ballots: int


def ballots_per_hour() -> list[Hour]:
    """Ballots by the hour they were cast (from each record's cast minute), every hour from the first
    to the last, at most the latest 48."""
    counted = {datetime.fromisoformat(hour + ":00+00:00"): number for hour, number in store.ballots_by_hour() if hour and len(hour) == 13}
    if not counted:
        return []
    last = max(counted)
    first = max(min(counted), last - timedelta(hours=MOST_HOURS - 1))
    hours, moment = [], first
    while moment <= last:
        hours.append(Hour(moment, counted.get(moment, 0)))
        moment += timedelta(hours=1)
    return hours


def chart(hours: list[Hour]) -> Markup:
    """Bars for the hours, labelled in local time every few hours, with the figures in the title for screen readers."""
    if not hours:
        return Markup("")
    highest = max(hour.ballots for hour in hours) or 1
    width = (CHART_WIDTH - AXIS) / len(hours)
    step = max(1, len(hours) // 8)
    parts = []
    for index, hour in enumerate(hours):
        height = (CHART_HEIGHT - AXIS) * hour.ballots / highest
        x = AXIS + index * width
        label = f"{local_time(hour.start)}: {hour.ballots}"
        parts.append(
            f'<rect class="hour" x="{x + 1:.1f}" y="{CHART_HEIGHT - AXIS - height:.1f}" width="{max(width - 2, 1):.1f}" height="{height:.1f}">'
            f"<title>{escape(label)}</title></rect>"
        )
        if index % step == 0:
            parts.append(f'<text x="{x + width / 2:.1f}" y="{CHART_HEIGHT - 8}" text-anchor="middle">{hour.start.astimezone(zone()).strftime("%H")}</text>')
    parts.append(f'<text x="2" y="14">{highest}</text><text x="2" y="{CHART_HEIGHT - AXIS}">0</text>')
    total = sum(hour.ballots for hour in hours)
    summary = ngettext("%(num)d ballot, by the hour it was cast", "%(num)d ballots, by the hour they were cast", total)
    return Markup(f'<svg class="hours-chart" viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" role="img" aria-label="{escape(summary)}">' + "".join(parts) + "</svg>")


def attention(stations: list[dict[str, Any]], alert_count: int) -> list[str]:
    """What a clerk should look at now, most urgent first, in the page's language."""
    needs: list[str] = []
    for row in stations:
        device = row["device"]
        if device.revoked_at is not None:
            continue
        if row["silent"]:
            needs.append(
                str(lazy_gettext("%(station)s has not been in touch since %(time)s.", station=device.station_name, time=local_time(row["last_contact"])))
            )
        if row["missing"]:
            ranges = ", ".join(f"{start}–{end}" if end != start else str(start) for start, end in row["missing"])
            needs.append(str(lazy_gettext("%(station)s: records %(ranges)s are missing.", station=device.station_name, ranges=ranges)))
        if row["closing"] and not row["closing"]["matches"]:
            needs.append(str(lazy_gettext("%(station)s: the closing report does not match what arrived yet.", station=device.station_name)))
    if alert_count:
        needs.append(str(lazy_gettext("%(count)s alerts to read under Alerts.", count=alert_count)))
    return needs
