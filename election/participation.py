"""Participation figures for the board: turnout by station, day, hour band and channel, anonymous and aggregated.

Only counts leave this module, never a record or its order. Times are read in the election's zone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from .suppression import Cell, suppress

HOUR_BAND_HOURS = 2
BREAKDOWNS = ("stations", "days", "hour_bands", "channels")


@dataclass(frozen=True)
class Participation:
    """One breakdown per key of BREAKDOWNS, each an ordered mapping of label → count."""

    breakdowns: dict[str, dict[str, int]]
    total: int
    eligible: int | None = None
    extra: dict[str, dict[str, int]] = field(default_factory=dict)
    """Breakdowns the stations report (languages, display settings, …), when they do."""

    @property
    def turnout_percent(self) -> float | None:
        return round(100 * self.total / self.eligible, 1) if self.eligible else None


def hour_band(hour: int) -> str:
    start = hour - hour % HOUR_BAND_HOURS
    return f"{start:02d}–{start + HOUR_BAND_HOURS:02d}"


def cast_moment(cast_minute: str, zone: ZoneInfo) -> datetime | None:
    """A record's minute in the election's zone; None for a minute that does not parse (counted elsewhere as invalid)."""
    try:
        return datetime.strptime(cast_minute, "%Y-%m-%dT%H:%MZ").replace(tzinfo=timezone.utc).astimezone(zone)
    except (TypeError, ValueError):
        return None


def figures(
    station_minutes: Iterable[tuple[str, str]],
    other_channels: Mapping[str, int],
    zone: ZoneInfo,
    eligible: int | None = None,
    extra: Mapping[str, Mapping[str, int]] | None = None,
) -> Participation:
    """Turnout from (station name, cast minute) pairs and the ballot counts of the other channels."""
    stations: Counter[str] = Counter()
    days: Counter[str] = Counter()
    bands: Counter[str] = Counter()
    for station, minute in station_minutes:
        stations[station] += 1
        moment = cast_moment(minute, zone)
        if moment is not None:
            days[moment.date().isoformat()] += 1
            bands[hour_band(moment.hour)] += 1
    at_stations = sum(stations.values())
    channels = {"stations": at_stations, **{name: count for name, count in other_channels.items()}}
    breakdowns = {
        "stations": dict(sorted(stations.items())),
        "days": dict(sorted(days.items())),
        "hour_bands": dict(sorted(bands.items())),
        "channels": channels,
    }
    return Participation(breakdowns, sum(channels.values()), eligible, {key: dict(value) for key, value in (extra or {}).items()})


def published(participation: Participation, threshold: int) -> dict[str, dict[str, Cell]]:
    """Every breakdown with small counts suppressed, for what is printed, exported or published."""
    every = {**participation.breakdowns, **participation.extra}
    return {key: suppress(counts, threshold) for key, counts in every.items()}
