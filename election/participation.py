"""Participation figures for the board: turnout by station, day, hour band and channel, anonymous and aggregated.

Only counts leave this module, never a record or its order. Times are read in the election's zone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from .suppression import Cell, suppress, suppress_each

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
    """Every breakdown with small counts suppressed, for what is printed, exported or published.

    When the stations' own total is hidden among the channels, every other breakdown (each adds up to
    it, or nearly) hides enough too, or its sum would give the hidden total back, and with it the small channel.
    """
    channels = suppress(participation.breakdowns["channels"], threshold)
    station_total_hidden = channels.get("stations", Cell(0)).count is None
    every = {**participation.breakdowns, **participation.extra}
    cells = {}
    for key, counts in every.items():
        if key == "channels":
            cells[key] = channels
        elif key in INDEPENDENT:
            cells[key] = suppress_each(counts, threshold)
        else:
            cells[key] = suppress(counts, threshold, total_hidden=station_total_hidden)
    return cells


# What the stations count ------------------------------------------------------------
#
# A station keeps one counter per local polling day and name, raised when a ballot is cast,
# a session is abandoned or a survey is answered; never a row per voter, never a time finer
# than the day. The names below are the whole vocabulary, so the office can check what it reads.

BALLOTS = "ballots"
ABANDONED = "sessions:abandoned"
SURVEY_ANSWERED = "survey:answered"
SURVEY_NOT_ANSWERED = "survey:not_answered"
TEXT_SIZES = ("normal", "large", "larger", "largest")
CONTRASTS = ("default", "dark", "light")
FEATURES = ("speech", "help", "changed_on_review")
TIME_BANDS = (("under_2", 120), ("2_5", 300), ("5_10", 600), ("over_10", None))
"""Time from check-in to cast, in bands coarse enough that a band never tells one voter from another."""
NO_ANSWER = "none"
COUNTER_BREAKDOWNS = ("languages", "text_sizes", "contrasts", "features", "time_to_cast", "sessions")
INDEPENDENT = {"features", "sessions"}
"""Breakdowns whose cells add up to no published total (a ballot may use speech and help; sessions started are not
published): each cell is suppressed on its own."""


def time_band(seconds: float) -> str:
    return next(name for name, limit in TIME_BANDS if limit is None or seconds < limit)


def cast_counters(language: str, text_size: str, contrast: str, features: Iterable[str], seconds: float) -> list[str]:
    """The counter names one cast raises: one language, one text size, one theme, one time band, the features used."""
    used = sorted(set(features) & set(FEATURES))
    return [BALLOTS, f"language:{language}", f"text_size:{text_size}", f"contrast:{contrast}", f"time:{time_band(seconds)}"] + [
        f"feature:{feature}" for feature in used
    ]


def survey_counters(questions: Iterable[Mapping[str, Any]], answers: Mapping[str, str]) -> list[str]:
    """The counter names a sent survey raises: one answer (or "none") per question; unknown answers count as none."""
    names = [SURVEY_ANSWERED]
    for question in questions:
        known = {answer["id"] for answer in question["answers"]}
        given = answers.get(question["id"])
        names.append(f"survey:{question['id']}:{given if given in known else NO_ANSWER}")
    return names


def every_counter(languages: Iterable[str], questions: Iterable[Mapping[str, Any]] = ()) -> list[str]:
    """Every name a station with these languages and survey can raise, sorted: created together, at zero, so the order in
    which counters first appear says nothing about who came first."""
    names = {BALLOTS, ABANDONED, SURVEY_ANSWERED, SURVEY_NOT_ANSWERED}
    names |= {f"language:{language}" for language in languages}
    names |= {f"text_size:{size}" for size in TEXT_SIZES} | {f"contrast:{theme}" for theme in CONTRASTS}
    names |= {f"feature:{feature}" for feature in FEATURES} | {f"time:{band}" for band, _ in TIME_BANDS}
    for question in questions:
        names |= {f"survey:{question['id']}:{answer['id']}" for answer in question["answers"]} | {f"survey:{question['id']}:{NO_ANSWER}"}
    return sorted(names)


def counter_breakdowns(totals: Mapping[str, int], questions: Iterable[Mapping[str, Any]] = ()) -> dict[str, dict[str, int]]:
    """The stations' counters (summed over stations and days) as breakdowns for the report, in a fixed order."""

    def prefixed(prefix: str, order: Iterable[str] | None = None) -> dict[str, int]:
        found = {name[len(prefix):]: count for name, count in totals.items() if name.startswith(prefix)}
        if order is None:
            return dict(sorted(found.items()))
        return {key: found.get(key, 0) for key in order}

    if not totals:
        return {}
    breakdowns = {
        "languages": {key: count for key, count in prefixed("language:").items() if count},
        "text_sizes": prefixed("text_size:", TEXT_SIZES),
        "contrasts": prefixed("contrast:", CONTRASTS),
        "features": prefixed("feature:", FEATURES),
        "time_to_cast": prefixed("time:", [band for band, _ in TIME_BANDS]),
        "sessions": {"cast": totals.get(BALLOTS, 0), "abandoned": totals.get(ABANDONED, 0)},
    }
    questions = list(questions)
    if questions:
        breakdowns["survey"] = {"answered": totals.get(SURVEY_ANSWERED, 0), "not_answered": totals.get(SURVEY_NOT_ANSWERED, 0)}
    for question in questions:
        order = [answer["id"] for answer in question["answers"]] + [NO_ANSWER]
        breakdowns[f"survey:{question['id']}"] = prefixed(f"survey:{question['id']}:", order)
    return breakdowns
