"""Greedy rules: take projects in order of votes (or votes per krona), skipping what no longer fits.

Tie-break: the project id as a string, smallest first (the reference's
lexicographic rule). A project that costs nothing comes first, as in the reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from .profile import ApprovalProfile


def greedy(profile: ApprovalProfile, per_cost: bool = False) -> list[str]:
    """The selected project ids, in the order they were taken."""
    return by_scores(profile.project_ids, profile.costs, profile.budget, [int(count) for count in profile.votes()], per_cost)


def by_scores(project_ids: Sequence[str], costs: Sequence[Fraction | int], budget: Fraction | int, scores: Sequence[int], per_cost: bool = False) -> list[str]:
    """Greedy on any score per project: approvals, points, or points from a ranking."""

    def key(index: int) -> tuple[int, Fraction, str]:
        cost = costs[index]
        if cost == 0:
            return (0, Fraction(0), project_ids[index])
        score = Fraction(scores[index], cost) if per_cost else Fraction(scores[index])
        return (1, -score, project_ids[index])

    spent = Fraction(0)
    selected = []
    for index in sorted(range(len(project_ids)), key=key):
        cost = costs[index]
        if spent + cost <= budget:
            selected.append(project_ids[index])
            spent += cost
    return selected
