"""One run of the Method of Equal Shares in floating point, compiled with Numba.

This is the inner loop of `completion`: per-ballot budgets, lazy evaluation of
prices (a project's price only rises within a run), and the record of how close
every decision was, so that the caller trusts only clear runs. Compiled once
and cached on disk next to this file.
"""

from __future__ import annotations

import numpy as np
from numba import njit

UNCLEAR = -1


@njit(cache=True)
def _price(project, indptr, indices, weights, budgets, costs, support):
    """What each supporter pays who can pay in full (the poorer pay all they have), and the money they hold; price is inf if unaffordable."""
    start, end = indptr[project], indptr[project + 1]
    cost = costs[project]
    even = cost / support[project]
    lowest = np.inf
    money = 0.0
    for position in range(start, end):
        budget = budgets[indices[position]]
        money += weights[indices[position]] * budget
        if budget < lowest:
            lowest = budget
    if lowest >= even:
        return even, money
    if money < cost:
        return np.inf, money
    rows = indices[start:end]
    held = budgets[rows]
    order = np.argsort(held)
    paid = 0.0
    counted = 0.0
    for place in order:
        offer = (cost - paid) / (support[project] - counted)
        if offer <= held[place]:
            return offer, money
        paid += weights[rows[place]] * held[place]
        counted += weights[rows[place]]
    return np.inf, money


@njit(cache=True)
def run(indptr, indices, weights, costs, utility, support, overlap, share, base_sequence, base_rhos, margin):
    """Returns (rounds, sequence, rhos, floors); rounds is UNCLEAR when a decision was closer than `margin`.

    `floors[r]` is a lower bound on every competitor's price-per-satisfaction in round r,
    evaluated at least until it exceeds the base run's purchase in that round.
    """
    projects = len(costs)
    budgets = np.full(len(weights), share)
    lowest = np.zeros(projects)
    fresh = np.zeros(projects, dtype=np.bool_)
    candidate = np.ones(projects, dtype=np.bool_)
    sequence = np.empty(projects, dtype=np.int64)
    rhos = np.empty(projects)
    floors = np.empty(projects)
    rounds = 0
    following = len(base_sequence) > 0
    while True:
        goal = base_rhos[rounds] if following and rounds < len(base_sequence) else 0.0
        remaining = np.nonzero(candidate)[0]
        if len(remaining) == 0:
            break
        order = remaining[np.argsort(lowest[remaining], kind="mergesort")]
        best = -1
        best_rho = np.inf
        for project in order:
            if lowest[project] > max(best_rho, goal) * (1 + margin):
                break
            if not fresh[project]:
                price, money = _price(project, indptr, indices, weights, budgets, costs, support)
                if price == np.inf:
                    if abs(money - costs[project]) <= margin * costs[project]:
                        return UNCLEAR, sequence, rhos, floors
                    candidate[project] = False
                    continue
                lowest[project] = price / utility[project]
                fresh[project] = True
            if lowest[project] < best_rho:
                best = project
                best_rho = lowest[project]
        if best < 0:
            break
        floor = np.inf
        for project in range(projects):
            if candidate[project] and project != best and lowest[project] < floor:
                floor = lowest[project]
        if floor <= best_rho * (1 + margin):
            return UNCLEAR, sequence, rhos, floors
        following = following and rounds < len(base_sequence) and base_sequence[rounds] == best
        sequence[rounds] = best
        rhos[rounds] = best_rho
        floors[rounds] = floor
        rounds += 1
        candidate[best] = False
        price = best_rho * utility[best]
        for position in range(indptr[best], indptr[best + 1]):
            row = indices[position]
            budgets[row] = max(budgets[row] - price, 0.0)
        for project in range(projects):
            if overlap[best, project]:
                fresh[project] = False
    return rounds, sequence, rhos, floors
