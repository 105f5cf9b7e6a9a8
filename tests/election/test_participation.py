"""Participation figures: turnout by station, local day, hour band and channel, and suppressed where published."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from vallokal.election.participation import figures, published

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
