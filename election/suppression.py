"""Small-count suppression for participation figures that are published, printed or exported.

A cell under the threshold is shown as "under N". When the hidden cells of a breakdown could be
recovered by subtracting the shown ones from its total (one hidden cell, or hidden cells that add up
to less than the threshold), the smallest shown cells are hidden as well, until they cannot.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_THRESHOLD = 10


@dataclass(frozen=True)
class Cell:
    count: int | None
    """The exact count, or None when it is hidden."""
    under_threshold: bool = False
    """Hidden because it is under the threshold (shown as "under N"); else hidden so the others stay hidden."""

    def text(self, threshold: int, under: str = "under {threshold}", hidden: str = "–") -> str:
        if self.count is not None:
            return str(self.count)
        return under.format(threshold=threshold) if self.under_threshold else hidden

    def machine(self, threshold: int) -> int | str:
        """For JSON and CSV: the count, or the string "<N"."""
        if self.count is not None:
            return self.count
        return f"<{threshold}" if self.under_threshold else "suppressed"


def suppress(counts: Mapping[str, int], threshold: int = DEFAULT_THRESHOLD, total_hidden: bool = False) -> dict[str, Cell]:
    """Each count as a cell, with enough hidden that no hidden one follows from the total and the shown ones.

    With `total_hidden` the breakdown's total is itself hidden elsewhere, so its cells must not add up
    to it either: at least two cells holding together at least the threshold are hidden.
    """
    if threshold <= 1:
        return {key: Cell(count) for key, count in counts.items()}
    hidden = {key for key, count in counts.items() if 0 < count < threshold}
    shown_by_size = sorted((key for key in counts if key not in hidden and counts[key] > 0), key=lambda key: (counts[key], key))
    while (hidden or total_hidden) and (len(hidden) < 2 or sum(counts[key] for key in hidden) < threshold) and shown_by_size:
        hidden.add(shown_by_size.pop(0))
    return {key: Cell(None if key in hidden else count, under_threshold=key in hidden and count < threshold) for key, count in counts.items()}


def suppress_each(counts: Mapping[str, int], threshold: int = DEFAULT_THRESHOLD) -> dict[str, Cell]:
    """Counts that do not add up to anything published (a ballot may use several features): each hidden on its own."""
    return {key: suppress_total(count, threshold) for key, count in counts.items()}


def suppress_total(total: int, threshold: int = DEFAULT_THRESHOLD) -> Cell:
    return Cell(None, under_threshold=True) if 0 < total < threshold else Cell(total)
