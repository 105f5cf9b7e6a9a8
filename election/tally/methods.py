"""The counting rules by the names packages, the tally command and the office use."""

from __future__ import annotations

from collections.abc import Callable

from ..rules import SCORE_RULES
from . import greedy
from .pabulib import Election
from .profile import ApprovalProfile, from_pabulib, scores


# The equal-shares rules are imported when counted: they bring gmpy2 (and at size Numba), which
# the greedy rules do not need (about 0.1 s of a 0.3 s command).
def _equal_shares(profile: ApprovalProfile, satisfaction: str) -> list[str]:
    from . import completion

    return completion.equal_shares(profile, satisfaction)


def _completed(profile: ApprovalProfile) -> list[str]:
    from . import completion

    return completion.completed(profile, "cost")


def _compared(profile: ApprovalProfile) -> list[str]:
    from . import comparison

    return comparison.compared(profile)


# Each of rules.COUNTING_RULES, in that order (a test holds them together).
RULES: dict[str, Callable[[ApprovalProfile], list[str]]] = {
    "greedy": lambda profile: greedy.greedy(profile),
    "greedy-per-cost": lambda profile: greedy.greedy(profile, per_cost=True),
    "mes-cost": lambda profile: _equal_shares(profile, "cost"),
    "mes-card": lambda profile: _equal_shares(profile, "cardinality"),
    "mes-completed": _completed,
    "mes-compared": _compared,
}

# How Pabulib's META `rule` names each rule.
PABULIB_NAMES = {
    "greedy": "greedy",
    "greedy-per-cost": "greedy-per-cost",
    "mes-cost": "equalshares",
    "mes-card": "equalshares-cardinality",
    "mes-completed": "equalshares/add1",
    "mes-compared": "equalshares/add1-comparison",
}


def winners(election: Election, rule: str) -> list[str]:
    """A Pabulib election counted with `rule`. Greedy rules rank by the vote type's own score
    (approvals, points, Borda points), straight from the votes without the ballot matrix;
    equal shares reads every vote as approval of the projects in it."""
    if rule in SCORE_RULES:
        per_project = scores(election)
        project_ids = sorted(election.projects)
        return greedy.by_scores(
            project_ids, [election.cost(project_id) for project_id in project_ids], election.budget,
            [per_project[project_id] for project_id in project_ids], per_cost=rule == "greedy-per-cost",
        )
    return RULES[rule](from_pabulib(election))
