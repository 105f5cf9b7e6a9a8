"""Completed equal shares by jumps: the same outcome as the cities' one-unit steps, at any budget ÷ voters."""

from __future__ import annotations

import time
from fractions import Fraction

import numpy as np
import pytest
from elections import build, election, skewed_approvals, stepped_completion
from hypothesis import HealthCheck, given, settings, strategies as st
from vallokal.election.tally import compiled_kernel, completion, mes, methods, profile as profiles


def random_approvals(voters: int, projects: int, budget: int, seed: int) -> profiles.ApprovalProfile:
    rng = np.random.default_rng(seed)
    popularity = rng.pareto(1.5, projects) + 0.1
    rows = rng.random((voters, projects)) < np.minimum(popularity / popularity.sum() * 4, 0.9)
    costs = [Fraction(int(cost)) for cost in rng.integers(1, 40, projects) * (budget // 100)]
    return profiles.approval_profile([f"p{number}" for number in range(projects)], costs, Fraction(budget), rows)


def counting_runs(monkeypatch, kernel_function: str = "run_tracked") -> list[int]:
    calls: list[int] = []
    loaded = compiled_kernel.load()
    original = getattr(loaded, kernel_function)

    def counted(*arguments):
        calls.append(1)
        return original(*arguments)

    monkeypatch.setattr(loaded, kernel_function, counted)
    return calls


@pytest.mark.parametrize("voters", [1, 2, 5, 13, 40])
def test_few_voters_and_a_large_budget_take_a_few_runs_not_one_per_unit(voters, monkeypatch):
    """The reported case: 12 projects, budget 1,000,000, a handful of voters (230 s for 2 voters before)."""
    profile = random_approvals(voters, 12, 1_000_000, seed=voters)
    completion.float_completed(profile)
    calls = counting_runs(monkeypatch)
    started = time.perf_counter()
    outcome = completion.float_completed(profile)
    assert time.perf_counter() - started < 2
    assert len(calls) < 200
    started = time.perf_counter()
    assert outcome == completion.completed(profile) == mes.completed(profile)
    assert time.perf_counter() - started < 2


def test_once_the_kernel_is_built_a_small_election_is_completed_by_float_jumps_not_by_the_exact_code(monkeypatch):
    """50 distinct ballots, 20 projects: the exact code took 31 exact runs (0.27 s on the bench's election, half a
    rehearsal's whole command), float jumps take no exact run and milliseconds."""
    profile = random_approvals(50, 20, 100_000, seed=50)
    expected = mes.completed(profile)
    compiled_kernel.load()
    assert compiled_kernel.ready() is not None
    calls = counting_runs(monkeypatch)
    monkeypatch.setattr(completion, "_exact", lambda: pytest.fail("a small election with no close decision ran the exact code"))
    assert completion.completed(profile) == expected
    assert calls


def test_a_hundred_times_the_budget_needs_about_as_many_runs(monkeypatch):
    calls = counting_runs(monkeypatch)
    completion.float_completed(random_approvals(2, 12, 10_000, seed=3))
    small = len(calls)
    calls.clear()
    completion.float_completed(random_approvals(2, 12, 1_000_000, seed=3))
    assert len(calls) <= 3 * small + 10


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    costs=st.lists(st.integers(1, 12), min_size=1, max_size=6),
    kinds=st.lists(st.integers(1, 63), min_size=1, max_size=6),
    voters=st.integers(1, 200),
    seed=st.integers(0, 2**32 - 1),
    budget=st.integers(6, 120),
)
def test_jumps_and_bounded_ranges_give_exactly_what_stepping_one_unit_at_a_time_gives(costs, kinds, voters, seed, budget):
    """Small integer costs and budgets, and few kinds of ballot shared by many voters: exact ties everywhere. The
    search large elections use (bounded runs over ranges) is forced onto them too: every near tie is a branch or an exact run."""
    named = {f"p{index}": cost * max(1, budget // 12) for index, cost in enumerate(costs)}
    rng = np.random.default_rng(seed)
    masks = rng.choice(kinds, size=voters)
    chosen = [{name for bit, name in enumerate(named) if int(mask) >> bit & 1} or {"p0"} for mask in masks]
    profile = build(budget, named, chosen)
    stepped = stepped_completion(profile)
    assert completion.completed(profile) == stepped
    assert completion.float_completed(profile) == stepped
    assert completion.float_completed(profile, by_ranges=True) == stepped


@pytest.mark.parametrize("voters, projects, budget, seed", [(300, 20, 10**6, 1), (600, 40, 10**7, 2), (2_000, 30, 10**5, 3)])
def test_ranges_give_the_exact_completion_on_elections_of_hundreds_of_distinct_ballots(voters, projects, budget, seed):
    profile = random_approvals(voters, projects, budget, seed)
    assert len(profile.weights) > 100
    assert completion.float_completed(profile, by_ranges=True) == completion.float_completed(profile, by_ranges=False) == mes.completed(profile)


def test_a_thousand_voters_and_a_budget_of_a_hundred_million_take_a_few_bounded_runs(monkeypatch):
    """Budget ÷ voters of 100,000 units: stepping one run per unit, or per change of purchase order, took 7 s here."""
    profile = random_approvals(1_000, 60, 10**8, seed=5)
    completion.float_completed(profile)
    calls = counting_runs(monkeypatch, "bounded_run")
    outcome = completion.float_completed(profile)
    assert 0 < len(calls) < 200
    assert outcome == completion.float_completed(profile, by_ranges=False)


def probes_for(profile: profiles.ApprovalProfile) -> completion.Probes:
    budget = Fraction(profile.budget)
    costs = dict(zip(profile.project_ids, profile.costs))

    def share(raise_by: int) -> float:
        return float((budget + profile.voters * raise_by) / profile.voters)

    def overspends(outcome: list[str]) -> bool:
        return sum((costs[project_id] for project_id in outcome), Fraction(0)) > budget

    return completion.Probes(completion.Arrays(profile, "cost"), profile, "cost", share, overspends)


def fits_exactly(profile: profiles.ApprovalProfile, raise_by: int) -> bool:
    costs = dict(zip(profile.project_ids, profile.costs))
    outcome = mes._run(profile, "cost", None, mes.mpq(raise_by), False)[0]
    return sum((costs[project_id] for project_id in outcome), Fraction(0)) <= profile.budget


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    voters=st.integers(3, 60),
    projects=st.integers(2, 9),
    budget=st.integers(100, 3_000),
    seed=st.integers(0, 2**32 - 1),
    start=st.floats(0, 1),
    length=st.integers(1, 12),
)
def test_a_probe_passes_raises_only_if_every_one_fits_and_stops_only_if_every_one_overspends(voters, projects, budget, seed, start, length):
    """Bounded runs and single raises stop early (what the richest budgets cannot afford is put out, and a state whose
    set plus every project it may still afford fits is done): each verdict is checked raise by raise, exactly."""
    profile = random_approvals(voters, projects, budget, seed)
    probe = probes_for(profile)
    first = round(start * budget)
    last = min(first + length - 1, budget)
    exact = [fits_exactly(profile, raise_by) for raise_by in range(first, last + 1)]
    found = probe.range(first, last)
    if found.fits:
        assert all(exact)
    if found.overspends:
        assert not any(exact)
    for raise_by, fits in zip(range(first, last + 1), exact):
        assert probe.single(raise_by) == completion.Verdict(fits, not fits, True)


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("ranges", [True, False], ids=["ranges", "single raises"])
def test_ranges_and_single_raises_on_one_or_two_cores_give_the_cities_completion(ranges, workers, monkeypatch):
    monkeypatch.setattr(completion._Costs, "stepping", lambda self: not ranges)
    monkeypatch.setattr(completion, "_workers", lambda: workers)
    for voters, projects, budget, seed in [(300, 20, 10**6, 1), (600, 40, 10**7, 2), (2_000, 30, 10**5, 3)]:
        profile = random_approvals(voters, projects, budget, seed)
        assert completion.float_completed(profile, by_ranges=True) == mes.completed(profile)


def test_ballots_renumbered_side_by_side_give_the_cities_completion(monkeypatch):
    """From 200,000 distinct ballots the compiled runs read the ballots renumbered (`kernel.side_by_side`): here from one."""
    monkeypatch.setattr(completion, "SIDE_BY_SIDE_FROM", 1)
    for voters, projects, budget, seed in [(300, 20, 10**6, 1), (2_000, 30, 10**5, 3)]:
        profile = random_approvals(voters, projects, budget, seed)
        renumbered = completion.Arrays(profile, "cost", side_by_side=True)
        assert not np.array_equal(renumbered.indices, completion.Arrays(profile, "cost").indices)
        assert completion.float_completed(profile, by_ranges=True) == mes.completed(profile)


def test_a_thousand_raises_to_the_first_overspend_are_proved_in_a_few_dozen_bounded_runs(monkeypatch):
    """10,000 voters, 200 projects, 1,000 units per voter, ballots as in `bench/tally_sizes.py`: 780 raises to the first
    overspend. Ranges took 118 bounded runs while a state stopped only once every project it had not ruled out fitted."""
    profile = skewed_approvals(10_000, 200, 10**7, seed=3)
    monkeypatch.setattr(completion, "_workers", lambda: 1)
    monkeypatch.setattr(completion._Costs, "stepping", lambda self: True)
    one_by_one = completion.float_completed(profile, by_ranges=True)
    monkeypatch.setattr(completion._Costs, "stepping", lambda self: False)
    calls = counting_runs(monkeypatch, "bounded_run")
    assert completion.float_completed(profile, by_ranges=True) == one_by_one
    assert len(calls) < 60


def test_what_a_probe_beside_a_failing_one_proved_is_not_proved_again(monkeypatch):
    """Two ranges run at once; when the first grew too wide, a second that fitted was thrown away and its raises proved
    again (68 raises twice on this election)."""
    profile = skewed_approvals(10_000, 200, 10**7, seed=1)
    monkeypatch.setattr(completion, "_workers", lambda: 2)
    monkeypatch.setattr(completion._Costs, "stepping", lambda self: False)
    proved: list[tuple[int, int]] = []
    original = completion.Probes.range

    def recorded(self, first: int, last: int) -> completion.Verdict:
        found = original(self, first, last)
        if found.fits:
            proved.append((first, last))
        return found

    monkeypatch.setattr(completion.Probes, "range", recorded)
    winners = completion.float_completed(profile, by_ranges=True)
    covered = [raise_by for first, last in proved for raise_by in range(first, last + 1)]
    monkeypatch.setattr(completion, "_workers", lambda: 1)
    assert winners == completion.float_completed(profile, by_ranges=True)
    assert len(covered) == len(set(covered))


def test_a_few_hundred_distinct_ballots_are_completed_by_ranges_not_by_jumps(monkeypatch):
    """Jumps took 15 to 48 s on public Pabulib files of 190 to 330 distinct ballots (Amsterdam, Targówek, South Lake Tahoe)."""
    profile = random_approvals(200, 25, 10**6, seed=8)
    assert 64 < len(profile.weights) <= 400
    jumps = completion.float_completed(profile, by_ranges=False)
    tracked, bounded = counting_runs(monkeypatch, "run_tracked"), counting_runs(monkeypatch, "bounded_run")
    assert completion.completed(profile) == jumps == mes.completed(profile)
    assert bounded and not tracked


def test_the_cost_of_a_set_is_compared_with_the_budget_exactly_in_whole_units_or_in_fractions():
    rng = np.random.default_rng(4)
    sets = rng.random((200, 12)) < 0.5
    for unit in (1, 7, 10**17):
        costs = [Fraction(int(cost), unit) for cost in rng.integers(1, 10**6, 12)]
        budget = Fraction(int(rng.integers(10**6, 4 * 10**6)), unit)
        expected = [sum((cost for cost, chosen in zip(costs, row) if chosen), Fraction(0)) > budget for row in sets]
        assert completion._exact_sums(costs, budget)(sets).tolist() == expected
    assert completion._exact_sums([Fraction(2**61), Fraction(2**61)], Fraction(2**62 - 1))(np.array([[True, True], [True, False]])).tolist() == [True, False]


def test_stepping_and_jumps_agree_on_an_exact_tie_at_a_whole_raise():
    # Two projects of 30: 'b' has two supporters, 'a' one; whole raises reach the point where 'a' becomes affordable exactly.
    profile = build(40, {"a": 30, "b": 30}, [{"a", "b"}, {"b"}])
    assert completion.float_completed(profile) == completion.completed(profile) == stepped_completion(profile)


VOTE_TYPES = {
    "approval": dict(ballots=[[0, 1], [1], [2], [0, 2], [1, 2]]),
    "choose-1": dict(ballots=[[0], [1], [1], [2], [2]]),
    "cumulative": dict(ballots=[[0, 1], [1], [2], [0, 2], [1, 2]], points=[[3, 2], [5], [5], [1, 4], [2, 3]]),
    "scoring": dict(ballots=[[0, 1], [1], [2], [0, 2], [1, 2]], points=[[1, 2], [3], [3], [2, 1], [1, 1]]),
    "ordinal": dict(ballots=[[0, 1, 2], [1, 0], [2], [0, 2], [1, 2, 0]]),
}


@pytest.mark.parametrize("rule", sorted(methods.RULES))
@pytest.mark.parametrize("vote_type", sorted(VOTE_TYPES))
def test_every_rule_counts_every_vote_type(vote_type, rule):
    made = election(vote_type, 100, [40, 35, 50], **VOTE_TYPES[vote_type])
    winners = methods.winners(made, rule)
    assert winners and sum(made.cost(project_id) for project_id in winners) <= made.budget
    if rule.startswith("mes-c") and rule not in ("mes-completed", "mes-compared"):
        satisfaction = "cost" if rule == "mes-cost" else "cardinality"
        assert winners == mes.equal_shares(profiles.from_pabulib(made), satisfaction)
    if rule == "mes-completed":
        assert winners == stepped_completion(profiles.from_pabulib(made))


def test_greedy_ranks_points_and_places_not_approvals():
    # Project 2 has the most approvals, project 0 the most points; by place (2 points, then 1) projects 1 and 2 tie
    # with 4 and the smallest id wins.
    points = election("cumulative", 50, [50, 50, 50], [[0, 2], [0, 2], [2]], [[9, 1], [9, 1], [1]])
    assert methods.winners(points, "greedy") == ["0"]
    ranked = election("ordinal", 50, [50, 50, 50], [[1, 2], [1, 2], [2, 0], [0]])
    assert methods.winners(ranked, "greedy") == ["1"]
