"""One run of the Method of Equal Shares in floating point, compiled with Numba.

This is the inner loop of `completion`: per-ballot budgets, lazy evaluation of
prices (a project's price only rises within a run), and the record of how close
every decision was, so that the caller trusts only clear runs; a run tracked
along the raise (`run_tracked`); a run bounding a whole range of raises at
once (`bounded_run`); how many voters projects share (`overlap`); and each
project's supporters with the ballots numbered side by side (`side_by_side`).
Built ahead of time into an extension module (`compiled_kernel`), else compiled
by Numba's JIT once and cached in the user's cache folder (`compiled_cache`).
"""

from __future__ import annotations

import numpy as np

from .compiled_cache import use_user_cache
from .kernel_codes import BOUNDED, FITS, OVERSPENDS, TOO_WIDE, UNCLEAR

use_user_cache()
from numba import njit  # noqa: E402

__all__ = ["BOUNDED", "FITS", "OVERSPENDS", "TOO_WIDE", "UNCLEAR", "bounded_run", "overlap", "run", "run_tracked", "side_by_side"]


@njit(cache=True, nogil=True)
def overlap(ballots, projects, weights, count):
    """How many voters each pair of projects shares (each project with itself: its support; 0: none), from the
    (ballot, project) entries in ballot order and each ballot's weight: every pair within each ballot, no more."""
    shared = np.zeros((count, count))
    start = 0
    entries = len(ballots)
    while start < entries:
        end = start + 1
        while end < entries and ballots[end] == ballots[start]:
            end += 1
        weight = weights[ballots[start]]
        for one in range(start, end):
            shared[projects[one], projects[one]] += weight
            for other in range(one + 1, end):
                shared[projects[one], projects[other]] += weight
                shared[projects[other], projects[one]] += weight
        start = end
    return shared


@njit(cache=True, nogil=True)
def side_by_side(ballots, projects, count, project_count):
    """Per project its supporters (`indptr`, `indices`) with the `count` ballots numbered anew, and the old
    number of each new one: ballots backing the same of the 63 projects on most ballots side by side.

    From the (ballot, project) entries in ballot order. A run reads every supporter's budget for
    each price; at a million ballots, read scattered over the memory, that was a fifth of the run.
    """
    entries = len(ballots)
    supporters = np.zeros(project_count, dtype=np.int64)
    starts = np.zeros(count + 1, dtype=np.int64)
    for entry in range(entries):
        supporters[projects[entry]] += 1
        starts[ballots[entry] + 1] += 1
    bit = np.zeros(project_count, dtype=np.uint64)
    rank = np.argsort(-supporters, kind="mergesort")
    for place in range(min(63, project_count)):
        bit[rank[place]] = np.uint64(1) << np.uint64(62 - place)
    keys = np.zeros(count, dtype=np.uint64)
    for entry in range(entries):
        keys[ballots[entry]] |= bit[projects[entry]]
    for ballot in range(count):
        starts[ballot + 1] += starts[ballot]
        keys[ballot] = ~keys[ballot]
    order = np.argsort(keys)
    indptr = np.zeros(project_count + 1, dtype=np.int64)
    for project in range(project_count):
        indptr[project + 1] = indptr[project] + supporters[project]
    filled = indptr[:-1].copy()
    indices = np.empty(entries, dtype=np.int32)
    for new in range(count):
        old = order[new]
        for entry in range(starts[old], starts[old + 1]):
            project = projects[entry]
            indices[filled[project]] = new
            filled[project] += 1
    return indptr, indices, order


@njit(cache=True, nogil=True)
def _most_supporters(indptr):
    """The length of the longest list of supporters: the room `_price` needs to hold their budgets."""
    most = 0
    for project in range(len(indptr) - 1):
        most = max(most, indptr[project + 1] - indptr[project])
    return most


@njit(cache=True, nogil=True)
def _price(project, indptr, indices, weights, budgets, costs, support, held):
    """What each supporter pays who can pay in full (the poorer pay all they have), and the money they hold; price is inf if unaffordable.

    Water-filling without sorting: those who hold less than the even price pay all
    they have, which raises the price for the rest; repeat until no one else falls
    short. The first pass gathers the supporters' budgets into `held`, so that the
    further passes read them in order.
    """
    start, end = indptr[project], indptr[project + 1]
    cost = costs[project]
    even = cost / support[project]
    lowest = np.inf
    money = 0.0
    for position in range(start, end):
        budget = budgets[indices[position]]
        held[position - start] = budget
        money += weights[position] * budget
        if budget < lowest:
            lowest = budget
    if lowest >= even:
        return even, money
    if money < cost:
        return np.inf, money
    offer = even
    count = end - start
    for _ in range(16):
        paid = 0.0
        counted = 0.0
        shortest = np.inf
        for place in range(count):
            budget = held[place]
            if budget < offer:
                paid += weights[start + place] * budget
                counted += weights[start + place]
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


@njit(cache=True, nogil=True)
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
        paid += weights[start + place] * held[place]
        counted += weights[start + place]
    return np.inf


@njit(cache=True, nogil=True)
def run(ballots, indptr, indices, weights, costs, utility, support, overlap, share, margin, budget):
    """Returns (rounds, sequence, rhos); rounds is UNCLEAR when a decision was closer than `margin`.

    With a finite `budget` the run stops as soon as it knows on which side of the
    budget its set will end: rounds is then FITS (what it bought plus every project
    it may still afford fits) or OVERSPENDS (what it bought already does not).
    """
    projects = len(costs)
    budgets = np.full(ballots, share)
    lowest = np.zeros(projects)
    fresh = np.zeros(projects, dtype=np.bool_)
    bought = np.zeros(projects, dtype=np.bool_)
    out = np.zeros(projects, dtype=np.bool_)
    reserve = np.full(projects, -np.inf)
    by_cost = np.argsort(-costs)
    held = np.empty(_most_supporters(indptr))
    sequence = np.empty(projects, dtype=np.int64)
    rhos = np.empty(projects)
    rounds = 0
    spent = 0.0
    while True:
        if budget < np.inf:
            if spent > budget * (1 + margin):
                return OVERSPENDS, sequence, rhos
            room = budget * (1 - margin) - spent
            if _prune(bought, out, reserve, by_cost, indptr, indices, weights, budgets, costs, room, margin) <= room:
                return FITS, sequence, rhos
        remaining = np.nonzero(~bought & ~out)[0]
        if len(remaining) == 0:
            break
        order = remaining[np.argsort(lowest[remaining], kind="mergesort")]
        best = -1
        best_rho = np.inf
        for project in order:
            if lowest[project] > best_rho * (1 + margin):
                break
            if not fresh[project]:
                price, money = _price(project, indptr, indices, weights, budgets, costs, support, held)
                if price == np.inf:
                    if abs(money - costs[project]) <= margin * costs[project]:
                        return UNCLEAR, sequence, rhos
                    out[project] = True
                    continue
                lowest[project] = price / utility[project]
                reserve[project] = money
                fresh[project] = True
            if lowest[project] < best_rho:
                best = project
                best_rho = lowest[project]
        if best < 0:
            break
        for project in range(projects):
            if not bought[project] and not out[project] and project != best and lowest[project] <= best_rho * (1 + margin):
                return UNCLEAR, sequence, rhos
        sequence[rounds] = best
        rhos[rounds] = best_rho
        rounds += 1
        bought[best] = True
        spent += costs[best]
        price = best_rho * utility[best]
        for position in range(indptr[best], indptr[best + 1]):
            row = indices[position]
            budgets[row] = max(budgets[row] - price, 0.0)
        for project in range(projects):
            if overlap[best, project] > 0:
                fresh[project] = False
        _paid(reserve, overlap[best], costs[best], price, margin)
    return rounds, sequence, rhos


@njit(cache=True, nogil=True)
def _safe_distance(gap, slope, gap_error, slope_error):
    """How far the raise can grow before `gap` (≥ 0 now, changing by `slope` per unit) could reach zero, allowing for rounding."""
    if gap <= gap_error:
        return 0.0
    fall = slope_error - slope
    if fall <= 0.0:
        return np.inf
    return (gap - gap_error) / fall


@njit(cache=True, nogil=True)
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
        money += weights[position] * budgets[row]
        money_slope += weights[position] * slopes[row]
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
        weight = weights[start + order[place]]
        paid += weight * budgets[row]
        paid_slope += weight * slopes[row]
        counted += weight
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


@njit(cache=True, nogil=True)
def run_tracked(ballots, indptr, indices, weights, costs, utility, support, overlap, share, margin):
    """Equal shares at one raise, with every budget an affine function of the raise (slope 1 per unit at the start).

    Returns (rounds, sequence, distance): rounds is UNCLEAR when a decision was
    closer than `margin`; `distance` is how far the raise can grow, with rounding
    allowed for, before any decision of this run could turn out differently, so
    every raise closer than that gives the same outcome.
    """
    projects = len(costs)
    budgets = np.full(ballots, share)
    slopes = np.ones(ballots)
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
            if overlap[best, project] > 0:
                fresh[project] = False
    return rounds, sequence, distance


@njit(cache=True, nogil=True)
def money_of(project, indptr, indices, weights, budgets):
    money = 0.0
    for position in range(indptr[project], indptr[project + 1]):
        money += weights[position] * budgets[indices[position]]
    return money


@njit(cache=True, nogil=True)
def _upper(project, indptr, indices, weights, low, costs, support, utility, margin, held):
    """ρ at the poorest state, an upper bound over the range: inf if the project may be unaffordable there."""
    price, money = _price(project, indptr, indices, weights, low, costs, support, held)
    if price == np.inf or money < costs[project] * (1 + margin):
        return np.inf
    return price / utility[project]


@njit(cache=True, nogil=True)
def _paid(reserve, shared, cost, price, margin):
    """After a purchase at `price` per supporter: each project keeps in `reserve` a lower bound of its supporters'
    money, which lost at most the cost, and at most the price from each voter it shares with the purchase (`shared`)."""
    for project in range(len(reserve)):
        if shared[project] > 0:
            reserve[project] -= min(cost, price * shared[project]) * (1 + margin)


@njit(cache=True, nogil=True)
def _prune(bought, out, reserve, by_cost, indptr, indices, weights, rich, costs, room, margin):
    """What the projects a state may still buy cost at most (or, once that is surely more than `room`, a sum
    above it); those its richest budgets cannot pay for are put out on the way.

    The dearest first: a project its supporters cannot afford at the upper budgets
    never becomes affordable (budgets only fall), so it is out for good. Stops as
    soon as the rest surely fits in `room`, or what is left affordable surely does not.
    `reserve` is a lower bound of each project's supporters' money (counted here or
    by a price, less what purchases since may have taken: `_paid`): the projects it
    shows affordable are counted first, and may settle it without counting any money.
    """
    unchecked = 0.0
    surely = 0.0
    for project in by_cost:
        if not bought[project] and not out[project]:
            unchecked += costs[project]
            if reserve[project] >= costs[project] * (1 + margin):
                surely += costs[project]
    if unchecked <= room or surely > room:
        return unchecked
    affordable = 0.0
    for project in by_cost:
        if bought[project] or out[project]:
            continue
        unchecked -= costs[project]
        if reserve[project] < costs[project] * (1 + margin):
            money = money_of(project, indptr, indices, weights, rich)
            if money < costs[project] * (1 - margin):
                out[project] = True
                if affordable + unchecked <= room:
                    break
                continue
            reserve[project] = money
        affordable += costs[project]
        if affordable > room:
            return affordable + unchecked
    return affordable + unchecked


@njit(cache=True, nogil=True)
def bounded_run(ballots, indptr, indices, weights, costs, utility, support, overlap, low_share, high_share, margin, width, budget, low, high):
    """Equal shares for every share between `low_share` and `high_share` at once: returns (status, leaves, count).

    Each state holds, per ballot, a budget no higher and one no lower than any
    run in the range has at that point (with the purchases fixed, budgets only
    grow with the share, and a price only falls as budgets grow). A round may
    then be won by any project whose lowest ρ is within the smallest highest ρ:
    each such purchase is followed, and states that have bought the same set
    are joined into one. A state stops early once what it has bought plus every
    project it may still afford fits the budget, or what it has bought already
    does not. Leaves 2k and 2k + 1 are the k-th end's least and most it may buy
    (every run in the range ends within one of them); status is TOO_WIDE if more
    than `width` states or ends were needed, or an affordability was too close to call.
    `low` and `high` (2 × width rows of a budget per ballot) are room the caller keeps
    between runs: fresh memory of that size costs more to touch than the run's own work.
    """
    projects = len(costs)
    spare = list(range(2 * width - 1, 0, -1))
    row_of = np.zeros(width, dtype=np.int64)
    next_row = np.zeros(width, dtype=np.int64)
    bought = np.zeros((width, projects), dtype=np.bool_)
    out = np.zeros((width, projects), dtype=np.bool_)
    lowest = np.empty((width, projects))
    upper = np.empty((width, projects))
    fresh = np.zeros((width, projects), dtype=np.bool_)
    next_bought = np.zeros((width, projects), dtype=np.bool_)
    next_out = np.zeros((width, projects), dtype=np.bool_)
    next_lowest = np.empty((width, projects))
    next_upper = np.empty((width, projects))
    next_fresh = np.zeros((width, projects), dtype=np.bool_)
    reserve = np.full((width, projects), -np.inf)
    next_reserve = np.full((width, projects), -np.inf)
    joined = np.zeros(width, dtype=np.bool_)
    saved_high = np.empty(ballots)
    saved_low = np.empty(ballots)
    leaves = np.zeros((2 * width, projects), dtype=np.bool_)
    by_cost = np.argsort(-costs)
    held = np.empty(_most_supporters(indptr))
    even = np.empty(projects)
    for project in range(projects):
        even[project] = costs[project] / support[project] / utility[project]
    low[0, :] = low_share
    high[0, :] = high_share
    lowest[0, :] = even
    anchor = even.copy()
    states = 1
    count = 0
    parents = np.empty(width * projects + 1, dtype=np.int64)
    choices = np.empty(width * projects + 1, dtype=np.int64)
    while states > 0:
        children = 0
        for state in range(states):
            rich = high[row_of[state]]
            poor = low[row_of[state]]
            remaining = np.nonzero(~bought[state] & ~out[state])[0]
            order = remaining[np.argsort(lowest[state, remaining], kind="mergesort")]
            ceiling = np.inf
            for project in order:
                if lowest[state, project] > ceiling * (1 + margin):
                    break
                if not fresh[state, project]:
                    price, money = _price(project, indptr, indices, weights, rich, costs, support, held)
                    if price == np.inf:
                        if abs(money - costs[project]) <= margin * costs[project]:
                            return TOO_WIDE, leaves, 0
                        out[state, project] = True
                        continue
                    lowest[state, project] = price / utility[project]
                    reserve[state, project] = money
                    upper[state, project] = np.nan
                    fresh[state, project] = True
                if lowest[state, project] < ceiling:
                    if np.isnan(upper[state, project]):
                        upper[state, project] = _upper(project, indptr, indices, weights, poor, costs, support, utility, margin, held)
                    if upper[state, project] < ceiling:
                        ceiling = upper[state, project]
            if states == 1:
                anchor[:] = lowest[state]
            spent = 0.0
            for project in range(projects):
                if bought[state, project]:
                    spent += costs[project]
            room = budget * (1 - margin) - spent
            possible = _prune(bought[state], out[state], reserve[state], by_cost, indptr, indices, weights, rich, costs, room, margin)
            if spent + possible <= budget * (1 - margin) or spent > budget * (1 + margin):
                if count == width:
                    return TOO_WIDE, leaves, 0
                leaves[2 * count] = bought[state]
                leaves[2 * count + 1] = bought[state] | ~out[state]
                count += 1
                continue
            for project in order:
                if out[state, project] or not fresh[state, project]:
                    continue
                if lowest[state, project] <= ceiling * (1 + margin):
                    if np.isnan(upper[state, project]):
                        upper[state, project] = _upper(project, indptr, indices, weights, poor, costs, support, utility, margin, held)
                    parents[children] = state
                    choices[children] = project
                    children += 1
            if ceiling == np.inf:
                if count == width:
                    return TOO_WIDE, leaves, 0
                leaves[2 * count] = bought[state]
                leaves[2 * count + 1] = bought[state]
                count += 1
        following = 0
        reused = np.zeros(states, dtype=np.bool_)
        for child in range(children):
            state, project = parents[child], choices[child]
            last_of_parent = child + 1 == children or parents[child + 1] != state
            source = row_of[state]
            target = -1
            for other in range(following):
                if next_bought[other, project]:
                    same = True
                    for index in range(projects):
                        if index != project and next_bought[other, index] != bought[state, index]:
                            same = False
                            break
                    if same:
                        target = other
                        break
            price_high = lowest[state, project] * utility[project]
            price_low = upper[state, project] * utility[project]
            if target < 0:
                if following == width:
                    return TOO_WIDE, leaves, 0
                target = following
                following += 1
                joined[target] = False
                if last_of_parent:
                    destination = source
                    reused[state] = True
                else:
                    destination = spare.pop()
                    low[destination] = low[source]
                    high[destination] = high[source]
                next_row[target] = destination
                next_bought[target] = bought[state]
                next_bought[target, project] = True
                next_out[target] = out[state]
                next_lowest[target] = lowest[state]
                next_upper[target] = upper[state]
                next_fresh[target] = fresh[state]
                next_reserve[target] = reserve[state]
                _paid(next_reserve[target], overlap[project], costs[project], price_high, margin)
                for position in range(indptr[project], indptr[project + 1]):
                    row = indices[position]
                    high[destination, row] = max(high[source, row] - price_high, 0.0)
                    low[destination, row] = max(low[source, row] - price_low, 0.0) if price_low != np.inf else 0.0
                for index in range(projects):
                    if overlap[project, index] > 0:
                        next_fresh[target, index] = False
            else:
                joined[target] = True
                destination = next_row[target]
                start = indptr[project]
                for position in range(start, indptr[project + 1]):
                    row = indices[position]
                    saved_high[position - start] = high[destination, row]
                    saved_low[position - start] = low[destination, row]
                for row in range(ballots):
                    high[destination, row] = max(high[destination, row], high[source, row])
                    low[destination, row] = min(low[destination, row], low[source, row])
                for position in range(start, indptr[project + 1]):
                    row = indices[position]
                    paid_low = max(low[source, row] - price_low, 0.0) if price_low != np.inf else 0.0
                    high[destination, row] = max(saved_high[position - start], high[source, row] - price_high, 0.0)
                    low[destination, row] = min(saved_low[position - start], paid_low)
                # Richer budgets than either state's hold more money: the higher lower bound holds.
                kept = reserve[state].copy()
                _paid(kept, overlap[project], costs[project], price_high, margin)
                for index in range(projects):
                    next_out[target, index] = next_out[target, index] and out[state, index]
                    next_reserve[target, index] = max(next_reserve[target, index], kept[index])
        for state in range(states):
            if not reused[state]:
                spare.append(row_of[state])
        for target in range(following):
            if joined[target]:
                next_fresh[target] = False
                next_lowest[target] = anchor
        row_of, next_row = next_row, row_of
        bought, next_bought = next_bought, bought
        out, next_out = next_out, out
        lowest, next_lowest = next_lowest, lowest
        upper, next_upper = next_upper, upper
        fresh, next_fresh = next_fresh, fresh
        reserve, next_reserve = next_reserve, reserve
        states = following
    return BOUNDED, leaves, count
