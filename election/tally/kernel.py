"""One run of the Method of Equal Shares in floating point, compiled with Numba.

This is the inner loop of `completion`: per-ballot budgets, lazy evaluation of
prices (a project's price only rises within a run), and the record of how close
every decision was, so that the caller trusts only clear runs. Compiled once
and cached on disk in the user's cache folder (`compiled_cache`).
"""

from __future__ import annotations

import numpy as np

from .compiled_cache import use_user_cache

use_user_cache()
from numba import njit  # noqa: E402

UNCLEAR = -1


@njit(cache=True)
def _price(project, indptr, indices, weights, budgets, costs, support):
    """What each supporter pays who can pay in full (the poorer pay all they have), and the money they hold; price is inf if unaffordable.

    Water-filling without sorting: those who hold less than the even price pay all
    they have, which raises the price for the rest; repeat until no one else falls
    short. A few passes over the supporters, where sorting them cost far more.
    """
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
    offer = even
    for _ in range(16):
        paid = 0.0
        counted = 0.0
        shortest = np.inf
        for position in range(start, end):
            row = indices[position]
            budget = budgets[row]
            if budget < offer:
                paid += weights[row] * budget
                counted += weights[row]
            elif budget < shortest:
                shortest = budget
        if counted >= support[project]:
            return np.inf, money
        raised = (cost - paid) / (support[project] - counted)
        if raised <= offer:
            return offer, money
        offer = raised
        if raised <= shortest:
            return raised, money
    return _price_sorted(project, indptr, indices, weights, budgets, costs, support), money


@njit(cache=True)
def _price_sorted(project, indptr, indices, weights, budgets, costs, support):
    """The same price by sorting the supporters' budgets: for the rare project where water-filling needs many passes."""
    start, end = indptr[project], indptr[project + 1]
    cost = costs[project]
    rows = indices[start:end]
    held = budgets[rows]
    order = np.argsort(held)
    paid = 0.0
    counted = 0.0
    for place in order:
        offer = (cost - paid) / (support[project] - counted)
        if offer <= held[place]:
            return offer
        paid += weights[rows[place]] * held[place]
        counted += weights[rows[place]]
    return np.inf


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


@njit(cache=True)
def _safe_distance(gap, slope, gap_error, slope_error):
    """How far the raise can grow before `gap` (≥ 0 now, changing by `slope` per unit) could reach zero, allowing for rounding."""
    if gap <= gap_error:
        return 0.0
    fall = slope_error - slope
    if fall <= 0.0:
        return np.inf
    return (gap - gap_error) / fall


@njit(cache=True)
def _price_tracked(project, indptr, indices, weights, budgets, slopes, costs, support, scale):
    """As `_price`, with each budget an affine function of the raise: returns (price, price slope, distance).

    `distance` is how far the raise can grow before any comparison made here
    (who pays in full, whether the supporters can afford it) could turn out differently.
    """
    start, end = indptr[project], indptr[project + 1]
    cost = costs[project]
    even = cost / support[project]
    lowest = np.inf
    money = 0.0
    money_slope = 0.0
    for position in range(start, end):
        row = indices[position]
        money += weights[row] * budgets[row]
        money_slope += weights[row] * slopes[row]
        if budgets[row] < lowest:
            lowest = budgets[row]
    error = 1e-9 * scale
    distance = np.inf
    if lowest >= even:
        for position in range(start, end):
            row = indices[position]
            distance = min(distance, _safe_distance(budgets[row] - even, slopes[row], error, 1e-9 * slopes[row]))
        return even, 0.0, distance
    if money < cost:
        money_error = 1e-9 * (money + cost)
        return np.inf, 0.0, _safe_distance(cost - money, -money_slope, money_error, 1e-9 * money_slope)
    rows = indices[start:end]
    held = budgets[rows]
    order = np.argsort(held)
    paid = 0.0
    paid_slope = 0.0
    counted = 0.0
    price = np.inf
    price_slope = 0.0
    cut = len(order)
    for place in range(len(order)):
        row = rows[order[place]]
        offer = (cost - paid) / (support[project] - counted)
        if offer <= budgets[row]:
            price = offer
            price_slope = -paid_slope / (support[project] - counted)
            cut = place
            break
        paid += weights[row] * budgets[row]
        paid_slope += weights[row] * slopes[row]
        counted += weights[row]
    if cut == len(order):
        return np.inf, 0.0, 0.0
    for place in range(len(order)):
        row = rows[order[place]]
        slope_error = 1e-9 * (slopes[row] + abs(price_slope))
        if place < cut:
            distance = min(distance, _safe_distance(price - budgets[row], price_slope - slopes[row], error, slope_error))
        else:
            distance = min(distance, _safe_distance(budgets[row] - price, slopes[row] - price_slope, error, slope_error))
    return price, price_slope, distance


@njit(cache=True)
def run_tracked(indptr, indices, weights, costs, utility, support, overlap, share, margin):
    """Equal shares at one raise, with every budget an affine function of the raise (slope 1 per unit at the start).

    Returns (rounds, sequence, distance): rounds is UNCLEAR when a decision was
    closer than `margin`; `distance` is how far the raise can grow, with rounding
    allowed for, before any decision of this run could turn out differently, so
    every raise closer than that gives the same outcome.
    """
    projects = len(costs)
    budgets = np.full(len(weights), share)
    slopes = np.ones(len(weights))
    lowest = np.zeros(projects)
    lowest_slope = np.zeros(projects)
    fresh = np.zeros(projects, dtype=np.bool_)
    candidate = np.ones(projects, dtype=np.bool_)
    sequence = np.empty(projects, dtype=np.int64)
    rounds = 0
    distance = np.inf
    while True:
        best = -1
        best_rho = np.inf
        for project in range(projects):
            if not candidate[project]:
                continue
            if not fresh[project]:
                price, price_slope, reach = _price_tracked(project, indptr, indices, weights, budgets, slopes, costs, support, share)
                distance = min(distance, reach)
                if price == np.inf:
                    if abs(money_of(project, indptr, indices, weights, budgets) - costs[project]) <= margin * costs[project]:
                        return UNCLEAR, sequence, 0.0
                    candidate[project] = False
                    continue
                lowest[project] = price / utility[project]
                lowest_slope[project] = price_slope / utility[project]
                fresh[project] = True
            if lowest[project] < best_rho:
                best = project
                best_rho = lowest[project]
        if best < 0:
            break
        for project in range(projects):
            if candidate[project] and project != best:
                if lowest[project] <= best_rho * (1 + margin):
                    return UNCLEAR, sequence, 0.0
                error = 1e-9 * (share / utility[project] + share / utility[best])
                slope_error = 1e-9 * (abs(lowest_slope[project]) + abs(lowest_slope[best]))
                distance = min(distance, _safe_distance(lowest[project] - best_rho, lowest_slope[project] - lowest_slope[best], error, slope_error))
        sequence[rounds] = best
        rounds += 1
        candidate[best] = False
        price = best_rho * utility[best]
        price_slope = lowest_slope[best] * utility[best]
        for position in range(indptr[best], indptr[best + 1]):
            row = indices[position]
            if budgets[row] > price:
                budgets[row] -= price
                slopes[row] -= price_slope
            else:
                budgets[row] = 0.0
                slopes[row] = 0.0
        for project in range(projects):
            if overlap[best, project]:
                fresh[project] = False
    return rounds, sequence, distance


@njit(cache=True)
def money_of(project, indptr, indices, weights, budgets):
    money = 0.0
    for position in range(indptr[project], indptr[project + 1]):
        money += weights[indices[position]] * budgets[indices[position]]
    return money
