"""One run of the Method of Equal Shares in floating point with numpy, vectorised over the ballots.

The same run as `kernel.run` (lazy prices, every decision closer than `margin` left
to the exact code), for plain equal shares: its loop is over rounds and projects, the
work per project over its supporters is numpy's, so it needs no Numba, whose import
and cached-code loading cost about 0.75 s of a count that takes it 0.02 s.
"""

from __future__ import annotations

import numpy as np

UNCLEAR = -1
# Passes of raising the offer before one sort is cheaper (as the compiled kernel does).
PASSES = 16


def _price(rows: np.ndarray, counts: np.ndarray, budgets: np.ndarray, cost: float, support: float) -> tuple[float, float]:
    """What each supporter pays who can pay in full (the poorer pay all they have), and the money they hold; price is inf if unaffordable.

    Water-filling as in `kernel._price`: those who hold less than the offer pay all they have, which
    raises the offer for the rest; repeat until no one else falls short.
    """
    held = budgets.take(rows)
    money = float(counts @ held)
    even = cost / support
    if held.min() >= even:
        return even, money
    if money < cost:
        return np.inf, money
    offer = even
    spent = counts * held
    for _ in range(PASSES):
        short = held < offer
        counted = float(counts @ short)
        if counted >= support:
            return np.inf, money
        raised = (cost - float(spent @ short)) / (support - counted)
        if raised <= offer:
            return offer, money
        offer = raised
        if not ((held < raised) & ~short).any():
            return raised, money
    return _sorted_price(held, counts, spent, cost, support), money


def _sorted_price(held: np.ndarray, counts: np.ndarray, spent: np.ndarray, cost: float, support: float) -> float:
    """The same price in one sort, for budgets so spread out that raising the offer pass by pass would take long:
    the poorest k pay all they have, the rest an equal offer that none of them lacks."""
    order = np.argsort(held, kind="stable")
    paid_before = np.concatenate(([0.0], np.cumsum(spent[order])[:-1]))
    counted_before = np.concatenate(([0.0], np.cumsum(counts[order])[:-1]))
    left = support - counted_before
    with np.errstate(divide="ignore", invalid="ignore"):
        offers = np.where(left > 0, (cost - paid_before) / left, np.inf)
    enough = np.flatnonzero(held[order] >= offers)
    return float(offers[enough[0]]) if len(enough) else np.inf


def run(indptr, indices, weights, costs, utility, support, share: float, margin: float) -> tuple[int, list[int]]:
    """Returns (rounds, the projects bought in order); rounds is UNCLEAR when a decision was closer than `margin`.

    A project's price only rises within a run, so its last price is a lower bound: a round
    stops evaluating once the next lower bound is beyond the best found, and only the
    projects that share a supporter with the one bought are priced again.
    """
    projects = len(costs)
    budgets = np.full(len(weights), share)
    lowest = np.zeros(projects)
    fresh = np.zeros(projects, dtype=bool)
    candidate = np.ones(projects, dtype=bool)
    supporters = [indices[indptr[project]:indptr[project + 1]] for project in range(projects)]
    counts = [weights[rows] for rows in supporters]
    touched = np.zeros(len(weights), dtype=bool)
    sequence: list[int] = []
    while True:
        remaining = np.flatnonzero(candidate)
        if len(remaining) == 0:
            break
        best = -1
        best_rho = np.inf
        for project in remaining[np.argsort(lowest[remaining], kind="stable")].tolist():
            if lowest[project] > best_rho * (1 + margin):
                break
            if not fresh[project]:
                price, money = _price(supporters[project], counts[project], budgets, costs[project], support[project])
                if price == np.inf or money <= costs[project] * (1 + margin):
                    if abs(money - costs[project]) <= margin * costs[project]:
                        return UNCLEAR, sequence
                    candidate[project] = False
                    continue
                lowest[project] = price / utility[project]
                fresh[project] = True
            if lowest[project] < best_rho:
                best = project
                best_rho = lowest[project]
        if best < 0:
            break
        rivals = candidate.copy()
        rivals[best] = False
        if (lowest[rivals] <= best_rho * (1 + margin)).any():
            return UNCLEAR, sequence
        sequence.append(best)
        candidate[best] = False
        paying = supporters[best]
        budgets[paying] = np.maximum(budgets[paying] - best_rho * utility[best], 0.0)
        touched[paying] = True
        for project in np.flatnonzero(fresh).tolist():
            if touched[supporters[project]].any():
                fresh[project] = False
        touched[paying] = False
    return len(sequence), sequence
