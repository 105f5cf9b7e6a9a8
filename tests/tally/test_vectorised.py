"""Plain equal shares in numpy (`vectorised`): the same outcome as the exact code and the compiled kernel's run."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import given, settings, strategies as st
from vallokal.election.tally import completion, mes, profile as profiles, vectorised


def numpy_run(profile: profiles.ApprovalProfile, satisfaction: str) -> tuple[int, list[int]]:
    arrays = completion.Arrays(profile, satisfaction)
    share = float(Fraction(profile.budget) / profile.voters)
    return vectorised.run(arrays.indptr, arrays.indices, arrays.weights, arrays.costs, arrays.utility, arrays.support, share, completion.MARGIN)


def random_profile(seed: int, ballots: int, projects: int, budget: int) -> profiles.ApprovalProfile:
    """Ballots of 1 to 6 projects with a skewed popularity, costs so that about a quarter fit the budget."""
    rng = np.random.default_rng(seed)
    popularity = rng.pareto(1.5, projects) + 0.1
    popularity /= popularity.sum()
    rows = np.zeros((ballots, projects), dtype=bool)
    for row in rows:
        row[rng.choice(projects, size=rng.integers(1, min(6, projects) + 1), replace=False, p=popularity)] = True
    costs = [Fraction(int(cost)) for cost in rng.integers(1, 40, projects) * budget // (5 * projects) + 1]
    return profiles.approval_profile([str(number) for number in range(projects)], costs, Fraction(budget), rows, rng.integers(1, 4, ballots))


@settings(max_examples=300, deadline=None)
@given(
    costs=st.lists(st.integers(0, 60), min_size=1, max_size=7),
    ballots=st.lists(st.integers(1, 127), min_size=1, max_size=40),
    budget=st.integers(1, 200),
    satisfaction=st.sampled_from(["cost", "cardinality"]),
)
def test_the_numpy_run_equals_the_exact_count_on_small_elections_full_of_ties(costs, ballots, budget, satisfaction):
    """Small integer costs make exact ties and exactly affordable projects common: those must go to the exact code."""
    ids = [f"p{index}" for index in range(len(costs))]
    rows = np.array([[mask >> bit & 1 for bit in range(len(ids))] for mask in ballots], dtype=bool)
    rows[~rows.any(axis=1), 0] = True
    profile = profiles.approval_profile(ids, [Fraction(cost) for cost in costs], Fraction(budget), rows)
    assert completion.float_equal_shares(profile, satisfaction) == mes.equal_shares(profile, satisfaction)


def test_the_numpy_run_buys_what_the_compiled_kernel_buys_on_larger_elections():
    for seed in range(6):
        profile = random_profile(seed, ballots=3_000, projects=40, budget=10**6)
        for satisfaction in ("cost", "cardinality"):
            arrays = completion.Arrays(profile, satisfaction)
            kernel_run = completion.run(arrays, float(Fraction(profile.budget) / profile.voters))
            rounds, sequence = numpy_run(profile, satisfaction)
            assert (rounds != vectorised.UNCLEAR) == kernel_run.clear
            if kernel_run.clear:
                assert sequence == kernel_run.sequence
            assert completion.float_equal_shares(profile, satisfaction) == mes.equal_shares(profile, satisfaction)



def staircase(poor: int, rich: int, cost: float) -> tuple[np.ndarray, np.ndarray, float]:
    """Budgets and counts where each raise of the offer catches exactly one more supporter short, with counts
    halving so that the raises stay large enough for floating point: a pass for each of the poor. Also how far
    the price lies from the offer that counts one supporter fewer short."""
    counts = [2.0 ** (poor - number) for number in range(poor)] + [1.0] * rich
    support = sum(counts)
    budgets = [0.5 * cost / support]
    offers = [cost / support]
    while True:
        paid = sum(count * budget for count, budget in zip(counts, budgets))
        offers.append((cost - paid) / (support - sum(counts[: len(budgets)])))
        if len(budgets) == poor:
            break
        budgets.append(offers[-2] + (offers[-1] - offers[-2]) / 100)
    return np.array(budgets + [cost] * rich), np.array(counts), abs(offers[-1] - offers[-2])


def test_the_price_in_one_sort_is_the_price_pass_by_pass_on_budgets_spread_out(monkeypatch):
    """A staircase of budgets makes the offer rise past one supporter at each pass: after PASSES the sort takes
    over, with the same price."""
    in_one_sort, passes = vectorised._sorted_price, vectorised.PASSES
    sorts = []
    monkeypatch.setattr(vectorised, "_sorted_price", lambda *arguments: sorts.append(1) or in_one_sort(*arguments))
    for poor, rich in ((30, 10), (45, 3), (passes + 2, 50)):
        budgets, counts, to_the_next_offer = staircase(poor, rich, 1000.0)
        rows = np.random.default_rng(poor).permutation(len(budgets))
        quick, money = vectorised._price(rows, counts[rows], budgets, 1000.0, float(counts.sum()))
        monkeypatch.setattr(vectorised, "PASSES", 10**9)
        patient, _ = vectorised._price(rows, counts[rows], budgets, 1000.0, float(counts.sum()))
        monkeypatch.setattr(vectorised, "PASSES", passes)
        # The poor pay nearly all of the cost, so both ways subtract nearly equal sums and the price keeps only the digits
        # the order of BLAS's sums leaves (it differs between CPUs); a supporter counted wrongly would move it to the next offer.
        assert abs(quick - patient) < to_the_next_offer / 10, (quick, patient, to_the_next_offer)
        assert money >= 1000.0
    assert len(sorts) == 3
