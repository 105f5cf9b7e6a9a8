"""Ballot validity under each of the four rules."""

from __future__ import annotations

import pytest
from vallokal.election.rules import Ballot, BallotRule, validate

COSTS = {"a": 400, "b": 300, "c": 200, "d": 100}


def codes(rule: BallotRule, ballot: Ballot) -> list[str]:
    return [violation.code for violation in validate(rule, ballot)]


def test_approval_counts_selections():
    rule = BallotRule("approval", 1000, COSTS, min_selections=1, max_selections=2)
    assert codes(rule, Ballot(selected=("a", "b"))) == []
    assert codes(rule, Ballot(selected=())) == ["too_few"]
    assert codes(rule, Ballot(selected=("a", "b", "c"))) == ["too_many"]
    assert codes(rule, Ballot(selected=("a", "a"))) == ["repeated_project"]
    assert codes(rule, Ballot(selected=("zz",))) == ["unknown_project"]


def test_knapsack_stays_within_the_budget_and_minimum_spend():
    rule = BallotRule("knapsack", 600, COSTS, min_selections=1, min_spend=250)
    assert codes(rule, Ballot(selected=("a", "c"))) == []
    violations = validate(rule, Ballot(selected=("a", "b")))
    assert [v.code for v in violations] == ["over_budget"]
    assert violations[0].values == {"spent": 700, "budget": 600, "over": 100}
    assert codes(rule, Ballot(selected=("d",))) == ["under_min_spend"]
    assert codes(rule, Ballot(selected=("a", "b", "c", "d"))) == ["over_budget"]


def test_knapsack_exactly_at_the_budget_is_valid():
    rule = BallotRule("knapsack", 1000, COSTS)
    assert codes(rule, Ballot(selected=tuple(COSTS))) == []


def test_ranking_is_distinct_and_at_most_k():
    rule = BallotRule("ranking", 1000, COSTS, min_rank=1, max_rank=3)
    assert codes(rule, Ballot(ranked=("c", "a"))) == []
    assert codes(rule, Ballot(ranked=("c", "c"))) == ["repeated_project"]
    assert codes(rule, Ballot(ranked=("a", "b", "c", "d"))) == ["too_many"]
    assert codes(rule, Ballot(ranked=())) == ["too_few"]


def test_points_respect_total_and_cap():
    rule = BallotRule("points", 1000, COSTS, points_total=10, points_per_project=5)
    assert codes(rule, Ballot(points={"a": 5, "b": 5})) == []
    assert codes(rule, Ballot(points={"a": 6, "b": 4})) == ["over_project_cap"]
    assert codes(rule, Ballot(points={"a": 5, "b": 5, "c": 1})) == ["over_points"]
    assert codes(rule, Ballot(points={"a": -1, "b": 5})) == ["negative_points"]
    assert codes(rule, Ballot(points={})) == ["too_few"]
    strict = BallotRule("points", 1000, COSTS, points_total=10, points_use_all=True)
    assert codes(strict, Ballot(points={"a": 9})) == ["points_left"]


def test_a_ballot_of_another_shape_is_refused():
    rule = BallotRule("knapsack", 1000, COSTS)
    assert codes(rule, Ballot(selected=("a",), points={"b": 1})) == ["wrong_shape"]


@pytest.mark.parametrize(
    "choices",
    [{"selected": ["a"]}, {"ranked": ["b", "a"]}, {"points": {"a": 3}}],
)
def test_choices_round_trip(choices):
    ballot = Ballot.from_choices(choices)
    kind = {"selected": "approval", "ranked": "ranking", "points": "points"}[next(iter(choices))]
    assert ballot.as_choices(kind) == choices


@pytest.mark.parametrize(
    "choices",
    [{}, {"selected": "a"}, {"points": {"a": "3"}}, {"votes": []}, {"selected": [], "ranked": []}, [1]],
)
def test_unreadable_choices_raise(choices):
    with pytest.raises(ValueError):
        Ballot.from_choices(choices)
