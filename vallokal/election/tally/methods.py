"""The counting rules by the names packages, the tally command and the office use."""

from __future__ import annotations

from collections.abc import Callable

from . import comparison, completion, greedy, mes
from .profile import ApprovalProfile

RULES: dict[str, Callable[[ApprovalProfile], list[str]]] = {
    "greedy": lambda profile: greedy.greedy(profile),
    "greedy-per-cost": lambda profile: greedy.greedy(profile, per_cost=True),
    "mes-cost": lambda profile: mes.equal_shares(profile, "cost"),
    "mes-card": lambda profile: mes.equal_shares(profile, "cardinality"),
    "mes-completed": lambda profile: completion.completed(profile, "cost"),
    "mes-compared": lambda profile: comparison.compared(profile),
}

# Rules that need only a score per project, so they count points and rankings as well as approvals.
SCORE_RULES = ("greedy", "greedy-per-cost")

# How Pabulib's META `rule` names each rule.
PABULIB_NAMES = {
    "greedy": "greedy",
    "greedy-per-cost": "greedy-per-cost",
    "mes-cost": "equalshares",
    "mes-card": "equalshares-cardinality",
    "mes-completed": "equalshares/add1",
    "mes-compared": "equalshares/add1-comparison",
}
