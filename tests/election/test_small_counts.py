"""Small counts stay hidden, and no hidden count can be recovered by subtracting shown ones from the total."""

from __future__ import annotations

from hypothesis import given, strategies as st
from vallokal.election.suppression import suppress, suppress_total


def test_a_cell_under_the_threshold_says_under_ten():
    cells = suppress({"sv": 40, "ar": 3, "so": 9, "en": 25})
    assert cells["ar"].text(10) == "under 10" and cells["so"].machine(10) == "<10"
    assert cells["sv"].count == 40 and cells["en"].count == 25


def test_one_small_cell_is_not_given_away_by_the_total():
    cells = suppress({"sv": 120, "ar": 4, "fi": 30})
    total = 154
    assert cells["ar"].count is None
    shown = [cell.count for cell in cells.values() if cell.count is not None]
    assert len(shown) == 1, "hiding 'ar' alone would give it away as total minus the others"
    assert total - sum(shown) >= 10
    assert cells["fi"].count is None and not cells["fi"].under_threshold and cells["fi"].text(10) == "–"


def test_nothing_is_hidden_when_every_cell_is_large_and_zero_is_shown():
    cells = suppress({"sv": 12, "en": 10, "fi": 0})
    assert [cell.count for cell in cells.values()] == [12, 10, 0]


def test_a_total_under_the_threshold_is_hidden_too():
    assert suppress_total(7).machine(10) == "<10" and suppress_total(0).count == 0 and suppress_total(11).count == 11


@given(st.dictionaries(st.sampled_from(["a", "b", "c", "d", "e", "f"]), st.integers(0, 60), min_size=1), st.integers(2, 15))
def test_no_hidden_cell_follows_from_the_total(counts, threshold):
    cells = suppress(counts, threshold)
    hidden = [key for key, cell in cells.items() if cell.count is None]
    for key, cell in cells.items():
        if 0 < counts[key] < threshold:
            assert cell.count is None
        if cell.count is not None:
            assert cell.count == counts[key]
    if hidden:
        assert len(hidden) >= 2 or len(counts) == 1 or all(cells[key].count is None for key in counts if counts[key] > 0)
        hidden_sum = sum(counts[key] for key in hidden)
        assert hidden_sum >= threshold or all(cells[key].count is None for key in counts if counts[key] > 0)
