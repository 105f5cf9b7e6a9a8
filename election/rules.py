"""Is this ballot valid under the process's rule?

A ballot is what a voter chose, in one of three shapes: `selected` (approval and
knapsack), `ranked` (ranking, best first) or `points` (project id to points).
Every broken condition comes back as a Violation whose code the interface
translates into a sentence a voter understands; the values fill it in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

# The ballot kinds, the one list: packages name them in `ballot.rule`.
RuleKind = Literal["approval", "knapsack", "ranking", "points"]
RULE_KINDS: tuple[RuleKind, ...] = get_args(RuleKind)
# Which of a Ballot's three shapes each kind fills.
CHOICE_SHAPES: Mapping[RuleKind, str] = {"approval": "selected", "knapsack": "selected", "ranking": "ranked", "points": "points"}
# The counting rules, the one list: packages name them in `counting.rule`; election/tally/methods.py counts them.
COUNTING_RULES = ("greedy", "greedy-per-cost", "mes-cost", "mes-card", "mes-completed", "mes-compared")
# The counting rules that need only a score per project, so they count points and rankings as well as approvals.
SCORE_RULES = ("greedy", "greedy-per-cost")


@dataclass(frozen=True)
class BallotRule:
    kind: RuleKind
    budget: int
    costs: Mapping[str, int]
    min_selections: int = 0
    max_selections: int | None = None
    min_spend: int = 0
    min_rank: int = 1
    max_rank: int = 1
    points_total: int = 0
    points_per_project: int | None = None
    points_use_all: bool = False

    @classmethod
    def from_package(cls, ballot: Mapping[str, Any], budget: int, costs: Mapping[str, int]) -> BallotRule:
        kind = ballot["rule"]
        if kind == "approval":
            return cls(kind, budget, costs, ballot.get("min_selections", 1), ballot.get("max_selections"))
        if kind == "knapsack":
            return cls(kind, budget, costs, ballot.get("min_selections", 1), min_spend=ballot.get("min_spend", 0))
        if kind == "ranking":
            return cls(kind, budget, costs, min_rank=ballot.get("min_rank", 1), max_rank=ballot["max_rank"])
        return cls(
            kind,
            budget,
            costs,
            points_total=ballot["total"],
            points_per_project=ballot.get("max_per_project"),
            points_use_all=ballot.get("use_all", False),
        )


@dataclass(frozen=True)
class Violation:
    """One broken condition. `code` names it; `values` fill in the message."""

    code: str
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Ballot:
    selected: tuple[str, ...] = ()
    ranked: tuple[str, ...] = ()
    points: Mapping[str, int] = field(default_factory=dict)

    def as_choices(self, kind: RuleKind) -> dict[str, Any]:
        """The plain form that is sealed: only the shape the rule uses."""
        if kind in ("approval", "knapsack"):
            return {"selected": sorted(self.selected)}
        if kind == "ranking":
            return {"ranked": list(self.ranked)}
        return {"points": {project: count for project, count in sorted(self.points.items()) if count}}

    @classmethod
    def from_choices(cls, choices: Mapping[str, Any]) -> Ballot:
        """Read back a sealed ballot; raises ValueError for a shape no rule makes."""
        if not isinstance(choices, Mapping) or len(choices) != 1:
            raise ValueError("a ballot has exactly one of selected, ranked or points")
        ((key, value),) = choices.items()
        if key in ("selected", "ranked"):
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                raise ValueError(f"{key} must be a list of project ids")
            return cls(**{key: tuple(value)})
        if key == "points":
            if not isinstance(value, dict) or not all(
                isinstance(count, int) and not isinstance(count, bool) for count in value.values()
            ):
                raise ValueError("points must map project ids to whole numbers")
            return cls(points=dict(value))
        raise ValueError(f"unknown ballot shape {key!r}")


def spent(rule: BallotRule, ballot: Ballot) -> int:
    """Money the selected projects cost; unknown ids count as nothing."""
    return sum(rule.costs.get(project, 0) for project in set(ballot.selected))


def validate(rule: BallotRule, ballot: Ballot) -> list[Violation]:
    """Every way in which `ballot` breaks `rule`; empty when it may be cast."""
    checks = {
        "approval": _approval,
        "knapsack": _knapsack,
        "ranking": _ranking,
        "points": _points,
    }
    used = CHOICE_SHAPES[rule.kind]
    other = [name for name in dict.fromkeys(CHOICE_SHAPES.values()) if name != used and getattr(ballot, name)]
    if other:
        return [Violation("wrong_shape")]
    return checks[rule.kind](rule, ballot)


def _unknown(rule: BallotRule, projects: Sequence[str]) -> list[Violation]:
    unknown = sorted({project for project in projects if project not in rule.costs})
    return [Violation("unknown_project", {"projects": unknown})] if unknown else []


def _duplicates(projects: Sequence[str]) -> list[Violation]:
    repeated = sorted({project for project in projects if projects.count(project) > 1})
    return [Violation("repeated_project", {"projects": repeated})] if repeated else []


def _selection_count(rule: BallotRule, count: int) -> list[Violation]:
    if count < rule.min_selections:
        return [Violation("too_few", {"minimum": rule.min_selections, "count": count})]
    if rule.max_selections is not None and count > rule.max_selections:
        return [Violation("too_many", {"maximum": rule.max_selections, "count": count})]
    return []


def _approval(rule: BallotRule, ballot: Ballot) -> list[Violation]:
    problems = _unknown(rule, ballot.selected) + _duplicates(list(ballot.selected))
    return problems or _selection_count(rule, len(ballot.selected))


def _knapsack(rule: BallotRule, ballot: Ballot) -> list[Violation]:
    problems = _unknown(rule, ballot.selected) + _duplicates(list(ballot.selected))
    if problems:
        return problems
    problems = _selection_count(rule, len(ballot.selected))
    total = spent(rule, ballot)
    if total > rule.budget:
        problems.append(Violation("over_budget", {"spent": total, "budget": rule.budget, "over": total - rule.budget}))
    elif ballot.selected and total < rule.min_spend:
        problems.append(Violation("under_min_spend", {"spent": total, "minimum": rule.min_spend}))
    return problems


def _ranking(rule: BallotRule, ballot: Ballot) -> list[Violation]:
    problems = _unknown(rule, ballot.ranked) + _duplicates(list(ballot.ranked))
    if problems:
        return problems
    count = len(ballot.ranked)
    if count < rule.min_rank:
        return [Violation("too_few", {"minimum": rule.min_rank, "count": count})]
    if count > rule.max_rank:
        return [Violation("too_many", {"maximum": rule.max_rank, "count": count})]
    return []


def _points(rule: BallotRule, ballot: Ballot) -> list[Violation]:
    problems = _unknown(rule, list(ballot.points))
    if problems:
        return problems
    negative = sorted(project for project, count in ballot.points.items() if count < 0)
    if negative:
        return [Violation("negative_points", {"projects": negative})]
    cap = rule.points_per_project
    over_cap = sorted(project for project, count in ballot.points.items() if cap is not None and count > cap)
    if over_cap:
        problems.append(Violation("over_project_cap", {"projects": over_cap, "maximum": cap}))
    total = sum(ballot.points.values())
    if total > rule.points_total:
        problems.append(Violation("over_points", {"total": total, "maximum": rule.points_total}))
    elif total == 0:
        problems.append(Violation("too_few", {"minimum": 1, "count": 0}))
    elif rule.points_use_all and total < rule.points_total:
        problems.append(Violation("points_left", {"total": total, "required": rule.points_total}))
    return problems
