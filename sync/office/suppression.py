"""Small-channel suppression: per-channel scores are published only where enough ballots hide each voter.

A channel with fewer ballots than the office's SUPPRESSION_THRESHOLD (default 10)
has its scores left out and is folded into the total. So that its scores cannot
be worked out as the total minus the channels shown, further channels are folded
in, smallest first, until the folded ones together hold at least the threshold
(or every channel is folded). Logged-in clerks still see the exact figures.
"""

from __future__ import annotations

import copy
from typing import Any

from flask import current_app

from ...election.suppression import suppress


def threshold() -> int:
    return int(current_app.config["SUPPRESSION_THRESHOLD"])


def folded_channels(channels: dict[str, Any], smallest: int) -> list[str]:
    """The channels whose scores must not be published: the cells `election.suppression` hides."""
    cells = suppress({name: figures["valid"] for name, figures in channels.items()}, smallest)
    return sorted(name for name, cell in cells.items() if cell.count is None)


def published(result: dict[str, Any], smallest: int | None = None) -> dict[str, Any]:
    """A copy of a count's outcome fit to publish: folded channels keep their ballot numbers, not their scores."""
    smallest = threshold() if smallest is None else smallest
    shown = copy.deepcopy(result)
    folded = folded_channels(shown.get("channels", {}), smallest)
    for name in folded:
        shown["channels"][name]["scores"] = None
        shown["channels"][name]["suppressed"] = True
    shown["suppression"] = {"threshold": smallest, "folded_channels": folded}
    return shown
