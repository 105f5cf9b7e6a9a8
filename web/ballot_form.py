"""Reading a ballot from form fields, as the station's ballot page and the office's paper entry both post them."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from ..election import rules
from ..election.package import ElectionPackage


def ballot_from_form(package: ElectionPackage, form: MultiDict[str, str]) -> tuple[rules.Ballot, list[str]]:
    """Read the ballot form; unreadable fields come back as messages, not exceptions."""
    kind = package.rule.kind
    if kind in ("approval", "knapsack"):
        return rules.Ballot(selected=tuple(form.getlist("project"))), []
    if kind == "ranking":
        ranked = [form.get(f"rank-{place}", "") for place in range(1, package.rule.max_rank + 1)]
        return rules.Ballot(ranked=tuple(project for project in ranked if project)), []
    points: dict[str, int] = {}
    problems = []
    for project in package.projects:
        typed = form.get(f"points-{project.id}", "").strip()
        if not typed:
            continue
        if not typed.isdigit() or len(typed) > 6:
            problems.append(gettext("Points must be whole numbers, 0 or more."))
            continue
        points[project.id] = int(typed)
    unknown = [name for name in form if name.startswith("points-") and package.project(name[7:]) is None]
    if unknown:
        points.update({name[7:]: 0 for name in unknown})
    return rules.Ballot(points=points), problems[:1]


def ballot_context(package: ElectionPackage, ballot: rules.Ballot, messages: list[str]) -> dict[str, Any]:
    """What the ballot and review templates show: the choices, the messages and the budget spent and left."""
    rule = package.rule
    spent = rules.spent(rule, ballot)
    return {
        "package": package,
        "rule": rule,
        "ballot": ballot,
        "messages": messages,
        "spent": spent,
        "left": rule.budget - spent,
        "points_given": sum(ballot.points.values()),
    }
