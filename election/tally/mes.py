"""The Method of Equal Shares, exactly, on the compact profile; and its completion.

Each voter starts with an equal share of the budget. In each round the project
that its supporters can buy at the lowest price relative to their satisfaction
(its "affordability" ρ: each supporter pays min(budget, ρ × satisfaction)) is
bought; projects their supporters can no longer afford drop out. Satisfaction is
the project's cost (`cost`) or 1 (`cardinality`) for every supporter of an
approval ballot. Ties in ρ go to the smallest project id as a string, as in the
reference implementation (pabutools).

Voters whose budgets have had the same history have the same budget, so the
state is kept per budget class, not per voter: a class splits when a project
some of its voters support is bought, and classes with equal budgets merge. A
project's affordability only grows as budgets shrink, so (as in the reference) a
round stops evaluating once the next project's last affordability is already
worse than the best found. All arithmetic is exact, in gmpy2's rationals (the reference uses them too; Python's
Fraction is ten times slower).

Completion (`completed`) is what Wieliczka, Świecie and Assen did: raise every
voter's share by one unit at a time and keep the last outcome that stays within
the real budget. Raising one unit at a time is slow (tens of thousands of steps
in forints), so each run also works out, exactly, how far the share can rise
before any comparison it made would turn out differently: every budget is an
affine function of the raise t, so each comparison holds until its two sides
cross. The next run starts there; the outcome is the same as stepping by one.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import NamedTuple

import numpy as np
from gmpy2 import mpq

from .profile import ApprovalProfile, weighted_counts

ZERO = mpq(0)
ONE = mpq(1)


def exact(value: Fraction | int) -> mpq:
    value = Fraction(value)
    return mpq(value.numerator, value.denominator)


class Affine(NamedTuple):
    """constant + slope × t, where t is how many units each voter's share was raised."""

    constant: mpq
    slope: mpq

    def at(self, t: mpq) -> mpq:
        return self.constant + self.slope * t

    def __sub__(self, other: Affine) -> Affine:  # type: ignore[override]
        return Affine(self.constant - other.constant, self.slope - other.slope)

    def plus(self, other: Affine) -> Affine:
        return Affine(self.constant + other.constant, self.slope + other.slope)

    def times(self, factor: mpq | int) -> Affine:
        return Affine(self.constant * factor, self.slope * factor)


class Horizon:
    """The smallest raise beyond t at which a comparison made in this run could flip."""

    def __init__(self, t: mpq, track: bool) -> None:
        self.t = t
        self.track = track
        self.limit: mpq | None = None

    def holds(self, left: Affine, right: Affine) -> None:
        """A comparison rested on the sign of left − right at t (zero counts as a tie)."""
        if not self.track:
            return
        difference = left - right
        if difference.slope == 0:
            return
        root = -difference.constant / difference.slope
        if root >= self.t and (self.limit is None or root < self.limit):
            self.limit = root

    def next_raise(self) -> mpq | None:
        """The next whole raise to evaluate, or None if nothing in this run can ever flip."""
        if self.limit is None:
            return None
        if self.limit == self.t:
            return self.t + 1
        return mpq(math.ceil(self.limit))


def equal_shares(profile: ApprovalProfile, satisfaction: str = "cost", budget: Fraction | None = None) -> list[str]:
    """The selected project ids, zero-cost supported projects first, then in the order bought."""
    return _run(profile, satisfaction, budget, ZERO, track=False)[0]


def completed(profile: ApprovalProfile, satisfaction: str = "cost") -> list[str]:
    """Equal shares with every voter's share raised while the outcome stays within the budget."""
    if profile.voters == 0:
        return []
    raise_by = ZERO
    previous: list[str] = []
    budget = exact(profile.budget)
    while raise_by <= budget:
        outcome, following = _run(profile, satisfaction, None, raise_by, track=True)
        if _cost(profile, outcome) > budget:
            return previous
        previous = outcome
        if following is None:
            return outcome
        raise_by = following
    return previous


def _cost(profile: ApprovalProfile, project_ids: list[str]) -> mpq:
    index = {project_id: position for position, project_id in enumerate(profile.project_ids)}
    return sum((exact(profile.costs[index[project_id]]) for project_id in project_ids), ZERO)


def _run(profile: ApprovalProfile, satisfaction: str, budget: Fraction | None, t: mpq, track: bool) -> tuple[list[str], mpq | None]:
    if satisfaction not in ("cost", "cardinality"):
        raise ValueError("satisfaction is cost or cardinality")
    voters = profile.voters
    if voters == 0:
        return [], None
    total = exact(profile.budget if budget is None else budget)
    costs = [exact(cost) for cost in profile.costs]
    approvals, weights = profile.approvals, profile.weights
    counts = weighted_counts(approvals, weights)
    names = profile.project_ids
    selected = [names[index] for index in range(len(names)) if counts[index] > 0 and costs[index] == 0]
    candidates = {index for index in range(len(names)) if counts[index] > 0 and costs[index] > 0}
    horizon = Horizon(t, track)

    class_of = np.zeros(len(weights), dtype=np.int64)
    budgets: list[Affine] = [Affine(total / voters, ONE)]
    supporters = Classes(counts.astype(np.int64))

    lowest: dict[int, mpq] = {index: ZERO for index in candidates}
    while candidates:
        values = [share.at(t) for share in budgets]
        offers: list[tuple[mpq, str, int, Affine, Affine]] = []
        best_value: mpq | None = None
        for index in sorted(candidates, key=lambda index: (lowest[index], names[index])):
            if not track and best_value is not None and lowest[index] > best_value:
                break
            cost = costs[index]
            column = supporters.column(index)
            present = np.nonzero(column)[0]
            classes = sorted(((values[number], budgets[number], int(column[number])) for number in present), key=lambda item: item[0])
            if track:
                available = Affine(ZERO, ZERO)
                for _, share, count in classes:
                    available = available.plus(share.times(count))
                horizon.holds(available, Affine(cost, ZERO))
                enough = available.at(t) >= cost
            else:
                enough = sum((value * count for value, _, count in classes), ZERO) >= cost
            if not enough:
                candidates.discard(index)
                continue
            price = _price(cost, classes, t, horizon)
            rho = price.times(ONE / cost) if satisfaction == "cost" else price
            value = rho.at(t)
            lowest[index] = value
            offers.append((value, names[index], index, rho, price))
            if best_value is None or value < best_value:
                best_value = value
        if not offers:
            break
        best = min(offers, key=lambda offer: (offer[0], offer[1]))
        for offer in offers:
            if offer is not best:
                horizon.holds(offer[3], best[3])
        _, project_id, index, _, price = best
        selected.append(project_id)
        candidates.discard(index)
        _pay(index, price, t, approvals, weights, class_of, budgets, supporters, horizon)
    return selected, horizon.next_raise()


def _price(cost: mpq, classes: list[tuple[mpq, Affine, int]], t: mpq, horizon: Horizon) -> Affine:
    """What each supporter who can pay in full pays, the poorest paying all they have."""
    paid = Affine(ZERO, ZERO)
    remaining = sum(count for _, _, count in classes)
    for position, (value, share, count) in enumerate(classes):
        price = (Affine(cost, ZERO) - paid).times(mpq(1, remaining))
        if price.at(t) <= value:
            for _, richer, _ in classes[position:]:
                horizon.holds(richer, price)
            return price
        horizon.holds(price, share)
        paid = paid.plus(share.times(count))
        remaining -= count
    raise AssertionError("affordable projects always have a price")


class Classes:
    """Supporters per budget class and project: a matrix that grows by one row per new class."""

    def __init__(self, first: np.ndarray) -> None:
        self.rows = np.zeros((8, len(first)), dtype=np.int64)
        self.rows[0] = first
        self.count = 1

    def column(self, index: int) -> np.ndarray:
        return self.rows[: self.count, index]

    def add(self) -> int:
        if self.count == len(self.rows):
            self.rows = np.vstack([self.rows, np.zeros_like(self.rows)])
        self.count += 1
        return self.count - 1


def _pay(
    index: int, price: Affine, t: mpq, approvals: np.ndarray, weights: np.ndarray, class_of: np.ndarray,
    budgets: list[Affine], supporters: Classes, horizon: Horizon,
) -> None:
    """Charge the project's supporters, splitting their classes and merging equal budgets."""
    paying = np.nonzero(approvals[:, index])[0]
    order = np.argsort(class_of[paying], kind="stable")
    paying = paying[order]
    old_classes, starts = np.unique(class_of[paying], return_index=True)
    moved_all = np.add.reduceat(weights[paying, None] * approvals[paying].astype(np.int64), starts, axis=0)
    by_budget = {share: number for number, share in enumerate(budgets)}
    bounds = list(starts[1:]) + [len(paying)]
    for old, start, end, moved in zip(old_classes, starts, bounds, moved_all):
        share = budgets[old]
        horizon.holds(share, price)
        new_share = share - price if share.at(t) > price.at(t) else Affine(ZERO, ZERO)
        supporters.rows[old] -= moved
        target = by_budget.get(new_share)
        if target is None:
            target = supporters.add()
            budgets.append(new_share)
            by_budget[new_share] = target
        supporters.rows[target] += moved
        class_of[paying[start:end]] = target
