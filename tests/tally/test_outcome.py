"""Counting opened ballots under a package's own rules: validity, scores for every ballot shape, and the counting rule."""

from __future__ import annotations

import pytest
from vallokal.election.rules import COUNTING_RULES, Ballot, BallotRule
from vallokal.election.tally import outcome

COSTS = {"a": 40, "b": 30, "c": 30, "d": 50}


def test_invalid_ballots_come_back_with_the_reason():
    rule = BallotRule("knapsack", 100, COSTS, min_selections=1)
    assert outcome.check(rule, {"selected": ["a", "b"]})[1] is None
    assert outcome.check(rule, {"selected": ["a", "b", "c", "d"]}) == (None, "over_budget")
    assert outcome.check(rule, {"selected": ["x"]}) == (None, "unknown_project")
    assert outcome.check(rule, {"ranked": ["a"]}) == (None, "wrong_shape")
    assert outcome.check(rule, "garbage") == (None, "unreadable")


def test_approvals_points_and_rankings_give_their_scores():
    approval = BallotRule("approval", 100, COSTS, min_selections=1)
    assert outcome.scores(approval, list(COSTS), [Ballot(selected=("a", "b")), Ballot(selected=("a",))]) == {"a": 2, "b": 1, "c": 0, "d": 0}
    points = BallotRule("points", 100, COSTS, points_total=10)
    assert outcome.scores(points, list(COSTS), [Ballot(points={"a": 7, "c": 3}), Ballot(points={"c": 10})]) == {"a": 7, "b": 0, "c": 13, "d": 0}
    ranking = BallotRule("ranking", 100, COSTS, min_rank=1, max_rank=3)
    assert outcome.scores(ranking, list(COSTS), [Ballot(ranked=("d", "a", "b")), Ballot(ranked=("a",))]) == {"a": 5, "b": 1, "c": 0, "d": 3}


def test_greedy_funds_by_score_and_skips_what_no_longer_fits():
    rule = BallotRule("points", 100, COSTS, points_total=10)
    ballots = [Ballot(points={"d": 6, "a": 4}), Ballot(points={"d": 5, "b": 5}), Ballot(points={"c": 10})]
    result = outcome.count(rule, "greedy", list(COSTS), ballots)
    assert result.winners == ("d", "c") and result.spent == 80 and result.as_dict()["left"] == 20


def test_nothing_is_funded_without_votes_and_one_project_that_fits_is():
    rule = BallotRule("approval", 100, COSTS, min_selections=1)
    for counting_rule in COUNTING_RULES:
        assert outcome.count(rule, counting_rule, list(COSTS), []).winners == ()
        assert outcome.count(rule, counting_rule, list(COSTS), [Ballot(selected=("d",))]).winners == ("d",)


def test_a_budget_that_fits_everything_funds_everything_supported():
    rule = BallotRule("approval", 1000, COSTS, min_selections=1)
    ballots = [Ballot(selected=("a", "b")), Ballot(selected=("c", "d"))]
    for counting_rule in ("greedy", "mes-cost", "mes-completed"):
        assert sorted(outcome.count(rule, counting_rule, list(COSTS), ballots).winners) == ["a", "b", "c", "d"]


def test_a_tie_goes_to_the_smallest_id_as_text():
    costs = {"9": 60, "10": 60}
    rule = BallotRule("approval", 100, costs, min_selections=1)
    result = outcome.count(rule, "greedy", ["9", "10"], [Ballot(selected=("9",)), Ballot(selected=("10",))])
    assert result.winners == ("10",)


def test_equal_shares_is_refused_for_points_ballots():
    rule = BallotRule("points", 100, COSTS, points_total=10)
    with pytest.raises(ValueError, match="counts approvals"):
        outcome.count(rule, "mes-cost", list(COSTS), [])
