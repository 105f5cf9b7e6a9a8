"""Participation figures: turnout by station, local day, hour band and channel, and suppressed where published."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from hypothesis import given, settings, strategies as st
from vallokal.election.participation import counter_breakdowns, figures, published
from vallokal.election.suppression import suppress

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def test_days_and_hour_bands_are_read_in_local_time():
    minutes = [("Tensta", "2027-03-01T22:30Z"), ("Tensta", "2027-03-02T07:10Z"), ("Hjulsta", "2027-03-02T08:59Z"), ("Tensta", "not a minute")]
    result = figures(minutes, {"paper": 2}, STOCKHOLM, eligible=40)
    assert result.breakdowns["stations"] == {"Hjulsta": 1, "Tensta": 3}
    assert result.breakdowns["days"] == {"2027-03-01": 1, "2027-03-02": 2}, "22:30 UTC is 23:30 in Stockholm, still the 1st"
    assert result.breakdowns["hour_bands"] == {"08–10": 2, "22–24": 1}
    assert result.breakdowns["channels"] == {"stations": 4, "paper": 2}
    assert result.total == 6 and result.turnout_percent == 15.0


def test_what_is_published_hides_small_counts():
    minutes = [("Tensta", "2027-03-02T09:00Z")] * 30 + [("Hjulsta", "2027-03-02T09:00Z")] * 3 + [("Rinkeby", "2027-03-02T09:00Z")] * 12
    cells = published(figures(minutes, {"paper": 1}, STOCKHOLM), threshold=10)
    assert cells["stations"]["Hjulsta"].machine(10) == "<10"
    assert cells["stations"]["Rinkeby"].count is None, "Hjulsta alone would follow from the total"
    assert cells["stations"]["Tensta"].count == 30
    assert cells["channels"]["paper"].machine(10) == "<10" and cells["channels"]["stations"].count is None


def test_a_small_channel_cannot_be_recovered_from_a_breakdown_of_the_station_ballots():
    """Paper 3, stations 45: the channels hide both, so the languages (adding up to 45) must not give 45 back."""
    minutes = [("Tensta", "2027-03-02T09:00Z")] * 45
    extra = counter_breakdowns({"ballots": 45, "language:sv": 30, "language:en": 15, "feature:speech": 3, "feature:help": 20})
    cells = published(figures(minutes, {"paper": 3}, STOCKHOLM, extra=extra), threshold=10)
    assert cells["channels"]["paper"].count is None and cells["channels"]["stations"].count is None
    for key in ("stations", "days", "hour_bands", "languages"):
        hidden = [label for label, cell in cells[key].items() if cell.count is None]
        assert hidden == list(cells[key]) or len(hidden) >= 2, f"{key} would add up to the stations' 45, and 48 − 45 is paper's 3"
    assert cells["features"]["speech"].machine(10) == "<10" and cells["features"]["help"].count == 20, "features add up to nothing: each on its own"


def test_counters_become_breakdowns_in_a_fixed_order():
    totals = {"ballots": 5, "language:sv": 3, "language:ar": 2, "text_size:large": 1, "time:5_10": 5, "sessions:abandoned": 2}
    breakdowns = counter_breakdowns(totals, [{"id": "age", "answers": [{"id": "young"}, {"id": "old"}]}])
    assert list(breakdowns["languages"]) == ["ar", "sv"]
    assert breakdowns["text_sizes"] == {"normal": 0, "large": 1, "larger": 0, "largest": 0}
    assert list(breakdowns["time_to_cast"]) == ["under_2", "2_5", "5_10", "over_10"]
    assert breakdowns["sessions"] == {"cast": 5, "abandoned": 2}
    assert list(breakdowns["survey:age"]) == ["young", "old", "none"]
    assert counter_breakdowns({}) == {}


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from("abcdefg"), st.integers(0, 40), min_size=1), st.booleans())
def test_no_hidden_cell_follows_from_the_total_and_the_shown_ones(counts, total_hidden):
    cells = suppress(counts, 10, total_hidden=total_hidden)
    hidden = [key for key, cell in cells.items() if cell.count is None]
    nonzero = [key for key, count in counts.items() if count]
    for key, cell in cells.items():
        if cell.count is not None:
            assert cell.count == counts[key] and not 0 < counts[key] < 10, "what is shown is exact and never small"
    if hidden and len(nonzero) >= 2 and hidden != nonzero:
        assert len(hidden) >= 2 and sum(counts[key] for key in hidden) >= 10, "the hidden ones follow from the total minus the shown"
    if total_hidden and len(nonzero) >= 2:
        assert len(hidden) >= 2, "a breakdown of a hidden total must not add up to it"
