"""Greedy rules: take projects in order of votes (or votes per krona), skipping what no longer fits.

Tie-break: the project id as a string, smallest first (the reference's
lexicographic rule). A project that costs nothing comes first, as in the reference.
"""

from __future__ import annotations

from fractions import Fraction

from .profile import ApprovalProfile


def greedy(profile: ApprovalProfile, per_cost: bool = False) -> list[str]:
    """The selected project ids, in the order they were taken."""
    votes = [int(count) for count in profile.votes()]

    def key(index: int) -> tuple[int, Fraction, str]:
        cost = profile.costs[index]
        if cost == 0:
            return (0, Fraction(0), profile.project_ids[index])
        score = Fraction(votes[index], cost) if per_cost else Fraction(votes[index])
        return (1, -score, profile.project_ids[index])

    spent = Fraction(0)
    selected = []
    for index in sorted(range(len(profile.project_ids)), key=key):
        cost = profile.costs[index]
        if spent + cost <= profile.budget:
            selected.append(profile.project_ids[index])
            spent += cost
    return selected
