"""The Method of Equal Shares, exactly, on the compact profile.

Each voter starts with an equal share of the budget. In each round the project
that its supporters can buy at the lowest price relative to their satisfaction
(its "affordability" ρ: each supporter pays min(budget, ρ × satisfaction)) is
bought; projects their supporters can no longer afford drop out. Satisfaction is
the project's cost (`cost`) or 1 (`cardinality`) for every supporter of an
approval ballot. Ties in ρ go to the smallest project id as a string, as in the
reference implementation.

Voters whose budgets have had the same history have the same budget, so the
state is kept per budget class, not per voter: a class splits when a project
some of its voters support is bought, and classes with equal budgets merge.
All arithmetic is exact (Fraction); the number of classes stays small, so this
is fast even for a million ballots.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .profile import ApprovalProfile


def equal_shares(profile: ApprovalProfile, satisfaction: str = "cost", budget: Fraction | None = None) -> list[str]:
    """The selected project ids, in the order they were bought (zero-cost supported projects first)."""
    if satisfaction not in ("cost", "cardinality"):
        raise ValueError("satisfaction is cost or cardinality")
    voters = profile.voters
    if voters == 0:
        return []
    total = profile.budget if budget is None else budget
    approvals = profile.approvals
    weights = profile.weights
    counts = weights @ approvals.astype(np.int64)
    selected = [profile.project_ids[index] for index in range(len(profile.project_ids)) if counts[index] > 0 and profile.costs[index] == 0]
    candidates = {index for index in range(len(profile.project_ids)) if counts[index] > 0 and profile.costs[index] > 0}

    class_of = np.zeros(len(weights), dtype=np.int64)
    budgets: list[Fraction] = [Fraction(total, voters)]
    supporters = [counts.astype(np.int64)]

    while candidates:
        best: tuple[Fraction, str, int, Fraction] | None = None
        for index in sorted(candidates):
            cost = profile.costs[index]
            classes = sorted((budgets[c], int(supporters[c][index])) for c in range(len(budgets)) if supporters[c][index] > 0)
            available = sum((share * count for share, count in classes), Fraction(0))
            if available < cost:
                candidates.discard(index)
                continue
            price = _price(cost, classes)
            rho = price / cost if satisfaction == "cost" else price
            if best is None or (rho, profile.project_ids[index]) < (best[0], best[1]):
                best = (rho, profile.project_ids[index], index, price)
        if best is None:
            break
        _, project_id, index, price = best
        selected.append(project_id)
        candidates.discard(index)
        _pay(index, price, approvals, weights, class_of, budgets, supporters)
    return selected


def _price(cost: Fraction, classes: list[tuple[Fraction, int]]) -> Fraction:
    """What each supporter who can pay in full pays, the poorest paying all they have."""
    paid = Fraction(0)
    remaining = sum(count for _, count in classes)
    for share, count in classes:
        price = (cost - paid) / remaining
        if price <= share:
            return price
        paid += share * count
        remaining -= count
    raise AssertionError("affordable projects always have a price")


def _pay(index: int, price: Fraction, approvals: np.ndarray, weights: np.ndarray, class_of: np.ndarray, budgets: list[Fraction], supporters: list[np.ndarray]) -> None:
    """Charge the project's supporters, splitting their classes and merging equal budgets."""
    paying = approvals[:, index]
    by_budget = {share: number for number, share in enumerate(budgets)}
    for old in np.unique(class_of[paying]):
        rows = np.nonzero(paying & (class_of == old))[0]
        share = budgets[old]
        new_share = share - min(share, price)
        moved = weights[rows] @ approvals[rows].astype(np.int64)
        supporters[old] = supporters[old] - moved
        target = by_budget.get(new_share)
        if target is None:
            target = len(budgets)
            budgets.append(new_share)
            supporters.append(np.zeros_like(moved))
            by_budget[new_share] = target
        supporters[target] = supporters[target] + moved
        class_of[rows] = target
