"""Every option of a counting rule, pinned by name, as a publication states it and the verifier checks it."""

from __future__ import annotations

from typing import Any

TIE_BREAK = "smallest project id as text"
# How a package's counting.tie_break names the tie-breaks the core computes.
PACKAGE_TIE_BREAKS = {"project-id": TIE_BREAK}
ARITHMETIC = "exact rational numbers"

_RULES: dict[str, dict[str, str]] = {
    "greedy": {"method": "greedy by score", "completion": "none", "satisfaction": "score"},
    "greedy-per-cost": {"method": "greedy by score per cost", "completion": "none", "satisfaction": "score"},
    "mes-cost": {"method": "method of equal shares", "completion": "none", "satisfaction": "cost"},
    "mes-card": {"method": "method of equal shares", "completion": "none", "satisfaction": "cardinality"},
    "mes-completed": {"method": "method of equal shares", "completion": "add1, then greedy", "satisfaction": "cost"},
    "mes-compared": {"method": "method of equal shares", "completion": "add1, compared with greedy", "satisfaction": "cost"},
}


def of(rule: str) -> dict[str, Any]:
    """The pinned parameters of `rule`; raises KeyError for a rule the core does not know."""
    return {"rule": rule, **_RULES[rule], "tie_break": TIE_BREAK, "arithmetic": ARITHMETIC}
