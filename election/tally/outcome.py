"""Count opened ballots under an election's own rules: check each one, then apply the counting rule.

The office opens the sealed ballots and hands them here as plain choices, in
shuffled order and with nothing that links them to a record. A ballot that
breaks the ballot rule is not dropped silently: it is counted as invalid with
its reason. A project that no valid ballot supports is never funded. Approval and knapsack ballots are approvals; points ballots give
each project its points; a ranking gives the first of `max_rank` places
`max_rank` points, the next one point less, and so on (a Borda count).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from ..rules import Ballot, BallotRule, validate
from . import greedy
from .methods import RULES, SCORE_RULES
from .profile import approval_profile

UNREADABLE = "unreadable"


def check(rule: BallotRule, choices: Any) -> tuple[Ballot | None, str | None]:
    """The ballot if it may be counted, else None and the reason (violation codes, comma-separated)."""
    try:
        ballot = Ballot.from_choices(choices)
    except ValueError:
        return None, UNREADABLE
    violations = validate(rule, ballot)
    if violations:
        return None, ",".join(sorted({violation.code for violation in violations}))
    return ballot, None


@dataclass(frozen=True)
class Outcome:
    """What a count found; `as_dict` is what is stored, published and hashed."""

    counting_rule: str
    score_kind: str
    project_ids: tuple[str, ...]
    costs: Mapping[str, int]
    budget: int
    scores: Mapping[str, int]
    winners: tuple[str, ...]
    valid: int
    invalid: Mapping[str, int] = field(default_factory=dict)

    @property
    def spent(self) -> int:
        return sum(self.costs[project_id] for project_id in self.winners)

    def as_dict(self) -> dict[str, Any]:
        return {
            "counting_rule": self.counting_rule,
            "score_kind": self.score_kind,
            "budget": self.budget,
            "spent": self.spent,
            "left": self.budget - self.spent,
            "winners": list(self.winners),
            "projects": [
                {"id": project_id, "cost": self.costs[project_id], "score": self.scores[project_id], "selected": project_id in self.winners}
                for project_id in self.project_ids
            ],
            "valid": self.valid,
            "invalid": dict(sorted(self.invalid.items())),
        }


def score_kind(rule: BallotRule) -> str:
    return {"approval": "approvals", "knapsack": "approvals", "ranking": "borda", "points": "points"}[rule.kind]


def scores(rule: BallotRule, project_ids: Sequence[str], ballots: Iterable[Ballot]) -> Counter[str]:
    """Approvals, points or Borda points per project."""
    total: Counter[str] = Counter({project_id: 0 for project_id in project_ids})
    for ballot in ballots:
        if rule.kind in ("approval", "knapsack"):
            total.update(set(ballot.selected))
        elif rule.kind == "points":
            total.update(ballot.points)
        else:
            for place, project_id in enumerate(ballot.ranked):
                total[project_id] += rule.max_rank - place
    return total


def count(rule: BallotRule, counting_rule: str, project_ids: Sequence[str], ballots: Sequence[Ballot], invalid: Mapping[str, int] | None = None) -> Outcome:
    """Apply `counting_rule` to valid ballots; ties go to the smallest project id as text."""
    if counting_rule not in RULES:
        raise ValueError(f"unknown counting rule {counting_rule!r}")
    if rule.kind in ("ranking", "points") and counting_rule not in SCORE_RULES:
        raise ValueError(f"{counting_rule} counts approvals, not {rule.kind} ballots")
    per_project = scores(rule, project_ids, ballots)
    costs = [rule.costs[project_id] for project_id in project_ids]
    if counting_rule in SCORE_RULES:
        supported = [index for index, project_id in enumerate(project_ids) if per_project[project_id] > 0]
        winners = greedy.by_scores(
            [project_ids[index] for index in supported], [costs[index] for index in supported], rule.budget,
            [per_project[project_ids[index]] for index in supported], counting_rule == "greedy-per-cost",
        )
    else:
        column = {project_id: index for index, project_id in enumerate(project_ids)}
        rows = np.zeros((len(ballots), len(project_ids)), dtype=bool)
        for row, ballot in enumerate(ballots):
            rows[row, [column[project_id] for project_id in set(ballot.selected)]] = True
        profile = approval_profile(list(project_ids), [Fraction(cost) for cost in costs], Fraction(rule.budget), rows)
        winners = RULES[counting_rule](profile) if len(ballots) else []
    return Outcome(
        counting_rule=counting_rule,
        score_kind=score_kind(rule),
        project_ids=tuple(project_ids),
        costs=dict(rule.costs),
        budget=rule.budget,
        scores=dict(per_project),
        winners=tuple(winners),
        valid=len(ballots),
        invalid=dict(invalid or {}),
    )
